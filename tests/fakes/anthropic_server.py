"""A local HTTP server that speaks the Anthropic Messages API, for tests of the real SDK.

Point `anthropic.Anthropic(api_key=fake.api_key, base_url=fake.base_url)` (or the service's
ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL) at it. It checks what the real API checks first
(`POST /v1/messages`, the API key - as `x-api-key`, or as `Authorization: Bearer`, which
is what the installed SDK 2.x sends - and the `anthropic-version` header, a JSON body with
`model`, `max_tokens` and `messages`, every `tool_use` answered by a `tool_result`) and
answers with real-shaped JSON: messages, or `{"type": "error", "error": {...}}` bodies.

    with FakeAnthropic() as fake:
        fake.script(tool_use_reply("search_products", {"query": "tent"}), text_reply("Try the X."))
        fake.script(error_reply(429, retry_after=1), text_reply("ok"))   # queue more
        fake.otherwise(error_reply(529))          # answer for every request once the queue is empty
        fake.otherwise(shopping_model)            # ... or a callable: a tiny scripted "model"
        ...
        fake.requests        # every request received, oldest first (RecordedRequest)

Queue items and `otherwise` are a `Reply` or a callable `RecordedRequest -> Reply`. With
nothing scripted the server answers 500 `api_error` "nothing scripted", so a test that
forgets to script fails loudly. `Reply.delay` holds the answer back (timeouts).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "fake-anthropic-key.0123456789abcdef"  # not a real key shape on purpose


@dataclass(frozen=True)
class Reply:
    """One scripted answer: status, JSON body, extra headers, and seconds to wait first."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the server received it; `at` is its `time.monotonic()` arrival."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: Any  # the parsed JSON (None when not JSON)
    at: float

    @property
    def api_key(self) -> str | None:
        """The key sent as `x-api-key`, or as `Authorization: Bearer` (what SDK 2.x sends)."""
        if "x-api-key" in self.headers:
            return self.headers["x-api-key"]
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return token if scheme.lower() == "bearer" and token else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages = self.body.get("messages", []) if isinstance(self.body, dict) else []
        return messages if isinstance(messages, list) else []

    def tool_results(self) -> list[dict[str, Any]]:
        """The `tool_result` blocks of the last message (what the SDK sent back to the model)."""
        if not self.messages or not isinstance(self.messages[-1].get("content"), list):
            return []
        return [b for b in self.messages[-1]["content"] if b.get("type") == "tool_result"]

    def last_user_text(self) -> str:
        """The text of the newest user message that has text (the shopper's words)."""
        for message in reversed(self.messages):
            if message.get("role") != "user":
                continue
            content = message.get("content")
            if isinstance(content, str):
                return content
            texts = [b.get("text", "") for b in content if b.get("type") == "text"]
            if texts:
                return "".join(texts)
        return ""


Script = Reply | Callable[[RecordedRequest], Reply]


def text_reply(text: str, stop_reason: str = "end_turn", delay: float = 0.0) -> Reply:
    """The model answering in words."""
    return Reply(body={"content": [{"type": "text", "text": text}], "stop_reason": stop_reason}, delay=delay)


def tool_use_reply(name: str, tool_input: dict[str, Any], text: str | None = None,
                   tool_id: str | None = None) -> Reply:
    """The model asking for a tool (`stop_reason: tool_use`), optionally after some words."""
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    content.append({"type": "tool_use", "id": tool_id or "", "name": name, "input": tool_input})
    return Reply(body={"content": content, "stop_reason": "tool_use"})


_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
                500: "api_error", 502: "api_error", 503: "api_error", 529: "overloaded_error"}


def error_reply(status: int, message: str | None = None, retry_after: float | None = None,
                error_type: str | None = None) -> Reply:
    """An error exactly as Anthropic shapes it; `retry_after` adds the `retry-after` header."""
    kind = error_type or _ERROR_TYPES.get(status, "api_error")
    body = {"type": "error", "error": {"type": kind, "message": message or kind.replace("_", " ")}}
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
    return Reply(status=status, body=body, headers=headers)


