"""Bench: API calls and the tool's own time of one `shopbot cutover`, against a moto server.

Goal (issue 7): one CloudFront read and one CloudFront write per cutover, and under 1 s of
the tool's own time, excluding CloudFront's propagation wait (`--no-wait`). Each run builds
its clients afresh, as one CLI invocation does, and alternates lambda/ecs. Calls are
counted with botocore `before-call` hooks; time in AWS calls with `after-call`.

    .venv/bin/python bench/cutover_calls.py [--runs 11]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3
from moto.server import ThreadedMotoServer
from rich.console import Console
from shopbot_cli.aws import AwsClients
from shopbot_cli.cutover.flow import Options, run_cutover
from shopbot_cli.settings.environments import Settings
from shopbot_cli.ui import UI

from tests.unit.cutover.sample import ALB, API, distribution_config

GOAL_SECONDS = 1.0


class Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_: Any) -> None:
        return


def serve() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Meter:
    """Counts every AWS call of one run and the time spent waiting on them."""

    def __init__(self, clients: AwsClients) -> None:
        self.calls: Counter[str] = Counter()
        self.in_aws = 0.0
        self._started: dict[int, float] = {}
        clients.session.events.register("before-call", self._before)
        clients.session.events.register("after-call", self._after)

    def _before(self, model: Any, context: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_name}.{model.name}"] += 1
        self._started[id(context)] = time.perf_counter()

    def _after(self, context: Any, **_: Any) -> None:
        self.in_aws += time.perf_counter() - self._started.pop(id(context), time.perf_counter())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    runs = parser.parse_args().runs

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    os.environ.update(AWS_ENDPOINT_URL=f"http://{host}:{port}", AWS_ACCESS_KEY_ID="testing",
                      AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1")
    alb, api = serve(), serve()
    boto3.client("s3").create_bucket(Bucket="bench-ledger")
    distribution_id = boto3.client("cloudfront").create_distribution(
        DistributionConfig=distribution_config("bench"))["Distribution"]["Id"]
    alb_url, api_url = (f"http://127.0.0.1:{s.server_address[1]}" for s in (alb, api))
    report = Path(tempfile.mkdtemp()) / "parity-report.json"
    report.write_text(json.dumps({"version": 1, "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                  "primary": alb_url, "candidate": api_url, "corpus_sha256": "0" * 64,
                                  "passed": True, "routes": []}))
    settings = Settings(region="us-east-1", distribution_id=distribution_id, alb_origin_id=ALB,
                        api_origin_id=API, behaviors=["default", "/api/*"], alb_url=alb_url, api_url=api_url,
                        parity_report=str(report), ledger="s3://bench-ledger/ledger.json")
    quiet = UI(assume_yes=True, stdout=Console(file=io.StringIO()), stderr=Console(file=io.StringIO()))

    totals, in_aws, counts = [], [], []
    for number in range(runs):
        started = time.perf_counter()
        clients = AwsClients(settings)
        meter = Meter(clients)
        result = run_cutover(settings, "lambda" if number % 2 == 0 else "ecs", clients=clients, ui=quiet,
                             options=Options(yes=True, wait=False))
        totals.append(time.perf_counter() - started)
        in_aws.append(meter.in_aws)
        counts.append(meter.calls)
        assert result["changed"], result
    moto.stop()
    alb.shutdown()
    api.shutdown()

    calls = counts[len(counts) // 2]
    cloudfront = {name: n for name, n in calls.items() if name.startswith("cloudfront.")}
    reads = sum(n for name, n in cloudfront.items() if ".Get" in name)
    writes = sum(n for name, n in cloudfront.items() if ".Get" not in name)
    total, aws = statistics.median(totals), statistics.median(in_aws)
    print(f"cutover against moto, {runs} runs (alternating lambda/ecs, --no-wait, fresh clients each run)")
    print(f"  AWS calls per cutover: {dict(sorted(calls.items()))}")
    print(f"  CloudFront: {reads} read(s) + {writes} write(s)   goal: 1 + 1   "
          f"{'MET' if (reads, writes) == (1, 1) else 'MISSED'}")
    print(f"  median tool time {total * 1000:.0f} ms (of which waiting on AWS/moto {aws * 1000:.0f} ms, "
          f"own {(total - aws) * 1000:.0f} ms)   goal: < {GOAL_SECONDS * 1000:.0f} ms")
    print(f"  ratio tool time / goal = {total / GOAL_SECONDS:.2f}  {'MET' if total < GOAL_SECONDS else 'MISSED'}")


if __name__ == "__main__":
    main()
