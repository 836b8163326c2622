"""A minimal incremental HTTP/1.1 request reader and response encoder, for both local servers.

Why not aiohttp: the emulator's goal is under 1 ms added per request, and each request
crosses two HTTP hops (client -> gateway, gateway <-> runtime). Plain asyncio Protocols
fed by this reader answer inside the socket callbacks, with one write per answer and
TCP_NODELAY. It speaks what the peers need: Content-Length and chunked bodies,
`Expect: 100-continue`, keep-alive.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus

CRLF = b"\r\n"
HEAD_END = b"\r\n\r\n"


class HeadTooLarge(Exception):
    """Request line + headers exceed the server's limit."""


class BodyTooLarge(Exception):
    """The body exceeds the server's limit (the rest is not read)."""


class BadRequest(Exception):
    """Not parseable as HTTP/1.1."""


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]  # as received, in order
    body: bytes = b""
    lookup: dict[str, str] = field(default_factory=dict)  # lower-case name -> last value

    def header(self, name: str) -> str | None:
        return self.lookup.get(name.lower())

    @property
    def keep_alive(self) -> bool:
        connection = self.lookup.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


def parse_head(head: bytes) -> Request:
    """Request line and headers (without the final blank line) -> a bodiless Request."""
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ", 2)
    except ValueError as error:
        raise BadRequest(f"bad request line {lines[0]!r}") from error
    headers: list[tuple[str, str]] = []
    lookup: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(f"bad header line {line!r}")
        value = value.strip()
        headers.append((name, value))
        lookup[name.lower()] = value
    return Request(method, target, version, headers, b"", lookup)


class RequestReader:
    """Feed bytes as they arrive; take out complete requests one at a time."""

    def __init__(self, max_head: int, max_body: int, on_continue: Callable[[], None] | None = None) -> None:
        self._max_head = max_head
        self._max_body = max_body
        self._on_continue = on_continue
        self._buffer = bytearray()
        self._request: Request | None = None  # head read, body still coming
        self._remaining = 0
        self._chunked = False
        self._parts: list[bytes] = []
        self._size = 0
        self._trailers = False

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def next_request(self) -> Request | None:
        """The next complete request, or None until more bytes arrive.

        Raises HeadTooLarge, BodyTooLarge or BadRequest; the connection is then unusable.
        """
        if self._request is None and not self._read_head():
            return None
        body = self._read_chunked() if self._chunked else self._read_sized()
        if body is None or self._request is None:
            return None
        request, self._request = self._request, None
        request.body = body
        return request

    def _read_head(self) -> bool:
        end = self._buffer.find(HEAD_END)
        if end < 0:
            if len(self._buffer) > self._max_head:
                raise HeadTooLarge
            return False
        if end + 4 > self._max_head:
            raise HeadTooLarge
        request = parse_head(bytes(self._buffer[:end]))
        del self._buffer[: end + 4]
        self._chunked = "chunked" in (request.header("transfer-encoding") or "").lower()
        if not self._chunked:
            length_text = request.header("content-length") or "0"
            if not length_text.isdigit():
                raise BadRequest(f"bad Content-Length {length_text!r}")
            self._remaining = int(length_text)
            if self._remaining > self._max_body:
                raise BodyTooLarge
        self._parts, self._size, self._trailers = [], 0, False
        if (request.header("expect") or "").lower() == "100-continue" and self._on_continue is not None:
            self._on_continue()
        self._request = request
        return True

    def _read_sized(self) -> bytes | None:
        if len(self._buffer) < self._remaining:
            return None
        body = bytes(self._buffer[: self._remaining])
        del self._buffer[: self._remaining]
        return body

    def _read_chunked(self) -> bytes | None:
        while True:
            line_end = self._buffer.find(CRLF)
            if line_end < 0:
                return None
            if self._trailers:  # after the last chunk: trailer lines up to an empty one
                del self._buffer[: line_end + 2]
                if line_end == 0:
                    return b"".join(self._parts)
                continue
            try:
                size = int(bytes(self._buffer[:line_end]).split(b";", 1)[0].strip(), 16)
            except ValueError as error:
                raise BadRequest("bad chunk size") from error
            if size == 0:
                self._trailers = True
                del self._buffer[: line_end + 2]
                continue
            if self._size + size > self._max_body:
                raise BodyTooLarge
            start = line_end + 2
            if len(self._buffer) < start + size + 2:
                return None
            self._parts.append(bytes(self._buffer[start : start + size]))
            self._size += size
            del self._buffer[: start + size + 2]


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Without TCP_NODELAY each Runtime API exchange can wait ~40-88 ms (FACTS.md)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def http_date() -> str:
    return formatdate(usegmt=True)


def encode_response(
    status: int, headers: list[tuple[str, str]], body: bytes, *, head_only: bool = False
) -> bytes:
    """One buffer with status line, headers and body (one write, one segment when small)."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
    return head if head_only else head + body
