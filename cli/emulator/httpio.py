"""A minimal HTTP/1.1 reader/writer on asyncio streams, shared by both local servers.

Why not aiohttp: the emulator's goal is under 1 ms added per request, and each request
crosses two HTTP hops (client -> gateway, gateway <-> runtime). A plain asyncio server
with one `write` per answer and TCP_NODELAY keeps each hop in the tens of microseconds.
It speaks exactly what the two peers need: Content-Length and chunked bodies,
`Expect: 100-continue`, keep-alive.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
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
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    @property
    def keep_alive(self) -> bool:
        connection = (self.header("connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


def set_nodelay(writer: asyncio.StreamWriter) -> None:
    """Without TCP_NODELAY each Runtime API exchange can wait ~40-88 ms (FACTS.md)."""
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def read_request(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    *,
    max_head: int,
    max_body: int,
) -> Request | None:
    """The next request on the connection, or None when the peer closed it cleanly."""
    try:
        head = await reader.readuntil(HEAD_END)
    except asyncio.IncompleteReadError as error:
        if error.partial.strip():
            raise BadRequest("connection closed in the middle of the request head") from error
        return None
    except asyncio.LimitOverrunError as error:
        raise HeadTooLarge from error
    if len(head) > max_head:
        raise HeadTooLarge
    lines = head[:-4].decode("latin-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ", 2)
    except ValueError as error:
        raise BadRequest(f"bad request line {lines[0]!r}") from error
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(f"bad header line {line!r}")
        headers.append((name, value.strip()))
    request = Request(method, target, version, headers, b"")
    request.body = await _read_body(request, reader, writer, max_body)
    return request


async def _read_body(
    request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, max_body: int
) -> bytes:
    chunked = "chunked" in (request.header("transfer-encoding") or "").lower()
    length_text = request.header("content-length")
    if not chunked and length_text is None:
        return b""
    length = 0
    if length_text is not None and not chunked:
        if not length_text.isdigit():
            raise BadRequest(f"bad Content-Length {length_text!r}")
        length = int(length_text)
        if length > max_body:
            raise BodyTooLarge
    if (request.header("expect") or "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if not chunked:
        return await reader.readexactly(length) if length else b""
    return await _read_chunked(reader, max_body)


async def _read_chunked(reader: asyncio.StreamReader, max_body: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size_line = await reader.readuntil(CRLF)
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError as error:
            raise BadRequest("bad chunk size") from error
        if size == 0:
            while (await reader.readuntil(CRLF)) != CRLF:
                pass  # trailers carry nothing API Gateway forwards
            return b"".join(parts)
        total += size
        if total > max_body:
            raise BodyTooLarge
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


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
