"""HTTP/1.1 framing rules shared by both local servers, a small reader for the Runtime API,
and the response encoder.

`framing_problem` refuses, before any parser runs, what gunicorn refuses and what
request smuggling is made of: a second Content-Length, a Transfer-Encoding other than
`chunked`, Content-Length with chunked, bare-LF line ends, versions other than
HTTP/1.0 and 1.1. The client-facing gateway then parses with h11 (gateway.py). The
Runtime API's only peer is the local awslambdaric, so it keeps the small reader below:
each invocation crosses it twice, and the emulator's goal is under 1 ms added per
request. Plain asyncio Protocols answer inside the socket callbacks, with one write per
answer and TCP_NODELAY.
"""

from __future__ import annotations

import asyncio
import re
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
    """Not parseable as HTTP/1.1 (or framed ambiguously); `status` is the answer's."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


_BARE_LF = re.compile(rb"(?<!\r)\n")
_VERSIONS = (b"HTTP/1.1", b"HTTP/1.0")
_DIGITS = re.compile(rb"[0-9]{1,19}")
_METHOD = re.compile(rb"[A-Z0-9!$%&'*+\-.^_`|~]+")  # a token without lower case, as gunicorn wants


def has_bare_lf(data: bytes | bytearray) -> bool:
    """A line ended by LF alone: gunicorn refuses it, and parsers disagree on it."""
    return _BARE_LF.search(data) is not None


def framing_problem(head: bytes) -> BadRequest | None:
    """Why this request head (without its blank line) must be refused, or None."""
    if has_bare_lf(head):
        return BadRequest("a line ends with LF alone (CRLF required)")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3:
        return BadRequest("bad request line")
    if parts[2] not in _VERSIONS:
        return BadRequest(f"unsupported HTTP version {parts[2][:16]!r}")
    if not _METHOD.fullmatch(parts[0]):
        return BadRequest("bad method (upper-case token expected)")
    lengths = 0
    codings: list[bytes] = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t"):
            return BadRequest("obsolete line folding")
        name, _, value = line.partition(b":")
        name = name.lower()
        if name == b"content-length":
            lengths += 1
            if lengths > 1:
                return BadRequest("more than one Content-Length")
            if not _DIGITS.fullmatch(value.strip(b" \t")):
                return BadRequest("bad Content-Length")
        elif name == b"transfer-encoding":
            codings.extend(coding.strip(b" \t").lower() for coding in value.split(b","))
    if codings:
        if b"chunked" not in codings:
            return BadRequest("unsupported Transfer-Encoding (only chunked)", 501)
        if codings != [b"chunked"]:
            return BadRequest("Transfer-Encoding other than chunked alone")
        if lengths:
            return BadRequest("both Content-Length and Transfer-Encoding")
        if parts[2] == b"HTTP/1.0":
            return BadRequest("Transfer-Encoding in an HTTP/1.0 request")
    return None


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
            if has_bare_lf(self._buffer):
                raise BadRequest("a line ends with LF alone (CRLF required)")
            return False
        if end + 4 > self._max_head:
            raise HeadTooLarge
        problem = framing_problem(bytes(self._buffer[:end]))
        if problem is not None:
            raise problem
        request = parse_head(bytes(self._buffer[:end]))
        del self._buffer[: end + 4]
        self._chunked = request.header("transfer-encoding") is not None  # framing_problem: only chunked
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
