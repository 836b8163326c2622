"""The Lambda Runtime API (2018-06-01) that `awslambdaric` talks to, one server per worker.

One server per execution environment, as on Lambda: the server then knows which worker
is calling, so timeouts, init errors and REPORT lines belong to the right process. The
protocol was checked against awslambdaric 4.2 (`lambda_runtime_client.py`, `bootstrap.py`
and the strings of its C client): `next` must carry `Lambda-Runtime-Aws-Request-Id`,
`-Deadline-Ms`, `-Invoked-Function-Arn`, `-Trace-Id`; `response`/`error`/`init/error`
answer 202; the error type comes in `Lambda-Runtime-Function-Error-Type`; its C client
sends `Expect:` empty and Content-Length bodies.

Written as an asyncio Protocol, not streams: each hop runs synchronously inside the
socket callback (no task wake-ups), which is most of the emulator's per-request cost.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .httpio import BadRequest, BodyTooLarge, HeadTooLarge, Request, RequestReader, encode_response, set_nodelay

PREFIX = "/2018-06-01/runtime"
_NEXT = f"{PREFIX}/invocation/next"
_INIT_ERROR = f"{PREFIX}/init/error"
_INVOCATION = re.compile(rf"^{PREFIX}/invocation/([^/]+)/(response|error)$")
ERROR_TYPE_HEADER = "lambda-runtime-function-error-type"
_MAX_POST = 64 * 1024 * 1024  # far above Lambda's 6 MB: the worker, not the socket, decides


@dataclass(frozen=True)
class Delivery:
    """One invocation as `GET .../invocation/next` hands it to the runtime."""

    request_id: str
    event: bytes
    deadline_ms: int
    function_arn: str
    trace_id: str

    def encoded(self) -> bytes:
        headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", self.request_id),
            ("Lambda-Runtime-Deadline-Ms", str(self.deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", self.function_arn),
            ("Lambda-Runtime-Trace-Id", self.trace_id),
            ("Content-Length", str(len(self.event))),
        ]
        return encode_response(200, headers, self.event)


Answer = tuple[int, dict[str, Any]]
ACCEPTED: Answer = (202, {"status": "OK"})
Deliver = Callable[[Delivery], None]


class RuntimeHandler(Protocol):
    """What the server needs from the execution environment behind it."""

    def on_next(self, deliver: Deliver) -> None:
        """The runtime waits for work: call `deliver` now or when an invocation comes."""

    def on_response(self, request_id: str, body: bytes) -> Answer: ...

    def on_error(self, request_id: str, body: bytes, error_type: str) -> Answer: ...

    def on_init_error(self, body: bytes, error_type: str) -> Answer: ...


class _Connection(asyncio.Protocol):
    """One runtime connection (keep-alive): parse, dispatch, answer, all in callbacks."""

    def __init__(self, handler: RuntimeHandler, live: set[asyncio.Transport]) -> None:
        self._handler = handler
        self._live = live
        self._reader = RequestReader(max_head=65_536, max_body=_MAX_POST)
        self._transport: asyncio.Transport | None = None
        self._waiting = False  # a `next` is pending: the runtime sends nothing until answered

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._live.add(transport)
        set_nodelay(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._live.discard(self._transport)
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        try:
            self._process()
        except (BadRequest, BodyTooLarge, HeadTooLarge):
            if self._transport is not None:
                self._transport.close()

    def _process(self) -> None:
        while not self._waiting and self._transport is not None:
            request = self._reader.next_request()
            if request is None:
                return
            self._dispatch(request)

    def _dispatch(self, request: Request) -> None:
        if request.method == "GET" and request.target == _NEXT:
            self._waiting = True
            self._handler.on_next(self._deliver)
            return
        error_type = request.header(ERROR_TYPE_HEADER) or "Unknown"
        match = _INVOCATION.match(request.target) if request.method == "POST" else None
        if request.method == "POST" and request.target == _INIT_ERROR:
            answer = self._handler.on_init_error(request.body, error_type)
        elif match is None:
            answer = 404, {"errorMessage": f"unknown path {request.target}", "errorType": "NotFound"}
        elif match.group(2) == "response":
            answer = self._handler.on_response(match.group(1), request.body)
        else:
            answer = self._handler.on_error(match.group(1), request.body, error_type)
        self._write(_json(answer))

    def _deliver(self, delivery: Delivery) -> None:
        self._waiting = False
        self._write(delivery.encoded())
        self._process()

    def _write(self, data: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)


class RuntimeApiServer:
    """Serves the Runtime API for one worker on 127.0.0.1 (a free port)."""

    def __init__(self, handler: RuntimeHandler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._live: set[asyncio.Transport] = set()

    async def start(self) -> int:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self._handler, self._live), "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for transport in list(self._live):
            transport.close()


def _json(answer: Answer) -> bytes:
    status, document = answer
    body = json.dumps(document).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    return encode_response(status, headers, body)
