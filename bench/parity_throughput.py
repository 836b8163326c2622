"""Requests per second the parity checker drives (both sides counted, comparison included) against
two local gunicorn servers running shopbot, vs `wrk` on the same two servers, in the same run
(goal >= 0.5x wrk).

    .venv/bin/python bench/parity_throughput.py [--rounds 3 --requests 3000 --seconds 3]

The checker sends every corpus request four times (P1, C1, P2, C2) and compares them; its rate is
HTTP requests sent / wall time of `run_parity` (corpus validation, replay, comparison and the report
files included). wrk runs one process per server at the same total concurrency (16 per side).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench._common import alternate  # noqa: E402
from tests.support import free_port, stop, wait_for_http  # noqa: E402

CONCURRENCY = 16  # per side
PATH = "/health"


def start(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PORT": str(port), "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESSLOG": "",
           "APP_ENV": "production", "LOG_LEVEL": "warning"}
    process = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c",
                                str(REPO / "deploy/ecs/gunicorn.conf.py"), "shopbot.wsgi:app"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_http(f"http://127.0.0.1:{port}{PATH}", process=process)
    return process


def wrk_pair(ports: list[int], seconds: int) -> float:
    """Both servers loaded at once, as the checker loads them; total requests per second."""
    runs = [subprocess.Popen(["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{seconds}s", f"http://127.0.0.1:{port}{PATH}"],
                             stdout=subprocess.PIPE, text=True) for port in ports]
    total = 0.0
    for run in runs:
        output, _ = run.communicate()
        found = re.search(r"Requests/sec:\s+([\d.]+)", output)
        assert found, output
        total += float(found.group(1))
    return total


CPU_US: list[float] = []  # checker CPU per HTTP request, to tell its own cost from the machine's load


def checker(ports: list[int], corpus: Path, out: Path) -> float:
    from shopbot_cli.parity.check import run_parity

    started, cpu = time.perf_counter(), time.process_time()
    report = run_parity(f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}", [corpus], out,
                        concurrency=CONCURRENCY, warmup=0)
    elapsed = time.perf_counter() - started
    assert report.passed, report.data["routes"]
    sent = int(report.data["sent"])
    CPU_US.append((time.process_time() - cpu) / sent * 1e6)
    return sent / elapsed


def raw_aiohttp(ports: list[int], count: int) -> float:
    """The client's own ceiling: bare aiohttp GETs to both servers, nothing compared or recorded."""
    import asyncio

    import aiohttp

    async def run() -> float:
        sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) for _ in ports]
        urls = [f"http://127.0.0.1:{port}{PATH}" for port in ports]
        remaining = iter(range(count * 2))

        async def worker(side: int) -> None:
            for _ in remaining:
                async with sessions[side].get(urls[side]) as reply:
                    await reply.read()

        started = time.perf_counter()
        await asyncio.gather(*(worker(i % 2) for i in range(CONCURRENCY * 2)))
        elapsed = time.perf_counter() - started
        for session in sessions:
            await session.close()
        return count * 2 / elapsed

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=3000, help="corpus requests (x4 HTTP requests)")
    parser.add_argument("--seconds", type=int, default=3, help="wrk duration per round")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp, "corpus.jsonl")
        corpus.write_text("".join(json.dumps({"path": PATH}) + "\n" for _ in range(args.requests)))
        ports = [free_port(), free_port()]
        servers = [start(port) for port in ports]
        try:
            medians = alternate(args.rounds, wrk=lambda: wrk_pair(ports, args.seconds),
                                checker=lambda: checker(ports, corpus, Path(tmp, "out")),
                                aiohttp=lambda: raw_aiohttp(ports, args.requests * 2))
        finally:
            for server in servers:
                stop(server)
    print(f"parity checker {medians['checker']:.0f} req/s (both sides, compared) vs wrk {medians['wrk']:.0f} "
          f"req/s on the same two gunicorn servers: ratio {medians['checker'] / medians['wrk']:.2f}x "
          f"(goal >= 0.5x); bare aiohttp on the same servers {medians['aiohttp']:.0f} req/s "
          f"({medians['aiohttp'] / medians['wrk']:.2f}x wrk); "
          f"checker CPU {statistics.median(CPU_US):.0f} us per HTTP request; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
