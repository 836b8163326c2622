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


class Clock:
    """A clock the test moves: each reading returns the next of `moments` (then stays at the last)."""

    def __init__(self, *moments: float) -> None:
        self.moments = list(moments)
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.moments.pop(0) if len(self.moments) > 1 else self.moments[0]

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def test_by_default_twenty_answers_in_a_row_verify_the_switch(edge: Callable[[Callable[[], str]], str]) -> None:
    clock = Clock(0.0)
    report = verify_edge(edge(lambda: "lambda"), "lambda", 1.0, clock=clock, sleep=clock.sleep)
    assert (report.verified, report.requests, report.share) == (True, 20, 1.0)
    assert clock.slept == []  # no pause while the window fills


def test_by_default_the_wait_ends_after_300_s_pausing_a_fifth_of_a_second_between_requests(
        edge: Callable[[Callable[[], str]], str]) -> None:
    clock = Clock(0.0, *[10.0] * 24, 299.5, 300.0)  # the start, 25 answers within the wait, then its end
    report = verify_edge(edge(lambda: "ecs"), "lambda", 0.95, clock=clock, sleep=clock.sleep)
    assert (report.verified, report.requests, report.seconds) == (False, 26, 300.0)
    assert clock.slept == [0.2] * 6  # once the window of 20 is full, before each further request
