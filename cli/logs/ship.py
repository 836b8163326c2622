"""Sends a served target's log lines to CloudWatch Logs, as Lambda and the awslogs driver do.

`put(stream, line)` only appends to a bounded buffer: it never blocks and never raises, so
logging can never slow or stop the target. A background thread sends what is buffered at
most every `interval` seconds and once more on `close()`, one PutLogEvents per stream and
batch, creating the group and stream on first use. When CloudWatch Logs cannot be reached
the lines are dropped and counted, and the failure is said once (not per line); a full
buffer drops its oldest lines, counted too.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

CAPACITY = 10_000              # lines buffered at most (the oldest go first when full)
BATCH_EVENTS = 10_000          # PutLogEvents' limits: events per call,
BATCH_BYTES = 1_048_576        # bytes per call, counting
EVENT_OVERHEAD = 26            # 26 bytes per event,
MAX_MESSAGE_BYTES = 262_144 - EVENT_OVERHEAD  # and one event's size

Event = dict[str, Any]


def batches(events: list[Event]) -> Iterator[list[Event]]:
    """`events` cut into PutLogEvents-sized calls, in order."""
    batch: list[Event] = []
    size = 0
    for event in events:
        cost = len(event["message"].encode()) + EVENT_OVERHEAD
        if batch and (len(batch) >= BATCH_EVENTS or size + cost > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += cost
    if batch:
        yield batch


def event(timestamp_ms: int, line: str) -> Event:
    """One log event; a line beyond CloudWatch's event size is cut (as the awslogs driver splits)."""
    data = line.encode(errors="replace")
    if len(data) > MAX_MESSAGE_BYTES:
        line = data[:MAX_MESSAGE_BYTES].decode(errors="ignore")
    return {"timestamp": timestamp_ms, "message": line or " "}  # CloudWatch refuses an empty message


class LogShipper:
    """One log group's streams, shipped from a daemon thread; `close()` sends what is left."""

    def __init__(self, client: Any, group: str, *, warn: Callable[[str], None], interval: float = 1.0,
                 capacity: int = CAPACITY) -> None:
        self.client, self.group = client, group
        self._warn = warn
        self._interval, self._capacity = interval, capacity
        self._buffer: deque[tuple[str, int, str]] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._created: set[str] = set()  # streams known to exist; "" is the group itself
        self._failed = False
        self._sending = 0  # lines taken from the buffer by the flush in progress
        self.sent = 0
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name=f"log-shipper {group}", daemon=True)

    def start(self) -> LogShipper:
        self._thread.start()
        return self

    def put(self, stream: str, line: str) -> None:
        """Buffer one line for `stream` (never blocks on the network, never raises)."""
        line = line[:MAX_MESSAGE_BYTES]  # no event holds more: the buffer stays bounded in bytes too
        with self._lock:
            if len(self._buffer) >= self._capacity:
                self._buffer.popleft()
                self.dropped += 1
            self._buffer.append((stream, int(time.time() * 1000), line))

    def close(self, timeout: float = 5.0) -> None:
        """Send what is buffered (waiting up to `timeout`), then say what was lost, if anything."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._thread.is_alive():  # CloudWatch Logs is still not answering: what it holds is lost
            with self._lock:
                self.dropped += self._sending + len(self._buffer)
                self._buffer.clear()
            self._warn(f"CloudWatch Logs {self.group} did not answer within {timeout:g} s")
        if self.dropped:
            self._warn(f"{self.dropped} log line(s) never reached CloudWatch Logs {self.group}")

    def _run(self) -> None:
        while True:
            stopping = self._stop.wait(self._interval)
            self.flush()
            if stopping:
                return

    def flush(self) -> None:
        """Send everything buffered now, one stream after another."""
        with self._lock:
            pending, self._buffer = self._buffer, deque()
            self._sending = len(pending)
        streams: dict[str, list[Event]] = {}
        for stream, timestamp_ms, line in pending:
            streams.setdefault(stream, []).append(event(timestamp_ms, line))
        for stream, events in streams.items():
            self._send(stream, sorted(events, key=lambda item: int(item["timestamp"])))
            with self._lock:
                self._sending -= len(events)

    def _send(self, stream: str, events: list[Event]) -> None:
        left = len(events)
        try:
            self._ensure(stream)
            for batch in batches(events):
                self.client.put_log_events(logGroupName=self.group, logStreamName=stream, logEvents=batch)
                left -= len(batch)
                self.sent += len(batch)
        except Exception as error:  # any failure here must cost lines, never the served target
            with self._lock:
                self.dropped += left
            if not self._failed:
                self._failed = True
                self._warn(f"cannot ship logs to CloudWatch Logs {self.group} ({_short(error)}): dropping "
                           "log lines while it fails; the target keeps serving")

    def _ensure(self, stream: str) -> None:
        exists = self.client.exceptions.ResourceAlreadyExistsException
        if "" not in self._created:
            with contextlib.suppress(exists):
                self.client.create_log_group(logGroupName=self.group)
            self._created.add("")
        if stream not in self._created:
            with contextlib.suppress(exists):
                self.client.create_log_stream(logGroupName=self.group, logStreamName=stream)
            self._created.add(stream)


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
