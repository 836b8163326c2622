"""The WSGI middleware that shadows sampled requests, and the worker that sends the copies.

On the shopper's thread: decide (method, route, sample, per-minute budget), keep the body
the app reads, pass the answer through untouched, and on `close()` put one tuple on a
bounded queue (dropped and counted when full). On the worker thread: ask the primary once
more (P2) and the candidate twice (C1, C2), each signed, time each, and add the record to
the sink. The shopper's status, headers and bytes are exactly what the app produced.
"""

from __future__ import annotations

import http.client
import io
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

from . import SHADOW_HEADER, record, signing
from .settings import ShadowSettings
from .sink import BatchSink, writer_for

log = logging.getLogger("shopbot.shadow")
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host",
                        "content-length", "proxy-connection", "trailer"})
COUNTERS = ("sampled", "dropped_budget", "dropped_queue_full", "sent", "timeouts", "errors",
            "pairs", "sink_errors")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts = dict.fromkeys(COUNTERS, 0)

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.counts[name] += n

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)


class Budget:
    """At most `per_minute` shadowed requests in each clock minute."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.per_minute, self.clock = per_minute, clock
        self._minute, self._used = -1, 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        minute = int(self.clock() // 60)
        with self._lock:
            if minute != self._minute:
                self._minute, self._used = minute, 0
            if self._used >= self.per_minute:
                return False
            self._used += 1
            return True


class _Tee:
    """Yields the app's chunks unchanged; on close hands the collected body to `done`."""

    def __init__(self, result: Iterable[bytes], done: Callable[[bytes], None]) -> None:
        self._result, self._done = result, done
        self._chunks: list[bytes] = []

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._result:
            self._chunks.append(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self._result, "close", None)
            if close is not None:
                close()
        finally:
            self._done(b"".join(self._chunks))


