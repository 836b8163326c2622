"""Warm overhead: shopbot's Lambda handler per /health request against calling the same
WSGI app directly, same run (goal <= 2.0x, #20's keep), with serverless-wsgi's own v2 path beside them.

    .venv/bin/python bench/warm_overhead.py [--requests 3000 --rounds 7]
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import alternate_samples, describe


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from werkzeug.test import EnvironBuilder

    import shopbot.lambda_handler as lh
    from tests.apigw_events import FakeLambdaContext, http_api_event

    logging.getLogger("shopbot").setLevel(logging.WARNING)
    event, context = http_api_event("GET", "/health"), FakeLambdaContext()
    environ = EnvironBuilder(path="/health").get_environ()

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        return None

    def direct() -> float:
        started = time.perf_counter()
        for _ in range(args.requests):
            env = dict(environ, **{"wsgi.input": io.BytesIO()})
            b"".join(lh.app(env, start_response))
        return (time.perf_counter() - started) / args.requests

    def handler() -> float:
        started = time.perf_counter()
        for _ in range(args.requests):
            lh.handler(event, context)
        return (time.perf_counter() - started) / args.requests

    import serverless_wsgi

    def adapter_only() -> float:
        started = time.perf_counter()
        for _ in range(args.requests):
            serverless_wsgi.handle_request(lh.app, event, context)
        return (time.perf_counter() - started) / args.requests

    sink = io.StringIO()
    real_stdout, sys.stdout = sys.stdout, sink  # Powertools prints one metrics line per invocation
    try:
        direct(), handler()
        samples = alternate_samples(args.rounds, direct=direct, handler=handler, adapter=adapter_only)
        medians = {name: statistics.median(values) for name, values in samples.items()}
    finally:
        sys.stdout = real_stdout
    ratio = medians["handler"] / medians["direct"]
    ratios = sorted(h / d for h, d in zip(samples["handler"], samples["direct"], strict=True))
    print(f"warm /health: handler {describe(samples['handler'], 1e6, 'us')}, direct WSGI "
          f"{describe(samples['direct'], 1e6, 'us')}, ratio {ratio:.2f}x (per-round {ratios[0]:.2f}-{ratios[-1]:.2f}x;"
          f" goal <= 2.0x); serverless-wsgi alone {medians['adapter'] / medians['direct']:.2f}x")


if __name__ == "__main__":
    main()
