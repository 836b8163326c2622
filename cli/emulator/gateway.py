"""The HTTP front: API Gateway HTTP API's behaviour in front of the local Lambda.

Each request becomes a payload-2.0 event; the function's outcome becomes HTTP with the
answers HTTP API gives (FACTS.md, the AWS docs, and observed responses quoted in
aws/aws-sam-cli#2590). Platform headers (`date`, `content-length`, `apigw-requestid`) are
added as API Gateway adds them, so parity checks see realistic noise.

| what happens                         | status | body                                   |
|--------------------------------------|--------|----------------------------------------|
| request body over 10 MB              | 413    | {"message":"Request Entity Too Large"} |
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
import contextlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from .events import DEFAULT_STAGE, HttpAnswer, MalformedAnswer, build_event, parse_answer
from .httpio import (
    BadRequest,
    BodyTooLarge,
    HeadTooLarge,
    Request,
    encode_response,
    http_date,
    read_request,
    set_nodelay,
)
from .workers import Outcome, WorkerPool

MAX_BODY = 10 * 1024 * 1024
MAX_HEAD = 10_240
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


def request_id() -> str:
    """An `apigw-requestid`-shaped id (16 characters ending in '=', like `aR7_khtxoAMEVlQ=`)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(10)).decode()[:15] + "="


class Gateway:
    """Accepts HTTP on (host, port) and invokes the pool's function once per request."""

    def __init__(self, pool: WorkerPool, config: GatewayConfig, log: Log) -> None:
        self._pool = pool
        self._config = config
        self._log = log
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Outcome]] = set()

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._serve, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        set_nodelay(writer)
        peer = writer.get_extra_info("peername")
        source_ip = str(peer[0]) if peer else "127.0.0.1"
        try:
            while True:
                try:
                    request = await read_request(reader, writer, max_head=MAX_HEAD, max_body=MAX_BODY)
                except BodyTooLarge:
                    self._write(writer, TOO_LARGE, request_id(), head_only=False, close=True)
                    break
                except HeadTooLarge:
                    self._write(writer, HEAD_TOO_LARGE, request_id(), head_only=False, close=True)
                    break
                except BadRequest:
                    self._write(writer, BAD_REQUEST, request_id(), head_only=False, close=True)
                    break
                if request is None:
                    break
                rid = request_id()
                answer = await self._handle(request, rid, source_ip)
                self._write(writer, answer, rid, head_only=request.method == "HEAD", close=not request.keep_alive)
                if not request.keep_alive:
                    break
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _handle(self, request: Request, rid: str, source_ip: str) -> HttpAnswer:
        stage = self._config.stage
        if stage != DEFAULT_STAGE:
            path = request.target.partition("?")[0]
            if path != f"/{stage}" and not path.startswith(f"/{stage}/"):
                return NOT_FOUND
        event = build_event(
            request.method, request.target, request.headers, request.body,
            request_id=rid, source_ip=source_ip, stage=stage, protocol=request.version,
        )
        payload = json.dumps(event, separators=(",", ":")).encode()
        task = asyncio.ensure_future(self._pool.invoke(payload))
        self._tasks.add(task)  # the function runs to its end even when the gateway gives up
        task.add_done_callback(self._tasks.discard)
        try:
            outcome = await asyncio.wait_for(asyncio.shield(task), self._config.integration_timeout_s)
        except TimeoutError:
            self._log(f"apigw {rid}: integration timeout after {self._config.integration_timeout_s:g} s")
            return SERVICE_UNAVAILABLE
        return answer_for(outcome)

    @staticmethod
    def _write(
        writer: asyncio.StreamWriter, answer: HttpAnswer, rid: str, *, head_only: bool, close: bool
    ) -> None:
        headers = [(name, value) for name, value in answer.headers if name.lower() not in _PLATFORM_OWNED]
        headers.append(("date", http_date()))
        headers.append(("content-length", str(len(answer.body))))
        headers.append(("apigw-requestid", rid))
        if close:
            headers.append(("connection", "close"))
        writer.write(encode_response(answer.status, headers, answer.body, head_only=head_only))
