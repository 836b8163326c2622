"""The sender process: asks P2, C1 and C2 for each copy and writes the pairs, off the shopper's cores.

One per gunicorn worker, spawned on the worker's first sampled request (`mirror` starts it),
at a lower CPU priority (nice 10), with its own GIL: the ~1 ms of Python per copy set
(three HTTP exchanges, masking, the JSONL line) no longer holds the lock the shopper's
threads need. Copies arrive on a bounded multiprocessing queue; counters live in shared
memory so the worker's `stats` and the batch's stats line both see every count.

It stops when the worker puts `STOP` on the queue (after everything queued before it is
sent and written), or within half a second of the worker disappearing (killed): then it
writes what it has collected and exits. SIGINT and SIGTERM sent to the whole process group
are ignored so the worker decides when the queue is finished.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import queue
import signal
import socket
import time
from typing import Any
from urllib.parse import quote, urlsplit

from . import SHADOW_HEADER, record, signing
from .settings import ShadowSettings
from .sink import BatchSink, writer_for

log = logging.getLogger("shopbot.shadow")
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host",
                        "content-length", "proxy-connection", "trailer"})
COUNTERS = ("sampled", "dropped_budget", "dropped_queue_full", "sent", "timeouts", "errors",
            "pairs", "sink_errors", "flushes")
INDEX = {name: n for n, name in enumerate(COUNTERS)}
STOP, FLUSH = "stop", "flush"
NICE = 10
POLL_SECONDS = 0.5


class Counters:
    """Named counters over an indexable of ints (a list, or shared memory between the two processes).

    Each counter has one writer: the worker's threads (under the worker's lock) write the
    shopper's side (sampled, drops), the sender's single thread the rest.
    """

    def __init__(self, values: Any) -> None:
        self.values = values

    def add(self, name: str, n: int = 1) -> None:
        self.values[INDEX[name]] += n

    def snapshot(self) -> dict[str, int]:
        values = list(self.values)
        return {name: values[n] for n, name in enumerate(COUNTERS) if name != "flushes"}


class Sender:
    """Sends the three copies of one request over kept-alive connections and adds the record to the sink."""

    def __init__(self, settings: ShadowSettings, counters: Counters, sink: BatchSink) -> None:
        self.settings, self.counters, self.sink = settings, counters, sink
        self._connections: dict[str, http.client.HTTPConnection] = {}

    def shadow(self, at: float, environ: dict[str, str], body: bytes, status: str, headers: list[tuple[str, str]],
               answer: bytes, took_ms: float) -> None:
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
        self.counters.add("pairs")
        try:
            self.sink.add(entry, self.counters.snapshot())
        except Exception as error:
            self.counters.add("sink_errors")
            log.warning("shadow sink failed: %s", type(error).__name__)

    def _connection(self, base: str) -> tuple[http.client.HTTPConnection, bool]:
        """The kept-alive connection to `base`, and whether it was used before (it may have gone stale)."""
        connection = self._connections.get(base)
        if connection is not None:
            return connection, True
        url = urlsplit(base)
        connection_type = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        connection = connection_type(url.hostname or "", url.port, timeout=self.settings.timeout_seconds)
        self._connections[base] = connection
        return connection, False

    def _drop(self, base: str) -> None:
        connection = self._connections.pop(base, None)
        if connection is not None:
            connection.close()

    def _send(self, base: str, request: dict[str, Any], tag: str) -> dict[str, Any]:
        headers = {name: value for name, value in request["headers"] if name.lower() not in HOP_BY_HOP}
        target = urlsplit(base).path.rstrip("/") + quote(request["path"]) + (
            f"?{request['query']}" if request["query"] else "")
        started = time.perf_counter()
        self.counters.add("sent")
        for _attempt in range(2):  # a kept-alive connection the server closed meanwhile is retried once, fresh
            connection, reused = self._connection(base)
            headers[SHADOW_HEADER] = signing.sign(self.settings.signing_key, request["method"], request["path"],
                                                  request["body"], tag)
            try:
                connection.request(request["method"], target, body=request["body"] or None, headers=headers)
                reply = connection.getresponse()
                body = reply.read(record.MAX_BODY + 1)
                if not reply.isclosed() or reply.will_close:  # not read to the end, or the server ends it
                    self._drop(base)
                took = (time.perf_counter() - started) * 1000
                return record.answer(reply.status, reply.getheaders(), body, took)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
                self._drop(base)
                if reused:
                    continue
                return self._failed("errors", type(error).__name__, started)
            except TimeoutError:
                self._drop(base)
                return self._failed("timeouts", "timeout", started)
            except (OSError, http.client.HTTPException) as error:
                self._drop(base)
                return self._failed("errors", type(error).__name__, started)
        raise AssertionError("unreachable: the second attempt always returns")  # pragma: no cover

    def _failed(self, counter: str, error: str, started: float) -> dict[str, Any]:
        self.counters.add(counter)
        return record.answer(None, [], b"", (time.perf_counter() - started) * 1000, error=error)

    def flush(self, always: bool = False) -> None:
        try:
            self.sink.flush(self.counters.snapshot(), always)
        except Exception as error:
            self.counters.add("sink_errors")
            log.warning("shadow sink failed: %s", type(error).__name__)

    def flush_if_due(self) -> None:
        if self.sink.due():
            self.flush()

    def close(self) -> None:
        for base in list(self._connections):
            self._drop(base)

def _request_of(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    headers = [(key[5:].replace("_", "-").title(), value) for key, value in environ.items() if key.startswith("HTTP_")]
    if environ.get("CONTENT_TYPE"):
        headers.append(("Content-Type", environ["CONTENT_TYPE"]))
    path = environ.get("PATH_INFO", "/").encode("latin-1", "replace").decode("utf-8", "replace")  # as Flask sees it
    return {"method": environ["REQUEST_METHOD"], "path": path,
            "query": environ.get("QUERY_STRING", ""), "headers": headers, "body": body}


def _finish_now(signum: int, frame: Any) -> None:
    raise SystemExit(0)  # `run`'s finally still writes what was collected


def run(settings: ShadowSettings, copies: Any, shared: Any, worker_pid: int) -> None:
    """The sender process's main loop (the target of the spawned process)."""
    for name in ("SIGINT", "SIGTERM"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    signal.signal(signal.SIGUSR1, _finish_now)  # the worker's exit waited long enough (mirror.close)
    with contextlib.suppress(OSError):
        os.nice(NICE)  # the shopper's threads win the cores
    counters = Counters(shared)
    sink = BatchSink(writer_for(settings.sink), settings.max_object_bytes, settings.batch_seconds)
    sink.origin = f"{socket.gethostname()}-{worker_pid}"  # one batch per worker, as before the sender process
    sender = Sender(settings, counters, sink)
    poll = min(POLL_SECONDS, settings.batch_seconds / 2)
    try:
        while True:
            try:
                item = copies.get(timeout=poll)
            except queue.Empty:
                if os.getppid() != worker_pid:  # the worker is gone (killed): keep what was collected
                    break
                sender.flush_if_due()
                continue
            if item == STOP:
                break
            if item == FLUSH:
                sender.flush()
                counters.add("flushes")
                continue
            try:
                sender.shadow(*item)
            except Exception:  # the sender must outlive any one request
                log.exception("shadow sender failed on one request")
                counters.add("errors")
            sender.flush_if_due()
    finally:
        sender.flush(always=True)  # the counters, even if the copy in flight is lost
        sender.close()
