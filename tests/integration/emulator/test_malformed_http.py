"""Both targets as real processes against malformed and slow HTTP: gunicorn (the ECS target,
with its hardened worker) and the emulator must refuse the same bytes with the same JSON
answer, which the parity engine then sees as no difference; 30 slowloris connections must
not stop either from answering /health."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from shopbot_cli.emulator.targets import RunningTarget, start_target
from shopbot_cli.errors import ExitStatus
from shopbot_cli.main import app
from shopbot_cli.parity.compare import Response, compare
from shopbot_cli.parity.corpus import Rules
from typer.testing import CliRunner

from tests.support import REPO, clean_env, free_port

HEADER_TIMEOUT_S = 3


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningTarget]]:
    logs = tmp_path_factory.mktemp("malformed")
    env = clean_env(GUNICORN_HEADER_TIMEOUT=str(HEADER_TIMEOUT_S), LOG_LEVEL="warning")
    started: dict[str, RunningTarget] = {}
    try:
        with (logs / "ecs.log").open("wb") as ecs_log, (logs / "lambda.log").open("wb") as lambda_log:
            started["ecs"] = start_target("ecs", free_port(), env, args=["--workers", "1", "--threads", "4"],
                                          output=ecs_log)
            started["lambda"] = start_target("lambda", free_port(), env, args=["--concurrency", "1"],
                                             output=lambda_log)
            yield started
    finally:
        for running in started.values():
            running.stop()


def port_of(running: RunningTarget) -> int:
    return int(running.url.rsplit(":", 1)[1])


def raw_exchange(port: int, raw: bytes, timeout: float = 10.0) -> tuple[int, list[tuple[str, str]], bytes]:
    """Send bytes, read one answer: status, headers, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = [(name.strip(), value.strip()) for name, _, value in (line.partition(":") for line in lines[1:])]
        length = int(next((value for name, value in headers if name.lower() == "content-length"), "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(lines[0].split(" ")[1]), headers, body


MALFORMED = {
    "two Content-Length": b"POST /api/chat HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
    "two different Content-Length": b"POST /api/chat HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n"
                                    b"Content-Length: 2\r\n\r\n{}",
    "Content-Length list": b"POST /api/chat HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\n{}",
    "Content-Length with a sign": b"POST /api/chat HTTP/1.1\r\nHost: h\r\nContent-Length: +2\r\n\r\n{}",
    "xchunked": b"POST /api/chat HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "chunked, identity": b"POST /api/chat HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
                         b"2\r\n{}\r\n0\r\n\r\n",
    "CL + TE": b"POST /api/chat HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"2\r\n{}\r\n0\r\n\r\n",
    "TE in HTTP/1.0": b"POST /api/chat HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "HTTP/2.0 request line": b"GET /health HTTP/2.0\r\nHost: h\r\n\r\n",
    "no version": b"GET /health\r\n\r\n",
    "bare LF": b"GET /health HTTP/1.1\nHost: h\n\n",
    "bare LF in one header": b"GET /health HTTP/1.1\r\nHost: h\nX: y\r\n\r\n",
    "space in a header name": b"GET /health HTTP/1.1\r\nHost: h\r\nX Y: z\r\n\r\n",
    "obsolete folding": b"GET /health HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
    "NUL in a value": b"GET /health HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n",
    "lower-case method": b"get /health HTTP/1.1\r\nHost: h\r\n\r\n",
    "TLS to a plain port": b"\x16\x03\x01\x00\xa5\x01\x00\x00\r\n\r\n",
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_both_targets_refuse_malformed_http_alike(targets: dict[str, RunningTarget], case: str) -> None:
    answers = {name: raw_exchange(port_of(running), MALFORMED[case]) for name, running in targets.items()}
    (ecs_status, ecs_headers, ecs_body), (lambda_status, lambda_headers, lambda_body) = (
        answers["ecs"], answers["lambda"])
    assert ecs_status in (400, 501)
    assert (ecs_status, ecs_body) == (lambda_status, lambda_body)
    assert ecs_body in (b'{"message":"Bad Request"}', b'{"message":"Not Implemented"}')
    assert ("Content-Type", "application/json") in ecs_headers
    # The dual run compares them as it compares every answer: nothing to report.
    primary = Response(status=ecs_status, headers=ecs_headers, body=ecs_body)
    candidate = Response(status=lambda_status, headers=lambda_headers, body=lambda_body)
    assert compare(primary, candidate, Rules()) == []


@pytest.mark.parametrize(("raw", "status", "reason"), [
    (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: h\r\n\r\n", 414, "Request-URI Too Long"),
    (b"GET /health HTTP/1.1\r\nHost: h\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431,
     "Request Header Fields Too Large"),
])
def test_gunicorns_own_limits_answer_json(targets: dict[str, RunningTarget], raw: bytes, status: int,
                                          reason: str) -> None:
    got, headers, body = raw_exchange(port_of(targets["ecs"]), raw)
    assert (got, body) == (status, f'{{"message":"{reason}"}}'.encode())
    assert ("Content-Type", "application/json") in headers


def slow_connections(port: int, count: int) -> list[socket.socket]:
    """Slowloris: each opens a request and sends one more header byte now and then."""
    opened = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: h\r\nX-Slow: ")
        opened.append(sock)
    return opened


@pytest.mark.parametrize("target", ["ecs", "lambda"])
def test_thirty_slowloris_connections_do_not_starve_health(targets: dict[str, RunningTarget], target: str) -> None:
    running = targets[target]
    assert requests.get(f"{running.url}/health", timeout=30).status_code == 200  # warm: no cold start below
    slow = slow_connections(port_of(running), 30)
    try:
        deadline = time.monotonic() + 4
        timings = []
        while time.monotonic() < deadline:
            for sock in slow:
                with contextlib.suppress(OSError):  # closed by the server's header timeout: fine too
                    sock.send(b"x")
            started = time.monotonic()
            response = requests.get(f"{running.url}/health", timeout=2)
            timings.append(time.monotonic() - started)
            assert response.status_code == 200
            time.sleep(0.3)
        assert max(timings) < 1.0, timings
    finally:
        for sock in slow:
            sock.close()


def test_gunicorn_answers_408_to_a_head_that_does_not_finish_in_time(targets: dict[str, RunningTarget]) -> None:
    started = time.monotonic()
    status, _, body = raw_exchange(port_of(targets["ecs"]), b"GET /health HTTP/1.1\r\nHost: h\r\n",
                                   timeout=HEADER_TIMEOUT_S + 10)
    assert (status, body) == (408, b'{"message":"Request Timeout"}')  # as the emulator answers it
    assert HEADER_TIMEOUT_S * 0.8 < time.monotonic() - started < HEADER_TIMEOUT_S + 5


# ------------------------------------------------------------------ one store per worker


def test_serve_refuses_two_workers_without_a_shared_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    result = CliRunner().invoke(app, ["serve", "--target", "ecs", "--port", str(free_port()), "--workers", "2"])
    assert result.exit_code == ExitStatus.ERROR
    assert result.output.count("error:") == 1 and "Traceback" not in result.output
    assert "in-memory conversation store" in result.output and "REDIS_URL" in result.output


def test_gunicorn_itself_refuses_two_workers_without_a_shared_store(tmp_path: Path) -> None:
    env = clean_env(WEB_CONCURRENCY="2", GUNICORN_BIND=f"127.0.0.1:{free_port()}")
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(REPO / "deploy" / "ecs" / "gunicorn.conf.py"), "shopbot.wsgi:app"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0
    assert "error: 2 gunicorn workers with the in-memory conversation store" in result.stderr
    assert "Traceback" not in result.stderr


def test_two_workers_with_redis_share_the_conversations(redis_url: str, tmp_path: Path) -> None:
    with (tmp_path / "ecs.log").open("wb") as log:
        running = start_target("ecs", free_port(), clean_env(REDIS_URL=redis_url),
                               args=["--workers", "2", "--threads", "2"], output=log)
        try:
            session = requests.post(f"{running.url}/api/chat", json={"message": "socks"}, timeout=30).json()
            reads = [requests.get(f"{running.url}/api/chat/{session['session_id']}", timeout=30).status_code
                     for _ in range(20)]
            assert reads == [200] * 20
        finally:
            assert running.stop() in (0, -signal.SIGTERM)
    assert os.path.getsize(tmp_path / "ecs.log") > 0
