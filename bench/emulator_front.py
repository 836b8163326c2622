"""The emulator's client-facing HTTP front per request: the h11 front with its framing checks
(`HttpConnection`, #16) against the small hand-written reader it replaced (still the Runtime
API's, `RequestReader`), same run, interleaved, no sockets: both read one keep-alive GET
and write one answer. What it adds is the front's share of bench/emulator_overhead.py's
"added" figure (goal: that stays under 1 ms), and unlike that figure it holds up on a busy
machine, because both sides run in one process.

    .venv/bin/python bench/emulator_front.py [--requests 5000 --rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from shopbot_cli.emulator.events import HttpAnswer
from shopbot_cli.emulator.gateway import GatewayConfig, HttpConnection, Respond, _encode
from shopbot_cli.emulator.httpio import Request, RequestReader

from bench._common import alternate

RAW = (b"GET /health HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUser-Agent: python-urllib3/2.2\r\n"
       b"Accept-Encoding: gzip, deflate\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n")
ANSWER = HttpAnswer(200, [("content-type", "application/json")], b'{"status":"ok"}')


class Transport(asyncio.Transport):
    """Just what HttpConnection calls on an asyncio transport."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0

    def write(self, data: bytes) -> None:
        self.written += len(data)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        raise SystemExit("the front closed a keep-alive connection")

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


class Answering:
    """A handler that answers at once: only the front's own work is measured."""

    config = GatewayConfig()

    def handle(self, request: Request, source_ip: str, respond: Respond) -> None:
        respond(ANSWER, "rid")


def front(requests: int) -> float:
    connection = HttpConnection(Answering(), set())
    transport = Transport()
    connection.connection_made(transport)
    started = time.perf_counter()
    for _ in range(requests):
        connection.data_received(RAW)
    elapsed = (time.perf_counter() - started) / requests
    connection.connection_lost(None)
    return elapsed


def reader(requests: int) -> float:
    parser = RequestReader(max_head=10_240, max_body=10 * 1024 * 1024)
    written = 0
    started = time.perf_counter()
    for _ in range(requests):
        parser.feed(RAW)
        request = parser.next_request()
        assert request is not None
        written += len(_encode(ANSWER, "rid", head_only=False, close=not request.keep_alive))
    return (time.perf_counter() - started) / requests


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    front(200), reader(200)  # warm
    medians = alternate(args.rounds, h11_front=lambda: front(args.requests), reader=lambda: reader(args.requests))
    added = (medians["h11_front"] - medians["reader"]) * 1e6
    print(f"one keep-alive GET read and answered: h11 front {medians['h11_front'] * 1e6:.1f} us, "
          f"hand-written reader {medians['reader'] * 1e6:.1f} us; the front adds {added:.1f} us per request "
          f"(ratio {medians['h11_front'] / medians['reader']:.2f}x)")


if __name__ == "__main__":
    asyncio.run(main())
