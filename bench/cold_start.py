"""Cold start: fresh interpreter -> first /health answer through shopbot's Lambda handler,
against a bare Flask + serverless-wsgi handler measured in the same run (goal <= 1.25x, #20).

    .venv/bin/python bench/cold_start.py [--rounds 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import alternate_samples, describe

BARE = '''
import serverless_wsgi
from flask import Flask
app = Flask(__name__)
@app.get("/health")
def health():
    return {"status": "ok"}
def handler(event, context):
    return serverless_wsgi.handle_request(app, event, context)
'''
CALL = '''
import sys
sys.path[:0] = [{repo!r}, {tmp!r}]
from tests.apigw_events import FakeLambdaContext, http_api_event
from {module} import handler
assert handler(http_api_event("GET", "/health"), FakeLambdaContext())["statusCode"] == 200
'''


def measure(module: str, tmp: str, env: dict[str, str]) -> float:
    code = CALL.format(repo=str(Path(__file__).resolve().parents[1]), tmp=tmp, module=module)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC", "REDIS", "ELASTIC"))}
    env["POWERTOOLS_METRICS_NAMESPACE"] = "Bench"
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bare_handler.py").write_text(BARE)
        measure("shopbot.lambda_handler", tmp, env)  # fill bytecode caches once, as a deployed package has
        measure("bare_handler", tmp, env)
        samples = alternate_samples(
            args.rounds,
            shopbot=lambda: measure("shopbot.lambda_handler", tmp, env),
            bare=lambda: measure("bare_handler", tmp, env),
        )
    ratio = statistics.median(samples["shopbot"]) / statistics.median(samples["bare"])
    ratios = sorted(s / b for s, b in zip(samples["shopbot"], samples["bare"], strict=True))
    print(f"cold start to first /health ({args.rounds} interleaved rounds; load average {os.getloadavg()[0]:.1f}):")
    print(f"  shopbot:                   {describe(samples['shopbot'], 1000, 'ms')}")
    print(f"  bare flask+serverless-wsgi: {describe(samples['bare'], 1000, 'ms')}")
    print(f"  ratio {ratio:.2f}x (per-round {ratios[0]:.2f}-{ratios[-1]:.2f}x; goal <= 1.25x)")


if __name__ == "__main__":
    main()
