"""Peak RSS of `shopbot parity-check` for a 100,000-request corpus, against the same for 1,000
requests in the same run (goal: under 200 MB, and flat: results stream to disk).

    .venv/bin/python bench/parity_memory.py [--requests 100000 --small 1000]

The targets are one tiny asyncio HTTP server (both sides, by path prefix) so the run is about
the checker, not the service. The corpus is a JSONL file with distinct search queries.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.support import SHOPBOT, free_port, stop, wait_for_port  # noqa: E402

SERVER = r'''
import asyncio, json, sys, time, uuid

BODY = {"query": "q", "count": 2, "products": [{"id": "p-1", "price": 10}, {"id": "p-2", "price": 20}]}

class Http(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""
    def data_received(self, data):
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            body = json.dumps({**BODY, "at": time.time(), "id": uuid.uuid4().hex}).encode()
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                 + str(len(body)).encode() + b"\r\n\r\n" + body)

async def main():
    server = await asyncio.get_running_loop().create_server(Http, "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()

asyncio.run(main())
'''


def corpus(path: Path, count: int) -> Path:
    with path.open("w") as handle:
        for index in range(count):
            handle.write(json.dumps({"path": "/api/products/search", "query": {"q": f"item {index}"}}) + "\n")
    return path


def peak_rss_mb(port: int, corpus_path: Path, out: Path) -> tuple[float, float]:
    """(peak RSS in MB of the checker process, seconds)."""
    started = time.perf_counter()
    process = subprocess.Popen([SHOPBOT, "parity-check", "--primary", f"http://127.0.0.1:{port}/p",
                                "--candidate", f"http://127.0.0.1:{port}/c", "--corpus", str(corpus_path),
                                "--out", str(out), "--concurrency", "32"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, err = process.communicate()
    if process.returncode != 0:
        sys.exit(f"parity-check failed ({process.returncode}): {err.decode()[-500:]}")
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, time.perf_counter() - started


def measure(port: int, corpus_path: Path, out: Path) -> tuple[float, float]:
    """Run in a fresh interpreter so RUSAGE_CHILDREN's max covers this checker alone."""
    code = (f"import sys; sys.path.insert(0, {str(REPO)!r}); from pathlib import Path; "
            f"from bench.parity_memory import peak_rss_mb; "
            f"print(*peak_rss_mb({port}, Path({str(corpus_path)!r}), Path({str(out)!r})))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    rss, seconds = output.split()
    return float(rss), float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
        try:
            wait_for_port(port, process=server)
            small_rss, small_s = measure(port, corpus(Path(tmp, "small.jsonl"), args.small), Path(tmp, "small"))
            big_rss, big_s = measure(port, corpus(Path(tmp, "big.jsonl"), args.requests), Path(tmp, "big"))
            with Path(tmp, "big", "parity-results.jsonl").open() as results:
                lines = sum(1 for _ in results)
        finally:
            stop(server)
    print(f"parity-check peak RSS: {args.requests} requests {big_rss:.0f} MB ({big_s:.0f} s, {lines} result lines "
          f"streamed) vs {args.small} requests {small_rss:.0f} MB ({small_s:.0f} s): ratio "
          f"{big_rss / small_rss:.2f}x (goal < 200 MB)")


if __name__ == "__main__":
    main()
