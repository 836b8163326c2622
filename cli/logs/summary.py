"""Pure: Lambda `REPORT` lines -> cold starts, init and billed durations, memory headroom.

A REPORT line (one per invocation, written by the Lambda platform):
`REPORT RequestId: <id>\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\t
Max Memory Used: 81 MB\tInit Duration: 301.22 ms` (Init Duration only on a cold start).
Percentiles are nearest-rank and withheld (None) below `MIN_FOR_P99` samples: a p99 of
five numbers is just the maximum, and saying so is more honest than printing it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

MIN_FOR_P99 = 20
_FIELD = re.compile(r"(Duration|Billed Duration|Memory Size|Max Memory Used|Init Duration|Status):\s*([^\t]+)")
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|MB)?\s*$")


@dataclass(frozen=True)
class Report:
    request_id: str
    duration_ms: float | None
    billed_ms: float | None
    memory_size_mb: float | None
    max_memory_mb: float | None
    init_ms: float | None
    status: str | None

    @property
    def cold(self) -> bool:
        return self.init_ms is not None


def parse_report(message: str) -> Report | None:
    """A REPORT line -> Report; None for any other line (or a REPORT too broken to read)."""
    text = message.strip()
    if not text.startswith("REPORT RequestId:"):
        return None
    request_id = text[len("REPORT RequestId:"):].split("\t", 1)[0].strip()
    values: dict[str, float] = {}
    status = None
    for name, raw in _FIELD.findall(text):
        if name == "Status":
            status = raw.strip()
            continue
        number = _NUMBER.match(raw)
        if number and math.isfinite(float(number.group(1))):
            values.setdefault(name, float(number.group(1)))
    if "Duration" not in values and "Billed Duration" not in values:
        return None
    return Report(request_id, values.get("Duration"), values.get("Billed Duration"), values.get("Memory Size"),
                  values.get("Max Memory Used"), values.get("Init Duration"), status)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _p99(values: list[float]) -> float | None:
    return percentile(values, 0.99) if len(values) >= MIN_FOR_P99 else None


@dataclass(frozen=True)
class Summary:
    invocations: int
    cold_starts: int
    init_p50_ms: float | None
    init_p99_ms: float | None
    duration_p50_ms: float | None
    duration_p99_ms: float | None
    billed_total_ms: float
    billed_p50_ms: float | None
    billed_p99_ms: float | None
    max_memory_used_mb: float | None
    memory_size_mb: float | None
    timeouts: int
    errors: int

    @property
    def memory_share(self) -> float | None:
        if self.max_memory_used_mb is None or not self.memory_size_mb:
            return None
        return self.max_memory_used_mb / self.memory_size_mb

    def as_dict(self) -> dict[str, Any]:
        return {
            "invocations": self.invocations,
            "cold_starts": self.cold_starts,
            "cold_start_rate": self.cold_starts / self.invocations if self.invocations else None,
            "init_duration_ms": {"p50": self.init_p50_ms, "p99": self.init_p99_ms},
            "duration_ms": {"p50": self.duration_p50_ms, "p99": self.duration_p99_ms},
            "billed_duration_ms": {"total": self.billed_total_ms, "p50": self.billed_p50_ms, "p99": self.billed_p99_ms},
            "memory_mb": {"max_used": self.max_memory_used_mb, "configured": self.memory_size_mb,
                          "share": self.memory_share},
            "timeouts": self.timeouts,
            "errors": self.errors,
            "p99_needs_samples": MIN_FOR_P99,
        }


def summarize(reports: list[Report]) -> Summary:
    inits = [r.init_ms for r in reports if r.init_ms is not None]
    durations = [r.duration_ms for r in reports if r.duration_ms is not None]
    billed = [r.billed_ms for r in reports if r.billed_ms is not None]
    used = [r.max_memory_mb for r in reports if r.max_memory_mb is not None]
    sizes = [r.memory_size_mb for r in reports if r.memory_size_mb is not None]
    return Summary(
        invocations=len(reports),
        cold_starts=len(inits),
        init_p50_ms=percentile(inits, 0.5),
        init_p99_ms=_p99(inits),
        duration_p50_ms=percentile(durations, 0.5),
        duration_p99_ms=_p99(durations),
        billed_total_ms=sum(billed),
        billed_p50_ms=percentile(billed, 0.5),
        billed_p99_ms=_p99(billed),
        max_memory_used_mb=max(used) if used else None,
        memory_size_mb=sizes[-1] if sizes else None,  # the latest configuration seen
        timeouts=sum(r.status == "timeout" for r in reports),
        errors=sum(r.status == "error" for r in reports),
    )
