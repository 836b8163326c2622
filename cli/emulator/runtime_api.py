"""The Lambda Runtime API (2018-06-01) that `awslambdaric` talks to, one server per worker.

One server per execution environment, as on Lambda: the server then knows which worker
is calling, so timeouts, init errors and REPORT lines belong to the right process. The
protocol was checked against awslambdaric 4.2 (`lambda_runtime_client.py`, `bootstrap.py`
and the strings of its C client): `next` must carry `Lambda-Runtime-Aws-Request-Id`,
`-Deadline-Ms`, `-Invoked-Function-Arn`, `-Trace-Id`; `response`/`error`/`init/error`
answer 202; the error type comes in `Lambda-Runtime-Function-Error-Type`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from .httpio import BadRequest, BodyTooLarge, HeadTooLarge, encode_response, read_request, set_nodelay

PREFIX = "/2018-06-01/runtime"
_INVOCATION = re.compile(rf"^{PREFIX}/invocation/([^/]+)/(response|error)$")
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
_MAX_POST = 64 * 1024 * 1024  # far above Lambda's 6 MB so the worker, not the socket, decides


@dataclass(frozen=True)
class Delivery:
    """One invocation as `GET .../invocation/next` hands it to the runtime."""

    request_id: str
    event: bytes
    deadline_ms: int
    function_arn: str
    trace_id: str

    def headers(self) -> list[tuple[str, str]]:
        return [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", self.request_id),
            ("Lambda-Runtime-Deadline-Ms", str(self.deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", self.function_arn),
            ("Lambda-Runtime-Trace-Id", self.trace_id),
            ("Content-Length", str(len(self.event))),
        ]


Answer = tuple[int, dict[str, Any]]
ACCEPTED: Answer = (202, {"status": "OK"})


class RuntimeHandler(Protocol):
    """What the server needs from the execution environment behind it."""

    async def next_invocation(self) -> Delivery: ...

    def on_response(self, request_id: str, body: bytes) -> Answer: ...

    def on_error(self, request_id: str, body: bytes, error_type: str) -> Answer: ...

    def on_init_error(self, body: bytes, error_type: str) -> Answer: ...


class RuntimeApiServer:
    """Serves the Runtime API for one worker on 127.0.0.1 (a free port)."""

    def __init__(self, handler: RuntimeHandler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._connections):
                writer.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        set_nodelay(writer)
        self._connections.add(writer)
        try:
            while True:
                request = await read_request(reader, writer, max_head=65536, max_body=_MAX_POST)
                if request is None:
                    break
                writer.write(await self._dispatch(request.method, request.target, request))
                if not request.keep_alive:
                    break
        except (BadRequest, BodyTooLarge, HeadTooLarge, ConnectionError, asyncio.IncompleteReadError):
            pass  # the runtime went away or misbehaved; the worker notices its process exit
        finally:
            self._connections.discard(writer)
            writer.close()

    async def _dispatch(self, method: str, target: str, request: Any) -> bytes:
        if method == "GET" and target == f"{PREFIX}/invocation/next":
            delivery = await self._handler.next_invocation()
            return encode_response(200, delivery.headers(), delivery.event)
        error_type = request.header(ERROR_TYPE_HEADER) or "Unknown"
        if method == "POST" and target == f"{PREFIX}/init/error":
            return _json(self._handler.on_init_error(request.body, error_type))
        match = _INVOCATION.match(target) if method == "POST" else None
        if match is None:
            return _json((404, {"errorMessage": f"unknown path {target}", "errorType": "NotFound"}))
        request_id, kind = match.groups()
        if kind == "response":
            return _json(self._handler.on_response(request_id, request.body))
        return _json(self._handler.on_error(request_id, request.body, error_type))


def _json(answer: Answer) -> bytes:
    status, document = answer
    body = json.dumps(document).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    return encode_response(status, headers, body)
