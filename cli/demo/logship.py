"""The demo's stand-in for the awslogs driver and Lambda's log shipping.

On AWS, a function's output (START/END/REPORT lines included) and a container's stdout
reach CloudWatch Logs without the service doing anything. Locally the two targets write
to files under the demo's `logs/`; this copies what is new in each file into the local
AWS's CloudWatch Logs (one stream per target), so `shopbot logs` reads them as it would
on AWS. The emulator itself does not write to CloudWatch Logs (yet).
"""

from __future__ import annotations

import time
from contextlib import suppress
from pathlib import Path
from typing import Any

BATCH = 1000  # PutLogEvents takes up to 10,000 events / 1 MB; small batches stay far below


class LogShipper:
    def __init__(self, logs: Any, group: str, path: Path, stream: str = "local") -> None:
        self.logs, self.group, self.path, self.stream = logs, group, path, stream
        self._offset = 0
        self._ready = False

    def _ensure(self) -> None:
        if self._ready:
            return
        with suppress(self.logs.exceptions.ResourceAlreadyExistsException):
            self.logs.create_log_group(logGroupName=self.group)
        with suppress(self.logs.exceptions.ResourceAlreadyExistsException):
            self.logs.create_log_stream(logGroupName=self.group, logStreamName=self.stream)
        self._ready = True

    def ship(self) -> int:
        """Copy the lines written since the last call; returns how many."""
        self._ensure()
        try:
            with self.path.open("rb") as source:
                source.seek(self._offset)
                data = source.read()
        except OSError:
            return 0
        complete = data[: data.rfind(b"\n") + 1]
        self._offset += len(complete)
        lines = [line for line in complete.decode(errors="replace").splitlines() if line.strip()]
        now = int(time.time() * 1000)
        for start in range(0, len(lines), BATCH):
            events = [{"timestamp": now, "message": line} for line in lines[start:start + BATCH]]
            self.logs.put_log_events(logGroupName=self.group, logStreamName=self.stream, logEvents=events)
        return len(lines)
