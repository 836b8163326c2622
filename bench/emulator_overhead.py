"""Emulator overhead: GET /health through `shopbot serve --target lambda` (HTTP front +
Runtime API + awslambdaric worker) against calling the same handler in-process, same run,
concurrency 1, keep-alive client. Goal: under 1 ms added per request. Also the cold start
the emulator reports (`Init Duration` of REPORT lines) over several fresh servers.

    .venv/bin/python bench/emulator_overhead.py [--requests 300 --rounds 7 --cold-starts 5] [--base REF]

The added time includes the client's own HTTP cost (http.client), as a caller would see it.
`--base REF` also runs the emulator of an earlier commit (a `git archive` export) in the
same rounds, so what a change to the emulator adds is measured apart from the machine's
speed and load: most of the added time is process wake-ups, which a busy or slow machine
stretches for both alike.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from shopbot_cli.emulator.events import build_event
from shopbot_cli.emulator.targets import start_target

from bench._common import alternate
from tests.support import clean_env, free_port

INIT = re.compile(r"Init Duration: ([0-9.]+) ms")


class Context:
    function_name = "shopbot"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shopbot"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def in_process(requests: int) -> Any:
    import shopbot.lambda_handler as lh

    logging.getLogger("shopbot").setLevel(logging.WARNING)
    headers = [("host", "127.0.0.1"), ("user-agent", "bench"), ("accept", "*/*")]
    context = Context()

    def measure() -> float:
        started = time.perf_counter()
        for _ in range(requests):
            event = build_event("GET", "/health", headers, b"", request_id="x", source_ip="127.0.0.1")
            lh.handler(event, context)
        return (time.perf_counter() - started) / requests

    return measure


def through_emulator(connection: http.client.HTTPConnection, requests: int) -> Any:
    def measure() -> float:
        started = time.perf_counter()
        for _ in range(requests):
            connection.request("GET", "/health")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"emulator answered {response.status}")
        return (time.perf_counter() - started) / requests

    return measure


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of `pid` and its direct children (the workers)."""
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0.0
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def export(ref: str, into: Path) -> dict[str, str]:
    """`ref`'s toolkit (`cli/`) in `into`, serving this checkout's service: the environment
    that makes the emulator of `ref` run, so only the emulator differs between the sides."""
    root = Path(__file__).resolve().parents[1]
    archive = subprocess.run(["git", "archive", ref, "cli"], cwd=root, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / "shopbot_cli").symlink_to(into / "cli")  # installed under that name
    (into / "shopbot").symlink_to(root / "shopbot")
    (into / "deploy").symlink_to(root / "deploy")
    return {"PYTHONPATH": str(into)}


def measured(running: Any, requests: int, cpu: dict[str, float]) -> Any:
    """Requests through one running emulator, adding the CPU its processes spend to `cpu`."""
    connection = http.client.HTTPConnection("127.0.0.1", int(running.url.rsplit(":", 1)[1]), timeout=30)
    emulator = through_emulator(connection, requests)

    def measure() -> float:
        before, client_before = process_cpu(running.process.pid), time.process_time()
        result: float = emulator()
        cpu["seconds"] += process_cpu(running.process.pid) - before
        cpu["client"] += time.process_time() - client_before
        cpu["requests"] += requests
        return result

    return measure


def cold_starts(count: int, env: dict[str, str]) -> list[float]:
    """Init Duration from fresh servers: start, one request, read the REPORT line, stop."""
    values: list[float] = []
    for _ in range(count):
        with tempfile.TemporaryFile() as log:
            port = free_port()
            running = start_target("lambda", port, env, args=["--concurrency", "1"], output=log)
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", "/health")
                connection.getresponse().read()
            finally:
                running.stop()
            log.seek(0)
            match = INIT.search(log.read().decode(errors="replace"))
            if match:
                values.append(float(match.group(1)))
    return values


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cold-starts", type=int, default=5)
    parser.add_argument("--base", help="also measure the emulator of this git commit, same rounds")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    env = clean_env(APP_ENV="lambda")
    os.environ["APP_ENV"] = "lambda"

    emulators = {"emulator": env}
    with contextlib.ExitStack() as stack:
        if args.base:
            base_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            emulators[f"base {args.base}"] = {**env, **export(args.base, base_dir)}
        sides, cpu = {}, {}
        for name, emulator_env in emulators.items():
            log = stack.enter_context(tempfile.TemporaryFile())
            running = start_target("lambda", free_port(), emulator_env, args=["--concurrency", "1"], output=log)
            stack.callback(running.stop)
            cpu[name] = {"seconds": 0.0, "client": 0.0, "requests": 0}
            sides[name] = measured(running, args.requests, cpu[name])
        sink, real_stdout = io.StringIO(), sys.stdout
        sys.stdout = sink  # Powertools prints a metrics line on the cold call
        try:
            sides["in_process"] = in_process(args.requests)
            for measure in sides.values():
                measure()  # warm every side: cold start, imports, caches
            medians = alternate(args.rounds, **sides)
        finally:
            sys.stdout = real_stdout
    init = cold_starts(args.cold_starts, env)

    handler = medians["in_process"]
    print(f"GET /health, concurrency 1, in-process handler {handler * 1e6:.0f} us/request; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name in emulators:
        used, count = cpu[name], max(1, cpu[name]["requests"])
        print(f"{name}: {medians[name] * 1e6:.0f} us/request, added {(medians[name] - handler) * 1000:.3f} ms "
              f"(goal < 1 ms), ratio {medians[name] / handler:.1f}x; CPU per request in its processes "
              f"(gateway + Runtime API + awslambdaric worker, handler included) "
              f"{used['seconds'] / count * 1e6:.0f} us, "
              f"in the client's HTTP calls {used['client'] / count * 1e6:.0f} us")
    if args.base:
        base = medians[f"base {args.base}"]
        print(f"this emulator against {args.base}: {(medians['emulator'] - base) * 1e6:+.0f} us/request "
              f"({medians['emulator'] / base:.2f}x)")
    if init:
        print(f"cold start (Init Duration, shopbot.lambda_handler.handler): median {statistics.median(init):.0f} ms "
              f"over {len(init)} fresh workers (min {min(init):.0f}, max {max(init):.0f})")
    elif args.cold_starts:
        print("cold start: no REPORT line with Init Duration was seen")


if __name__ == "__main__":
    main()