def shopping_model(request: RecordedRequest) -> Reply:
    """A stand-in model for route tests: searches for the shopper's words, then names the results.

    A request whose last message carries `search_products` results gets a text answer naming
    each product with its price; any other request gets a `search_products` tool call.
    """
    results = request.tool_results()
    if not results:
        return tool_use_reply("search_products", {"query": request.last_user_text()})
    found: list[str] = []
    for result in results:
        content = result.get("content")
        payload = json.loads(content) if isinstance(content, str) and content.startswith("{") else {}
        found += [f"{p['name']} (${p['price']:.2f})" for p in payload.get("results", [])]
    if not found:
        return text_reply("Sorry, I couldn't find anything matching that.")
    return text_reply("Here is what I found: " + "; ".join(found) + ".")


class FakeAnthropic:
    """The server: start/stop it (or use `with`), script replies, read `requests`."""

    def __init__(self, api_key: str = API_KEY) -> None:
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Script] = deque()
        self._otherwise: Script | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-anthropic",
                                        daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases replies held back by `delay`
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def script(self, *replies: Script) -> None:
        """Queue replies: each request takes the next one."""
        with self._lock:
            self._queue.extend(replies)

    def otherwise(self, reply: Script | None) -> None:
        """The reply for every request once the queue is empty (None: the 500 default)."""
        with self._lock:
            self._otherwise = reply

    def reset(self) -> None:
        """Forget the queue, the fallback and the recorded requests."""
        with self._lock:
            self._queue.clear()
            self._otherwise = None
            self.requests.clear()

    # -- called by the handler -------------------------------------------------------------

    def _answer(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
        problem = self._reject(request)
        if problem is not None:
            return problem
        with self._lock:
            script = self._queue.popleft() if self._queue else self._otherwise
        if script is None:
            return error_reply(500, "fake anthropic: nothing scripted for this request")
        reply = script(request) if callable(script) else script
        return self._complete(reply, request)

    def _reject(self, request: RecordedRequest) -> Reply | None:
        if request.method != "POST" or request.path.split("?")[0] != "/v1/messages":
            return error_reply(404, f"{request.method} {request.path} not found")
        if request.api_key != self.api_key:
            return error_reply(401, "invalid x-api-key")
        if not request.headers.get("anthropic-version"):
            return error_reply(400, "anthropic-version: header is required")
        body = request.body
        if not isinstance(body, dict):
            return error_reply(400, "request body must be a JSON object")
        for name in ("model", "max_tokens", "messages"):
            if name not in body:
                return error_reply(400, f"{name}: Field required")
        return _check_tool_pairs(request.messages)

    def _complete(self, reply: Reply, request: RecordedRequest) -> Reply:
        """Fill in what a real message carries: ids, type, role, model, usage."""
        if reply.status != 200:
            return reply
        number = next(self._ids)
        content = [dict(block) for block in reply.body.get("content", [])]
        for index, block in enumerate(content):
            if block.get("type") == "tool_use" and not block.get("id"):
                block["id"] = f"toolu_fake_{number:04d}_{index}"
        body = {
            "id": f"msg_fake_{number:04d}",
            "type": "message",
            "role": "assistant",
            "model": request.body.get("model"),
            "content": content,
            "stop_reason": reply.body.get("stop_reason", "end_turn"),
            "stop_sequence": None,
            "usage": {"input_tokens": len(json.dumps(request.body)) // 4,
                      "output_tokens": max(1, len(json.dumps(content)) // 4)},
        }
        return Reply(200, body, reply.headers, reply.delay)


def _check_tool_pairs(messages: list[dict[str, Any]]) -> Reply | None:
    """Like the real API: each assistant tool_use needs a tool_result in the next user message."""
    for index, message in enumerate(messages):
        content = message.get("content")
        if message.get("role") != "assistant" or not isinstance(content, list):
            continue
        wanted = {b.get("id") for b in content if b.get("type") == "tool_use"}
        following = messages[index + 1].get("content") if index + 1 < len(messages) else None
        answered = {b.get("tool_use_id") for b in following if b.get("type") == "tool_result"} \
            if isinstance(following, list) else set()
        if wanted - answered:
            return error_reply(400, f"messages.{index + 1}: tool_use ids were found without tool_result "
                                    "blocks immediately after")
    return None


def _handler_for(fake: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def _serve(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            request = RecordedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                      body, time.monotonic())
            reply = fake._answer(request)
            if reply.delay and fake._stopping.wait(reply.delay):
                self.close_connection = True
                return  # the server is stopping: drop the connection unanswered
            data = json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.send_header("request-id", f"req_fake_{len(fake.requests):04d}")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                self.close_connection = True  # the client gave up (timeout): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read `fake.requests` instead of the access log."""

    return Handler
