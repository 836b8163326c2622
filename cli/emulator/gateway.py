"""The HTTP front: API Gateway HTTP API's behaviour in front of the local Lambda.

Each request becomes a payload-2.0 event; the function's outcome becomes HTTP with the
answers HTTP API gives (FACTS.md, the AWS docs, and observed responses quoted in
aws/aws-sam-cli#2590). Platform headers (`date`, `content-length`, `apigw-requestid`) are
added as API Gateway adds them, so parity checks see realistic noise.

| what happens                         | status | body                                   |
|--------------------------------------|--------|----------------------------------------|
| request body over 10 MB              | 413    | {"message":"Request Entity Too Large"} |
| event over Lambda's 6 MB request cap | 500    | {"message":"Internal Server Error"}    |
| request line + headers over 10 KB    | 431    | {"message":"Request Header Fields Too Large"} (unconfirmed) |
| path outside the named stage         | 404    | {"message":"Not Found"}                |
| handler raised / init error / crash  | 500    | {"message":"Internal Server Error"}    |
| function timeout (under 30 s)        | 500    | {"message":"Internal Server Error"}    |
| 30 s integration timeout             | 503    | {"message":"Service Unavailable"}      |
| answer over 6 MB                     | 502    | {"message":"Internal Server Error"} (per the issue; unconfirmed) |
| malformed answer                     | 500    | {"message":"Internal Server Error"}    |
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import h11

from . import invoke_api
from .events import DEFAULT_STAGE, HttpAnswer, MalformedAnswer, build_event, decode_path, parse_answer
from .httpio import (
    HEAD_END,
    Request,
    encode_response,
    framing_problem,
    has_bare_lf,
    http_date,
    set_nodelay,
)
from .workers import Outcome, WorkerPool

MAX_BODY = 10 * 1024 * 1024
MAX_HEAD = 10_240
# Lambda's synchronous invoke request limit ("Request must be smaller than 6291456 bytes"):
# API Gateway takes up to 10 MB, but a bigger event is refused by Lambda, which HTTP API
# answers with 500 ("If the Lambda API rejects the invocation request, API Gateway returns
# a 500", Lambda developer guide, services-apigateway-errors).
INVOKE_REQUEST_LIMIT = 6_291_456
INTEGRATION_TIMEOUT_S = 30.0
HEADER_TIMEOUT_S = 10.0
BODY_TIMEOUT_S = 30.0
IDLE_TIMEOUT_S = 60.0
# Headers API Gateway owns: the function's values are replaced or dropped.
_PLATFORM_OWNED = {"content-length", "transfer-encoding", "connection", "date", "apigw-requestid"}

Log = Callable[[str], None]


@dataclass(frozen=True)
class GatewayConfig:
    stage: str = DEFAULT_STAGE
    integration_timeout_s: float = INTEGRATION_TIMEOUT_S
    region: str = "us-east-1"
    # A client gets this long for a request's head (from its first byte) and for its body
    # (after the head); a kept-alive connection is closed after idling this long.
    header_timeout_s: float = HEADER_TIMEOUT_S
    body_timeout_s: float = BODY_TIMEOUT_S
    idle_timeout_s: float = IDLE_TIMEOUT_S


def message(status: int, text: str) -> HttpAnswer:
    """API Gateway's own JSON error answer."""
    body = json.dumps({"message": text}, separators=(",", ":")).encode()
    return HttpAnswer(status, [("content-type", "application/json")], body)


INTERNAL_ERROR = message(500, "Internal Server Error")
TOO_LARGE = message(413, "Request Entity Too Large")
HEAD_TOO_LARGE = message(431, "Request Header Fields Too Large")
NOT_FOUND = message(404, "Not Found")
SERVICE_UNAVAILABLE = message(503, "Service Unavailable")
BAD_GATEWAY = message(502, "Internal Server Error")
BAD_REQUEST = message(400, "Bad Request")
NOT_IMPLEMENTED = message(501, "Not Implemented")
REQUEST_TIMEOUT = message(408, "Request Timeout")


