"""The WSGI middleware that shadows sampled requests, and hands the copies to the sender process.

On the shopper's thread: decide (method, route, sample, per-minute budget), keep the body
the app reads, pass the answer through untouched, and on `close()` put one tuple on a
bounded multiprocessing queue (dropped and counted when full). The sender process
(`sender.py`, spawned on the first sampled request, one per gunicorn worker) asks the
primary once more (P2) and the candidate twice (C1, C2), each signed, times each, and
writes the records: its Python runs under its own GIL at a lower priority, so the
shopper's threads do not wait for it. The shopper's status, headers and bytes are exactly
what the app produced. `multiprocessing` is imported only when the sender starts.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import queue
import random
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import record
from .sender import COUNTERS, FLUSH, INDEX, STOP, Counters
from .settings import ShadowSettings

log = logging.getLogger("shopbot.shadow")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Stats(Counters):
    """The counters of this worker and its sender; in shared memory once the sender starts."""

    def __init__(self) -> None:
        super().__init__([0] * len(COUNTERS))
        self._lock = threading.Lock()

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:  # the worker's threads share the shopper's counters
            self.values[INDEX[name]] += n

    def share(self, shared: Any) -> None:
        """Move the counts into `shared` (memory the sender process also sees)."""
        with self._lock:
            shared[:] = list(self.values)
            self.values = shared


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
    def __init__(self, app: WSGIApp, settings: ShadowSettings,
                 sample: Callable[[], float] = random.random) -> None:
        self.app = app
        self.settings = settings
        self.sample = sample
        self.stats = Stats()
        self.budget = Budget(settings.max_per_minute)
        self._start_lock = threading.Lock()
        self._pid = 0  # the process that started the sender (a fork must start its own)
        self._copies: Any = None
        self._sender: Any = None

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
        copied = {key: value for key, value in environ.items() if type(value) is str}  # the CGI part, picklable
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

    def _enqueue(self, environ: dict[str, str], body: bytes, seen: dict[str, Any], answer: bytes,
                 started: float) -> None:
        took_ms = (time.perf_counter() - started) * 1000
        copies = self._copies if self._pid == os.getpid() and self._sender.is_alive() else self._start_sender()
        try:  # pickled and written to the sender by the queue's feeder thread, not here
            copies.put_nowait((time.time(), environ, body, seen.get("status", ""), seen.get("headers", []),
                               answer, took_ms))
        except queue.Full:
            self.stats.add("dropped_queue_full")

    def _start_sender(self) -> Any:
        """Start (or restart, if it died) this process's sender; the queue and counters are made once."""
        import atexit
        import multiprocessing

        from . import sender

        with self._start_lock:
            context = multiprocessing.get_context("spawn")  # a fork would inherit the shoppers' sockets
            if self._pid != os.getpid():
                self._copies = context.Queue(self.settings.queue_size)
                self.stats.share(context.RawArray("q", len(COUNTERS)))
                self._pid, self._sender = os.getpid(), None
                atexit.register(self.close)
            if self._sender is None or not self._sender.is_alive():
                self._sender = context.Process(
                    target=sender.run, name="shopbot-shadow-sender", daemon=True,
                    args=(self.settings, self._copies, self.stats.values, os.getpid()))
                self._sender.start()
            return self._copies

    # --- the sender process (sender.py) ----------------------------------------------------

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until the sender has handled everything queued and written it (tests, benches)."""
        if self._pid != os.getpid():
            return  # nothing was ever queued by this process
        deadline = time.monotonic() + timeout
        flushes = self.stats.values[INDEX["flushes"]]
        try:
            self._copies.put(FLUSH, timeout=timeout)
        except queue.Full:
            return
        while self.stats.values[INDEX["flushes"]] <= flushes and time.monotonic() < deadline:
            if not self._sender.is_alive():
                return
            time.sleep(0.01)

    def close(self, timeout: float = 5.0) -> None:
        """At the worker's exit: the sender sends what is queued, writes the batch, and exits.

        Past `timeout` it is told to write what it has now (SIGUSR1), then killed."""
        if self._pid != os.getpid() or self._sender is None or not self._sender.is_alive():
            return
        with contextlib.suppress(queue.Full, ValueError, OSError):
            self._copies.put(STOP, timeout=timeout)
        self._sender.join(timeout)
        if self._sender.is_alive():
            with contextlib.suppress(OSError):
                os.kill(self._sender.pid, signal.SIGUSR1)
            self._sender.join(2.0)
        if self._sender.is_alive():
            self._sender.kill()
            self._sender.join(1.0)
        unsent = self._copies.qsize()
        if unsent:  # what is still queued has no reader: do not write it into a closed pipe at exit
            log.warning("shadowing: %d copies were not sent before the worker exited", unsent)
            with self._copies._notempty:
                self._copies._buffer.clear()
        self._copies.cancel_join_thread()


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
