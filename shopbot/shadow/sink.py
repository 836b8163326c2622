"""Where shadow records go: JSONL batches, one per process per period (a minute), size-capped.

`file:///folder` writes `shadow-<host>-<pid>-<period start>[-n].jsonl` there; `s3://bucket/prefix`
puts the same batches as objects (boto3 is imported only for an S3 sink). Each batch ends
with a `{"kind": "stats"}` line carrying the process's counters, which `shopbot shadow
status` reads. A sink that fails is counted, never raised into the worker.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit


class Writer(Protocol):
    def put(self, name: str, data: bytes) -> None: ...


class FolderWriter:
    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def put(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.partial"
        partial.write_bytes(data)
        partial.replace(self.folder / name)


class S3Writer:
    def __init__(self, bucket: str, prefix: str) -> None:
        import boto3

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = boto3.client("s3")

    def put(self, name: str, data: bytes) -> None:
        key = f"{self.prefix}/{name}" if self.prefix else name
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="application/x-ndjson")


def writer_for(sink: str) -> Writer:
    parts = urlsplit(sink)
    if parts.scheme == "s3":
        return S3Writer(parts.netloc, parts.path)
    return FolderWriter(parts.path)


class BatchSink:
    """Collects records for the current period; writes the batch when the period or the size rolls."""

    def __init__(self, writer: Writer, max_bytes: int, period_seconds: float = 60.0, clock: Any = time.time) -> None:
        self.writer = writer
        self.max_bytes = max_bytes
        self.period_seconds = period_seconds
        self.clock = clock
        self.origin = f"{socket.gethostname()}-{os.getpid()}"
        self._lines: list[bytes] = []
        self._size = 0
        self._minute = self._now_minute()
        self._part = 0

    def _now_minute(self) -> str:
        start = self.clock() // self.period_seconds * self.period_seconds
        return time.strftime("%Y%m%dT%H%M%S", time.gmtime(start))

    def add(self, record: dict[str, Any], stats: dict[str, int]) -> None:
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        if self._lines and (self._now_minute() != self._minute or self._size + len(line) > self.max_bytes):
            self.flush(stats)
        self._lines.append(line)
        self._size += len(line)

    def due(self) -> bool:
        return bool(self._lines) and self._now_minute() != self._minute

    def flush(self, stats: dict[str, int], always: bool = False) -> None:
        """Write what is collected (and the counters); raise what the writer raises.

        `always`: write the counters even with no record collected (a sender's last batch)."""
        if not self._lines and not always:
            return
        stats_line = json.dumps({"kind": "stats", "origin": self.origin, "at": self.clock(), **stats}).encode()
        suffix = f"-{self._part}" if self._part else ""
        name = f"shadow-{self.origin}-{self._minute}{suffix}.jsonl"
        data = b"".join(self._lines) + stats_line + b"\n"
        self._lines, self._size = [], 0
        minute = self._now_minute()
        self._part = self._part + 1 if minute == self._minute else 0
        self._minute = minute
        self.writer.put(name, data)