def answer_for(outcome: Outcome) -> HttpAnswer:
    """What HTTP API sends the client for one Lambda outcome."""
    if outcome.kind == "ok":
        try:
            return parse_answer(outcome.payload)
        except MalformedAnswer:
            return INTERNAL_ERROR
    if outcome.kind == "too_large":
        return BAD_GATEWAY
    return INTERNAL_ERROR


def trace_id() -> str:
    """An X-Ray trace header as API Gateway adds it: Root=1-<epoch hex>-<24 hex>."""
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"


def request_id() -> str:
    """An `apigw-requestid`-shaped id (16 characters ending in '=', like `aR7_khtxoAMEVlQ=`)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()


Respond = Callable[[HttpAnswer, str], None]


class RequestHandler(Protocol):
    """What an `HttpConnection` hands complete requests to."""

    config: GatewayConfig  # the connection's header/body/idle deadlines

    def handle(self, request: Request, source_ip: str, respond: Respond) -> None:
        """Answer through `respond(answer, request_id)`, exactly once (now or later)."""


class Gateway:
    """Accepts HTTP on (host, port) and invokes the pool's function once per request."""

    def __init__(self, pool: WorkerPool, config: GatewayConfig, log: Log) -> None:
        self._pool = pool
        self.config = config
        self._log = log
        self._server: asyncio.Server | None = None
        self._live: set[asyncio.Transport] = set()
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: HttpConnection(self, self._live), host, port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for transport in list(self._live):
            transport.close()

    def handle(self, request: Request, source_ip: str, respond: Callable[[HttpAnswer, str], None]) -> None:
        """Answer one request through `respond(answer, request_id)`, exactly once."""
        rid = request_id()
        if invoke_api.is_invoke(request):  # the Lambda Invoke API shares the port (cli/emulator/invoke_api.py)
            invoke_api.handle(self._pool, request, rid, lambda answer: respond(answer, rid))
            return
        stage = self.config.stage
        if stage != DEFAULT_STAGE:
            path = decode_path(request.target.partition("?")[0])
            if path != f"/{stage}" and not path.startswith(f"/{stage}/"):
                respond(NOT_FOUND, rid)
                return
        event = build_event(
            request.method, request.target, request.headers, request.body,
            request_id=rid, source_ip=source_ip, stage=stage, protocol=request.version,
            server_port=self.port, trace_id=trace_id(), region=self.config.region,
        )
        payload = json.dumps(event, separators=(",", ":")).encode()
        if len(payload) > INVOKE_REQUEST_LIMIT:
            self._log(f"apigw {rid}: Lambda refused the invocation: RequestEntityTooLargeException "
                      f"(event of {len(payload)} bytes, limit {INVOKE_REQUEST_LIMIT})")
            respond(INTERNAL_ERROR, rid)
            return
        # The function runs to its end even when the gateway stops waiting (503 at the cap).
        answered = False

        def settle(answer: HttpAnswer) -> None:
            nonlocal answered
            if not answered:
                answered = True
                timer.cancel()
                respond(answer, rid)

        def give_up() -> None:
            self._log(f"apigw {rid}: integration timeout after {self.config.integration_timeout_s:g} s")
            settle(SERVICE_UNAVAILABLE)

        timer = asyncio.get_running_loop().call_later(self.config.integration_timeout_s, give_up)
        self._pool.submit(payload).add_done_callback(lambda done: settle(answer_for(done.result())))


