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

from . import invoke_api
from .events import DEFAULT_STAGE, HttpAnswer, MalformedAnswer, build_event, parse_answer
from .httpio import (
    BadRequest,
    BodyTooLarge,
    HeadTooLarge,
    Request,
    RequestReader,
    encode_response,
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
# Headers API Gateway owns: the function's values are replaced or dropped.
_PLATFORM_OWNED = {"content-length", "transfer-encoding", "connection", "date", "apigw-requestid"}

Log = Callable[[str], None]


@dataclass(frozen=True)
class GatewayConfig:
    stage: str = DEFAULT_STAGE
    integration_timeout_s: float = INTEGRATION_TIMEOUT_S


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


class Gateway:
    """Accepts HTTP on (host, port) and invokes the pool's function once per request."""

    def __init__(self, pool: WorkerPool, config: GatewayConfig, log: Log) -> None:
        self._pool = pool
        self._config = config
        self._log = log
        self._server: asyncio.Server | None = None
        self._live: set[asyncio.Transport] = set()
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self, self._live), host, port)
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
        stage = self._config.stage
        if stage != DEFAULT_STAGE:
            path = request.target.partition("?")[0]
            if path != f"/{stage}" and not path.startswith(f"/{stage}/"):
                respond(NOT_FOUND, rid)
                return
        event = build_event(
            request.method, request.target, request.headers, request.body,
            request_id=rid, source_ip=source_ip, stage=stage, protocol=request.version,
            server_port=self.port, trace_id=trace_id(),
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
            self._log(f"apigw {rid}: integration timeout after {self._config.integration_timeout_s:g} s")
            settle(SERVICE_UNAVAILABLE)

        timer = asyncio.get_running_loop().call_later(self._config.integration_timeout_s, give_up)
        self._pool.submit(payload).add_done_callback(lambda done: settle(answer_for(done.result())))


class _Connection(asyncio.Protocol):
    """One client connection: requests are answered in order, one at a time."""

    def __init__(self, gateway: Gateway, live: set[asyncio.Transport]) -> None:
        self._gateway = gateway
        self._live = live
        self._reader = RequestReader(MAX_HEAD, MAX_BODY, on_continue=self._continue)
        self._transport: asyncio.Transport | None = None
        self._source_ip = "127.0.0.1"
        self._busy = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._live.add(transport)
        set_nodelay(transport)
        peer = transport.get_extra_info("peername")
        if peer:
            self._source_ip = str(peer[0])

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._live.discard(self._transport)
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        self._process()

    def _process(self) -> None:
        while not self._busy and self._transport is not None:
            try:
                request = self._reader.next_request()
            except BodyTooLarge:
                return self._refuse(TOO_LARGE)
            except HeadTooLarge:
                return self._refuse(HEAD_TOO_LARGE)
            except BadRequest:
                return self._refuse(BAD_REQUEST)
            if request is None:
                return None
            self._busy = True
            self._gateway.handle(request, self._source_ip, functools.partial(self._respond, request))
        return None

    def _respond(self, request: Request, answer: HttpAnswer, rid: str) -> None:
        self._busy = False
        if self._transport is None:
            return
        close = not request.keep_alive
        self._transport.write(_encode(answer, rid, head_only=request.method == "HEAD", close=close))
        if close:
            self._transport.close()
        else:
            self._process()

    def _refuse(self, answer: HttpAnswer) -> None:
        if self._transport is not None:
            self._transport.write(_encode(answer, request_id(), head_only=False, close=True))
            self._transport.close()

    def _continue(self) -> None:
        if self._transport is not None:
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")


def _encode(answer: HttpAnswer, rid: str, *, head_only: bool, close: bool) -> bytes:
    """The answer with API Gateway's own headers: date, content-length, apigw-requestid."""
    headers = [(name, value) for name, value in answer.headers if name.lower() not in _PLATFORM_OWNED]
    headers.append(("date", http_date()))
    headers.append(("content-length", str(len(answer.body))))
    headers.append(("apigw-requestid", rid))
    if close:
        headers.append(("connection", "close"))
    return encode_response(answer.status, headers, answer.body, head_only=head_only)