class ShadowMirror:
    def __init__(self, app: WSGIApp, settings: ShadowSettings, sink: BatchSink | None = None,
                 sample: Callable[[], float] = random.random) -> None:
        self.app = app
        self.settings = settings
        self.sink = sink or BatchSink(writer_for(settings.sink), settings.max_object_bytes, settings.batch_seconds)
        self.sample = sample
        self.stats = Stats()
        self.budget = Budget(settings.max_per_minute)
        self.queue: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=settings.queue_size)
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()

    # --- the shopper's thread -------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self._chosen(environ):
            return self.app(environ, start_response)
        length = environ.get("CONTENT_LENGTH") or "0"
        body = environ["wsgi.input"].read(int(length)) if length.isdigit() and int(length) > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"], seen["headers"] = status, list(headers)
            return start_response(status, headers, exc_info)

        started = time.perf_counter()
        result = self.app(environ, capture)
        copied = environ.copy()  # read on the worker, not here
        return _Tee(result, lambda answer: self._enqueue(copied, body, seen, answer, started))

    def _chosen(self, environ: dict[str, Any]) -> bool:
        s = self.settings
        if environ.get("REQUEST_METHOD", "") not in s.methods or "HTTP_X_SHOPBOT_SHADOW" in environ:
            return False
        if not environ.get("PATH_INFO", "").startswith(s.routes) or self.sample() >= s.sample_rate:
            return False
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > record.MAX_BODY:
            return False
        self.stats.add("sampled")
        if not self.budget.take():
            self.stats.add("dropped_budget")
            return False
        return True

    def _enqueue(self, environ: dict[str, Any], body: bytes, seen: dict[str, Any], answer: bytes,
                 started: float) -> None:
        took_ms = (time.perf_counter() - started) * 1000
        try:
            self.queue.put_nowait((time.time(), environ, body, seen.get("status", ""), seen.get("headers", []),
                                   answer, took_ms))
        except queue.Full:
            self.stats.add("dropped_queue_full")
            return
        self._ensure_worker()

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            with self._start_lock:
                if self._worker is None or not self._worker.is_alive():
                    self._worker = threading.Thread(target=self._run, name="shopbot-shadow", daemon=True)
                    self._worker.start()

    # --- the worker thread ----------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                item = self.queue.get(timeout=min(5.0, self.settings.batch_seconds / 2))
            except queue.Empty:
                self._flush_if_due()
                continue
            try:
                self.shadow(*item)
            except Exception:  # the worker must outlive any one request
                log.exception("shadow worker failed on one request")
                self.stats.add("errors")
            finally:
                self.queue.task_done()
            self._flush_if_due()

    def shadow(self, at: float, environ: dict[str, Any], body: bytes, status: str,
               headers: list[tuple[str, str]], answer: bytes, took_ms: float) -> None:
        """Send P2, C1, C2 for one sampled request and add the record to the sink."""
        request = _request_of(environ, body)
        code = int(status[:3]) if status[:3].isdigit() else None
        answers = {"P1": record.answer(code, headers, answer, took_ms)}
        for tag, base in (("p2", self.settings.primary_url), ("c1", self.settings.target_url),
                          ("c2", self.settings.target_url)):
            answers[tag.upper()] = self._send(base, request, tag)
        entry = {
            "kind": "pair", "at": at, "method": request["method"], "path": request["path"],
            "query": record.masked_query(request["query"]),
            "headers": record.stored_headers(request["headers"]),
            "body": record.stored_body(request["body"], record.content_type_of(request["headers"])),
            "answers": answers,
        }
        self.stats.add("pairs")
        try:
            self.sink.add(entry, self.stats.snapshot())
        except Exception as error:
            self.stats.add("sink_errors")
            log.warning("shadow sink failed: %s", type(error).__name__)

    def _send(self, base: str, request: dict[str, Any], tag: str) -> dict[str, Any]:
        url = urlsplit(base)
        connection_type = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        headers = {name: value for name, value in request["headers"] if name.lower() not in HOP_BY_HOP}
        headers[SHADOW_HEADER] = signing.sign(self.settings.signing_key, request["method"], request["path"],
                                              request["body"], tag)
        target = url.path.rstrip("/") + quote(request["path"]) + (f"?{request['query']}" if request["query"] else "")
        started = time.perf_counter()
        self.stats.add("sent")
        connection = connection_type(url.hostname or "", url.port, timeout=self.settings.timeout_seconds)
        try:
            connection.request(request["method"], target, body=request["body"] or None, headers=headers)
            reply = connection.getresponse()
            body = reply.read(record.MAX_BODY + 1)
            took = (time.perf_counter() - started) * 1000
            return record.answer(reply.status, reply.getheaders(), body, took)
        except TimeoutError:
            self.stats.add("timeouts")
            return record.answer(None, [], b"", (time.perf_counter() - started) * 1000, error="timeout")
        except (OSError, http.client.HTTPException) as error:
            self.stats.add("errors")
            return record.answer(None, [], b"", (time.perf_counter() - started) * 1000, error=type(error).__name__)
        finally:
            connection.close()

    def _flush_if_due(self) -> None:
        if not self.sink.due():
            return
        try:
            self.sink.flush(self.stats.snapshot())
        except Exception as error:
            self.stats.add("sink_errors")
            log.warning("shadow sink failed: %s", type(error).__name__)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait for queued requests, then write what is collected (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            self.sink.flush(self.stats.snapshot())
        except Exception:
            self.stats.add("sink_errors")


def _request_of(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    headers = [(key[5:].replace("_", "-").title(), value) for key, value in environ.items() if key.startswith("HTTP_")]
    if environ.get("CONTENT_TYPE"):
        headers.append(("Content-Type", environ["CONTENT_TYPE"]))
    path = environ.get("PATH_INFO", "/").encode("latin-1", "replace").decode("utf-8", "replace")  # as Flask sees it
    return {"method": environ["REQUEST_METHOD"], "path": path,
            "query": environ.get("QUERY_STRING", ""), "headers": headers, "body": body}


def install(app: Any) -> ShadowMirror:
    """Wrap a Flask app's WSGI callable (gunicorn's entry point calls this on ECS)."""
    app.extensions["shopbot"].settings()  # SHADOW_SIGNING_KEY may live in the secret
    settings = ShadowSettings.from_env()
    if settings is None:
        raise RuntimeError("install() needs SHADOW_TARGET_URL")
    mirror = ShadowMirror(app.wsgi_app, settings)
    app.wsgi_app = mirror
    app.extensions["shopbot.shadow"] = mirror
    log.info("shadowing %.1f%% of %s %s to %s", settings.sample_rate * 100, ",".join(settings.methods),
             ",".join(settings.routes), settings.target_url)
    return mirror