class HttpConnection(asyncio.Protocol):
    """One client connection: requests are answered in order, one at a time, at most once.

    Any `RequestHandler` can sit behind it: another listener (say, a Lambda Invoke API
    next to the HTTP API) is one more `loop.create_server(lambda: HttpConnection(other,
    live), host, port)` with its own `handle`.

    A head is checked by `framing_problem` (what gunicorn refuses, what smuggling is made
    of), then parsed by h11 together with its body; a fresh h11 parser per request takes
    what the previous one read past its end. Each phase has a deadline: the head from its
    first byte, the body after the head, the wait for the next request on a kept-alive
    connection. Bytes that arrive while a request is being answered wait, unread.
    """

    def __init__(self, handler: RequestHandler, live: set[asyncio.Transport]) -> None:
        self._gateway = handler
        self._config = handler.config
        self._live = live
        self._transport: asyncio.Transport | None = None
        self._source_ip = "127.0.0.1"
        self._pending = bytearray()  # received, not yet given to a parser
        self._parser: h11.Connection | None = None  # set from a checked head to its end
        self._request: Request | None = None
        self._body: list[bytes] = []
        self._size = 0
        self._busy = False  # handed to the gateway; the answer is not written yet
        self._timer: asyncio.TimerHandle | None = None
        self._expires: float | None = None  # loop time of the current deadline
        self._on_expiry: Callable[[], None] | None = None
        self._timer_kind = ""
        self._eof = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._loop = asyncio.get_running_loop()
        self._live.add(transport)
        set_nodelay(transport)
        peer = transport.get_extra_info("peername")
        if peer:
            self._source_ip = str(peer[0])
        self._deadline(self._config.header_timeout_s, self._header_timeout, "header")

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._live.discard(self._transport)
        self._transport = None
        self._deadline(None)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def data_received(self, data: bytes) -> None:
        if self._parser is not None:
            self._parser.receive_data(data)  # a checked head is being read: body bytes
        else:
            self._pending += data
        if not self._busy:
            self._advance()
        elif len(self._pending) > MAX_HEAD + MAX_BODY and self._transport is not None:
            self._transport.pause_reading()  # pipelined past any request's size: wait for the answer

    def eof_received(self) -> bool:
        """The client stopped sending: answer what is in hand, drop what is incomplete."""
        self._eof = True
        return self._busy  # True keeps the transport open until the answer is written

    # ------------------------------------------------------------------ reading

    def _advance(self) -> None:
        while not self._busy and self._transport is not None:
            if self._parser is None and not self._start_request():
                return
            if not self._read_events():
                return

    def _start_request(self) -> bool:
        """Check and hand a complete head (and what follows) to a new parser; False to wait."""
        if not self._pending:
            return False
        if self._timer_kind != "header":  # the first byte of a request starts its deadline
            self._deadline(self._config.header_timeout_s, self._header_timeout, "header")
        end = self._pending.find(HEAD_END)
        if end < 0:  # a bare LF would never end the head: refuse it now, not at the timeout
            if has_bare_lf(self._pending):
                return self._refuse(BAD_REQUEST)
            return self._refuse(HEAD_TOO_LARGE) if len(self._pending) > MAX_HEAD else False
        head = self._pending[:end]
        if end + 4 > MAX_HEAD:
            return self._refuse(HEAD_TOO_LARGE)
        problem = framing_problem(bytes(head))
        if problem is not None:
            return self._refuse(NOT_IMPLEMENTED if problem.status == 501 else BAD_REQUEST)
        self._parser = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD + 4)
        self._parser.receive_data(bytes(self._pending))
        self._pending = bytearray()
        self._deadline(self._config.body_timeout_s, self._body_timeout, "body")
        return True

    def _read_events(self) -> bool:
        """Feed the parser's events on; True when a request was handed over and more may follow."""
        assert self._parser is not None
        while True:
            try:
                event = self._parser.next_event()
            except h11.RemoteProtocolError as error:
                status = error.error_status_hint
                return self._refuse(NOT_IMPLEMENTED if status == 501 else
                                    HEAD_TOO_LARGE if status == 431 else BAD_REQUEST)
            if event is h11.NEED_DATA:
                return False
            if isinstance(event, h11.Request):
                if not self._on_head(event):
                    return False
            elif isinstance(event, h11.Data):
                self._size += len(event.data)
                if self._size > MAX_BODY:
                    return self._refuse(TOO_LARGE)
                self._body.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                self._dispatch()
                return True
            else:  # ConnectionClosed or PAUSED: nothing more will come on this request
                return self._refuse(BAD_REQUEST)

    def _on_head(self, event: h11.Request) -> bool:
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in event.headers.raw_items()]
        lookup = {name.lower(): value for name, value in headers}
        version = "HTTP/" + event.http_version.decode("ascii")
        self._request = Request(event.method.decode("ascii"), event.target.decode("latin-1"), version, headers,
                                b"", lookup)
        self._body, self._size = [], 0
        length = lookup.get("content-length")
        if length is not None and int(length) > MAX_BODY:
            return self._refuse(TOO_LARGE)
        if lookup.get("expect", "").lower() == "100-continue" and self._transport is not None:
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def _dispatch(self) -> None:
        assert self._parser is not None and self._request is not None
        self._pending = bytearray(self._parser.trailing_data[0]) + self._pending
        self._parser = None
        request, self._request = self._request, None
        request.body = b"".join(self._body)
        self._body = []
        self._busy = True
        self._deadline(None)
        self._gateway.handle(request, self._source_ip, functools.partial(self._respond, request))

    # ------------------------------------------------------------------ answering

    def _respond(self, request: Request, answer: HttpAnswer, rid: str) -> None:
        self._busy = False
        if self._transport is None:
            return
        close = not request.keep_alive or self._transport.is_closing()
        self._transport.write(_encode(answer, rid, head_only=request.method == "HEAD", close=close))
        if close:
            self._transport.close()
            return
        self._deadline(self._config.idle_timeout_s, self._close_idle, "idle")
        self._transport.resume_reading()
        self._advance()
        if self._eof and not self._busy and self._transport is not None:
            self._transport.close()  # nothing complete is left, and nothing more can come

    def _refuse(self, answer: HttpAnswer) -> bool:
        """Answer the gateway's own error and close: the rest of the stream cannot be trusted."""
        self._deadline(None)
        self._parser = None
        self._pending = bytearray()
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(_encode(answer, request_id(), head_only=False, close=True))
            self._transport.close()
        return False

    # ------------------------------------------------------------------ deadlines

    def _deadline(self, seconds: float | None, callback: Callable[[], None] | None = None, kind: str = "") -> None:
        """Call `callback` in `seconds` unless another deadline replaces it first.

        One timer per connection, moved only when a deadline comes earlier: each request
        sets three deadlines, and a timer handle each would cost more than the parsing.
        """
        if seconds is None or callback is None or self._transport is None:
            self._expires, self._on_expiry, self._timer_kind = None, None, ""
            return
        self._expires, self._on_expiry, self._timer_kind = self._loop.time() + seconds, callback, kind
        if self._timer is None or self._timer.when() > self._expires:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self._loop.call_at(self._expires, self._check_deadline)

    def _check_deadline(self) -> None:
        self._timer = None
        if self._expires is None or self._on_expiry is None or self._transport is None:
            return
        if self._loop.time() < self._expires:  # moved later meanwhile: wait on
            self._timer = self._loop.call_at(self._expires, self._check_deadline)
            return
        callback, self._expires, self._on_expiry, self._timer_kind = self._on_expiry, None, None, ""
        callback()

    def _header_timeout(self) -> None:
        if self._pending:
            self._refuse(REQUEST_TIMEOUT)
        else:
            self._close_idle()

    def _body_timeout(self) -> None:
        self._refuse(REQUEST_TIMEOUT)

    def _close_idle(self) -> None:
        if self._transport is not None and not self._busy:
            self._transport.close()


def _encode(answer: HttpAnswer, rid: str, *, head_only: bool, close: bool) -> bytes:
    """The answer with API Gateway's own headers: date, content-length, apigw-requestid."""
    headers = [(name, value) for name, value in answer.headers if name.lower() not in _PLATFORM_OWNED]
    headers.append(("date", http_date()))
    headers.append(("content-length", str(len(answer.body))))
    headers.append(("apigw-requestid", rid))
    if close:
        headers.append(("connection", "close"))
    return encode_response(answer.status, headers, answer.body, head_only=head_only)
