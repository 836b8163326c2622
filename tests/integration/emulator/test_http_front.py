"""The emulator's HTTP front over real sockets, with short deadlines so a hang shows as a failure:
framing that smuggles, timeouts for heads, bodies and idle connections, and hypothesis
throwing bytes at it. Behind it, the real worker pool runs the `behaviours` handler."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shopbot_cli.emulator.gateway import Gateway, GatewayConfig
from shopbot_cli.emulator.workers import FunctionConfig, WorkerPool

HEADER_S, BODY_S, IDLE_S = 0.6, 0.6, 0.6
# Longest a connection may stay open after the client stops sending: both deadlines, plus
# one invocation of the handler, plus scheduling slack on a loaded 2-core machine.
CLOSED_WITHIN_S = HEADER_S + BODY_S + 6.0


@dataclass
class Front:
    port: int
    loop: asyncio.AbstractEventLoop
    errors: list[str]


@pytest.fixture(scope="module")
def front(handler_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Front]:
    loop = asyncio.new_event_loop()
    errors: list[str] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(str(context.get("message"))))
    tmp = tmp_path_factory.mktemp("front-tmp")
    env = {**os.environ, "PYTHONPATH": str(handler_dir)}
    function = FunctionConfig(handler="behaviours.handler", code_dir=handler_dir, tmp_dir=tmp, timeout_s=5,
                              concurrency=1, user_env=env, output_fd=os.open(os.devnull, os.O_WRONLY))
    pool = WorkerPool(function, lambda line: None)
    config = GatewayConfig(header_timeout_s=HEADER_S, body_timeout_s=BODY_S, idle_timeout_s=IDLE_S)
    gateway = Gateway(pool, config, lambda line: None)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    port = asyncio.run_coroutine_threadsafe(gateway.start("127.0.0.1", 0), loop).result(10)
    yield Front(port, loop, errors)
    asyncio.run_coroutine_threadsafe(gateway.close(), loop).result(10)
    asyncio.run_coroutine_threadsafe(pool.close(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def exchange(port: int, raw: bytes, *, half_close: bool = True, pause: float = 0.0) -> tuple[bytes, float]:
    """Send `raw`, optionally stop sending, and read until the server closes: (bytes, seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=CLOSED_WITHIN_S) as sock:
        sock.sendall(raw)
        if pause:
            time.sleep(pause)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            raise AssertionError(f"still open {CLOSED_WITHIN_S} s after the client stopped") from None
        except ConnectionResetError:
            pass
    return received, time.monotonic() - started


def responses(stream: bytes) -> list[tuple[int, bytes]]:
    """Split a response stream into (status, body) using each Content-Length."""
    found = []
    while stream:
        head, sep, rest = stream.partition(b"\r\n\r\n")
        assert sep, f"a response without its blank line: {stream[:200]!r}"
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        if status == 100:
            stream = rest
            continue
        length = next(int(line.split(b":")[1]) for line in lines[1:] if line.lower().startswith(b"content-length:"))
        found.append((status, rest[:length]))
        stream = rest[length:]
    return found


