"""Edge verification against small local servers that answer with a target header."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from shopbot_cli.cutover.edge_verify import verify_edge


def _server(next_target: Callable[[], str]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("X-Shopbot-Target", next_target())
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def edge() -> Iterator[Callable[[Callable[[], str]], str]]:
    servers: list[ThreadingHTTPServer] = []

    def start(next_target: Callable[[], str]) -> str:
        servers.append(_server(next_target))
        return f"http://127.0.0.1:{servers[-1].server_address[1]}/health"

    yield start
    for server in servers:
        server.shutdown()


def test_verified_once_the_edges_catch_up(edge: Callable[[Callable[[], str]], str]) -> None:
    answers = itertools.chain(["ecs"] * 15, itertools.repeat("lambda"))
    lock = threading.Lock()

    def next_target() -> str:
        with lock:
            return next(answers)

    report = verify_edge(edge(next_target), "lambda", 0.95, window=20, max_seconds=20, pause=0.0)
    assert report.verified and report.share >= 0.95
    assert report.requests >= 34, "the 15 stale answers must leave the window first"


def test_a_mixed_edge_is_not_verified_and_the_wait_is_bounded(edge: Callable[[Callable[[], str]], str]) -> None:
    flip = itertools.cycle(["ecs", "lambda"])
    report = verify_edge(edge(lambda: next(flip)), "lambda", 0.95, window=10, max_seconds=0.5, pause=0.01)
    assert not report.verified
    assert 0.3 <= report.share <= 0.7
    assert report.seconds < 5
    assert "NOT verified" in report.summary()


def test_an_unreachable_edge_is_not_verified() -> None:
    report = verify_edge("http://127.0.0.1:9/health", "lambda", 0.5, window=3, max_seconds=0.3, pause=0.01)
    assert not report.verified and report.share == 0.0
