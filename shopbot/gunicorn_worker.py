"""The ECS target's gunicorn worker: gthread, hardened where gunicorn leaves it to the ALB.

Imported only by gunicorn (deploy/ecs/gunicorn.conf.py names it); never by the app, so
the Lambda package never loads gunicorn. Written against gunicorn 27's ThreadWorker
(requirements/ecs.txt pins it).

- Slow clients cannot hold a thread. gthread hands a connection to a thread as soon as
  one byte arrives, and the thread then blocks until the whole head is in: 30 clients
  sending a byte every few seconds starve 2 workers x 4 threads (slowloris). Here the
  worker's own event loop reads the head without blocking, and only a complete head
  reaches a thread; a head not complete within HEADER_TIMEOUT_S is answered 408 and
  closed. Once in a
  thread, each socket read or write gives up after BODY_TIMEOUT_S.
- gunicorn's own errors (400, 414, 431, 501 for bad HTTP) answer JSON instead of an HTML
  page, in API Gateway's shape (`{"message": "Bad Request"}`), so the two targets reject
  malformed HTTP with the same answer and a dual run sees no difference.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import selectors
import socket
import time
from collections import deque
from functools import partial
from http import HTTPStatus
from typing import Any

from gunicorn import http
from gunicorn.workers.gthread import TConn, ThreadWorker

HEADER_TIMEOUT_S = float(os.environ.get("GUNICORN_HEADER_TIMEOUT", "10"))
BODY_TIMEOUT_S = float(os.environ.get("GUNICORN_BODY_TIMEOUT", "30"))
_HEAD_ENDS = (b"\r\n\r\n", b"\n\n")
_READ_SIZE = 65_536
# Past this, a head that has not ended goes to a thread anyway, where gunicorn's own limits
# answer 414/431 (an ALB forwards heads up to 64 KB).
_MAX_HEAD_IN_LOOP = 65_536


def json_error(raw: bytes) -> bytes:
    """gunicorn's HTML error response -> the same status with a JSON body."""
    status_line = raw.split(b"\r\n", 1)[0].decode("latin-1")
    try:
        status = int(status_line.split(" ", 2)[1])
    except (IndexError, ValueError):
        status = 400
    return json_answer(status)


def json_answer(status: int) -> bytes:
    """A whole closing response with API Gateway's error body: {"message": "<reason>"}."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        status, reason = 400, "Bad Request"
    body = json.dumps({"message": reason}, separators=(",", ":")).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


class _JsonErrors:
    """The client socket as gunicorn's `handle_error` sees it: its one write becomes JSON."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def sendall(self, data: bytes, *args: Any) -> None:
        self._sock.sendall(json_error(bytes(data)), *args)

    def send(self, data: bytes, *args: Any) -> int:
        self._sock.sendall(json_error(bytes(data)))
        return len(data)


class _TimedConn(TConn):  # type: ignore[misc]
    """A connection whose blocking reads and writes in a thread give up after BODY_TIMEOUT_S."""

    head = b""
    head_deadline = 0.0

    def init(self) -> None:
        super().init()
        self.sock.settimeout(BODY_TIMEOUT_S)  # handle() set it blocking (no timeout) just before


class ShopbotWorker(ThreadWorker):  # type: ignore[misc]
    """gthread with heads read in the event loop and JSON errors."""

    def init_process(self) -> None:
        self.reading_heads: deque[_TimedConn] = deque()  # oldest first: deadlines in order
        super().init_process()

    def accept(self, listener: socket.socket) -> None:
        try:
            client_sock, client_addr = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = _TimedConn(self.cfg, client_sock, client_addr, listener.getsockname())
        self._read_head(conn)

    def on_client_socket_readable(self, conn: _TimedConn, client: socket.socket) -> None:
        """A kept-alive connection's next request starts: read its head here, too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._read_head(conn)

    def _read_head(self, conn: _TimedConn) -> None:
        conn.sock.setblocking(False)
        conn.head, conn.head_deadline = b"", time.monotonic() + HEADER_TIMEOUT_S
        self.reading_heads.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_head_bytes, conn))

    def _on_head_bytes(self, conn: _TimedConn, client: socket.socket) -> None:
        try:
            data = conn.sock.recv(_READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop_head(conn)
            return
        conn.head += data
        if not any(end in conn.head for end in _HEAD_ENDS) and len(conn.head) <= _MAX_HEAD_IN_LOOP:
            return
        # The head is in (or too long: gunicorn's parser answers that, 414/431): to a thread.
        self.poller.unregister(conn.sock)
        self.reading_heads.remove(conn)
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
        conn.parser.unreader.unread(conn.head)
        conn.head = b""
        conn.data_ready = True
        self.enqueue_req(conn)

    def _drop_head(self, conn: _TimedConn, timed_out: bool = False) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        if timed_out and conn.head:  # a request was started: say why it ends, as the emulator does
            with contextlib.suppress(OSError):
                conn.sock.send(json_answer(408))
        self.reading_heads.remove(conn)
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        """Also close connections whose head did not arrive within HEADER_TIMEOUT_S."""
        super().murder_pending()
        now = time.monotonic()
        while self.reading_heads and self.reading_heads[0].head_deadline <= now:
            self._drop_head(self.reading_heads[0], timed_out=True)

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        super().handle_error(req, _JsonErrors(client), addr, exc)
