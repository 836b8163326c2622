"""Bench: `shopbot secrets sync` - an applied sync vs a repeated (no-op) sync, against moto.

Goal (issue 5): a sync is ONE write, and repeating it makes NO write (and no new version).
Each run builds its clients afresh, as one CLI invocation does; the two sides alternate.
AWS calls are counted with botocore `before-call` hooks on the session.

    .venv/bin/python bench/secrets_sync.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3
from moto.server import ThreadedMotoServer
from rich.console import Console
from shopbot_cli.aws import AwsClients
from shopbot_cli.secrets.ops import sync_secret
from shopbot_cli.secrets.sources import LocalSecrets
from shopbot_cli.settings.environments import Settings
from shopbot_cli.ui import UI

SETTINGS = Settings(region="us-east-1", secret_name="bench/shopbot", required_secret_keys=["ANTHROPIC_API_KEY"])
QUIET = UI(stdout=Console(file=open(os.devnull, "w")), stderr=Console(file=open(os.devnull, "w")))  # noqa: SIM115


def one_sync(values: dict[str, str]) -> tuple[float, Counter[str]]:
    """One sync as a fresh CLI invocation makes it: new session, new clients."""
    calls: Counter[str] = Counter()
    session = boto3.Session(region_name="us-east-1")
    session.events.register("before-call", lambda model, **_: calls.update([model.name]))
    started = time.perf_counter()
    sync_secret(AwsClients(SETTINGS, session=session), SETTINGS, LocalSecrets(values, "bench"),
                assume_yes=True, ui=QUIET)
    return time.perf_counter() - started, calls


def per_run(calls: Counter[str], runs: int) -> dict[str, float]:
    return {name: count / runs for name, count in sorted(calls.items())}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(AWS_ENDPOINT_URL=f"http://{host}:{port}", AWS_ACCESS_KEY_ID="bench",
                      AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1")
    try:
        one_sync({"ANTHROPIC_API_KEY": "v0"})   # create the secret (not measured)
        applied: list[float] = []
        repeated: list[float] = []
        applied_calls: Counter[str] = Counter()
        repeated_calls: Counter[str] = Counter()
        for run in range(runs):
            values = {"ANTHROPIC_API_KEY": f"v{run + 1}", "ES_API_KEY": "es", "REDIS_PASSWORD": "r"}
            seconds, calls = one_sync(values)          # a change: one PutSecretValue
            applied.append(seconds)
            applied_calls += calls
            seconds, calls = one_sync(values)          # the same again: nothing to write
            repeated.append(seconds)
            repeated_calls += calls
        client = boto3.client("secretsmanager", region_name="us-east-1")
        versions = len(client.list_secret_version_ids(SecretId=SETTINGS.secret_name,
                                                      IncludeDeprecated=True)["Versions"])
    finally:
        server.stop()
    a, r = statistics.median(applied), statistics.median(repeated)
    print(f"runs: {runs} (alternating), moto server on loopback")
    print(f"applied sync : median {a * 1000:7.1f} ms, calls/run {per_run(applied_calls, runs)}")
    print(f"repeated sync: median {r * 1000:7.1f} ms, calls/run {per_run(repeated_calls, runs)}")
    print(f"writes per applied sync: {applied_calls['PutSecretValue'] / runs:.0f}; per repeated sync: "
          f"{repeated_calls['PutSecretValue'] / runs:.0f}; versions created: {versions} for {runs + 1} changes")
    print(f"ratio repeated/applied time: {r / a:.2f}")


if __name__ == "__main__":
    main()