def healthy(front: Front) -> None:
    received, _ = exchange(front.port, b"GET /pid HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    assert [status for status, _ in responses(received)] == [200]
    assert front.errors == []


SMUGGLED = b"GET /pid HTTP/1.1\r\nHost: h\r\n\r\n"


@pytest.mark.parametrize(("framing", "status"), [
    (b"Content-Length: 0\r\nContent-Length: 31", 400),                        # a second Content-Length
    (b"Content-Length: 31\r\nTransfer-Encoding: chunked", 400),               # CL + TE
    (b"Transfer-Encoding: xchunked", 501),                                    # not chunked at all
    (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity", 400),
    (b"Content-Length: 0, 31", 400),
])
def test_ambiguous_framing_is_refused_and_nothing_behind_it_is_answered(
        front: Front, framing: bytes, status: int) -> None:
    raw = b"POST /size HTTP/1.1\r\nHost: h\r\n" + framing + b"\r\n\r\n" + SMUGGLED
    received, _ = exchange(front.port, raw)
    assert responses(received) == [(status, {400: b'{"message":"Bad Request"}',
                                             501: b'{"message":"Not Implemented"}'}[status])]


@pytest.mark.parametrize("raw", [
    b"GET /pid HTTP/2.0\r\nHost: h\r\n\r\n",
    b"GET /pid HTTP/1.1\nHost: h\n\n",                   # bare LF: gunicorn refuses it too
    b"GET /pid HTTP/1.1\r\nHost: h\nX: y\r\n\r\n",
])
def test_http2_request_lines_and_bare_lf_are_400_at_once(front: Front, raw: bytes) -> None:
    received, seconds = exchange(front.port, raw, half_close=False)
    assert responses(received) == [(400, b'{"message":"Bad Request"}')]
    assert seconds < HEADER_S  # answered, not left waiting for a CRLF that never comes


def test_a_head_that_never_ends_gets_408_after_the_header_timeout(front: Front) -> None:
    received, seconds = exchange(front.port, b"GET /pid HTTP/1.1\r\nHost: h\r\n", half_close=False)
    assert responses(received) == [(408, b'{"message":"Request Timeout"}')]
    assert HEADER_S * 0.9 <= seconds < CLOSED_WITHIN_S


def test_a_body_shorter_than_its_content_length_gets_408_after_the_body_timeout(front: Front) -> None:
    raw = b"POST /size HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n12345"
    received, seconds = exchange(front.port, raw, half_close=False)
    assert responses(received) == [(408, b'{"message":"Request Timeout"}')]
    assert BODY_S * 0.9 <= seconds < CLOSED_WITHIN_S


def test_an_idle_kept_alive_connection_is_closed_after_the_idle_timeout(front: Front) -> None:
    received, seconds = exchange(front.port, b"GET /pid HTTP/1.1\r\nHost: h\r\n\r\n", half_close=False)
    assert [status for status, _ in responses(received)] == [200]
    assert IDLE_S * 0.9 <= seconds < CLOSED_WITHIN_S


def test_a_silent_connection_is_closed_after_the_header_timeout(front: Front) -> None:
    received, seconds = exchange(front.port, b"", half_close=False)
    assert received == b""
    assert HEADER_S * 0.9 <= seconds < CLOSED_WITHIN_S


def test_pipelined_requests_are_answered_once_each_in_order(front: Front) -> None:
    raw = (b"POST /size HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nabc"
           b"POST /size HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
           b"2\r\nxy\r\n0\r\n\r\n"
           b"GET /pid HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    received, _ = exchange(front.port, raw)
    answered = responses(received)
    assert [status for status, _ in answered] == [200, 200, 200]
    assert answered[0][1] == b"3 616263" and answered[1][1] == b"2 7879"


# ------------------------------------------------------------------ hypothesis

_PIECES = st.sampled_from([
    b"GET /pid HTTP/1.1\r\n", b"POST /size HTTP/1.1\r\n", b"HTTP/1.0", b"HTTP/2.0", b"Host: h\r\n",
    b"Content-Length: 3\r\n", b"Content-Length: 99999999999\r\n", b"Transfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: xchunked\r\n", b"Connection: close\r\n", b"Expect: 100-continue\r\n",
    b"\r\n", b"\n", b"\r", b"\r\n\r\n", b"abc", b"3\r\nabc\r\n", b"0\r\n\r\n", b":", b" ", b"\x00", b"\xff",
])
_STREAMS = st.one_of(st.binary(max_size=300), st.lists(_PIECES, max_size=14).map(b"".join))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=_STREAMS)
def test_no_byte_sequence_gets_two_answers_a_hang_or_a_crash(front: Front, raw: bytes) -> None:
    received, seconds = exchange(front.port, raw)
    answered = responses(received)
    # An answer needs a complete head; one refusal at most, and then the connection is closed.
    assert len(answered) <= raw.count(b"\r\n\r\n") + 1
    assert seconds < CLOSED_WITHIN_S
    assert front.errors == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(framing=st.lists(st.sampled_from([
    b"Content-Length: 0", b"Content-Length: 31", b"Content-Length: 5", b"Transfer-Encoding: chunked",
    b"Transfer-Encoding: xchunked", b"Transfer-Encoding: chunked, identity", b"Content-Length: 0, 31",
]), min_size=1, max_size=3))
def test_a_request_hidden_in_a_body_is_never_answered(front: Front, framing: list[bytes]) -> None:
    raw = (b"POST /size HTTP/1.1\r\nHost: h\r\nConnection: close\r\n" + b"\r\n".join(framing)
           + b"\r\n\r\n" + SMUGGLED)
    received, _ = exchange(front.port, raw)
    assert len(responses(received)) <= 1  # one request was sent, whatever its framing


def test_the_front_still_answers_after_everything_above(front: Front) -> None:
    healthy(front)  # asserts one 200 and no error logged by the front
