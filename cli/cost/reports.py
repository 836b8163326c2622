"""Measured Lambda durations from REPORT lines (CloudWatch Logs exports, or the log of a local
`shopbot serve --target lambda` run, which prints the same lines).

    REPORT RequestId: 8f5...  Duration: 12.34 ms  Billed Duration: 13 ms  Memory Size: 512 MB
    Max Memory Used: 80 MB  Init Duration: 345.67 ms

A line may carry a prefix (a CloudWatch timestamp); anything that is not a REPORT line is
ignored. Since 1 August 2025 AWS bills the INIT phase of on-demand functions on managed
runtimes too, so init time is kept and priced.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .traffic import TrafficError, _expand, _lines

_REPORT = re.compile(
    r"REPORT RequestId: \S+\s+Duration: (?P<duration>\d{1,9}(?:\.\d+)?) ms\s+"
    r"Billed Duration: (?P<billed>\d{1,9}) ms\s+Memory Size: (?P<memory>\d{1,6}) MB"
    r"(?:\s+Max Memory Used: (?P<used>\d{1,6}) MB)?(?:\s+Init Duration: (?P<init>\d{1,9}(?:\.\d+)?) ms)?"
)


@dataclass
class Durations:
    """REPORT lines of one memory size, summed."""

    memory_mb: int = 0
    count: int = 0
    duration_ms: float = 0.0
    billed_ms: float = 0.0
    init_count: int = 0
    init_ms: float = 0.0
    max_used_mb: int = 0
    other_sizes: Counter[int] = field(default_factory=Counter)   # lines of other memory sizes, left out

    @property
    def mean_ms(self) -> float:
        return self.duration_ms / self.count if self.count else 0.0

    @property
    def init_ms_per_request(self) -> float:
        return self.init_ms / self.count if self.count else 0.0


def parse_reports(lines: Iterable[str]) -> Durations:
    """Sum the REPORT lines; with several memory sizes, keep the most common one."""
    by_size: dict[int, Durations] = {}
    for line in lines:
        if "REPORT RequestId:" not in line:
            continue
        for match in _REPORT.finditer(line):   # `aws logs ... --output text` joins several on one line
            _add(by_size, match)
    if not by_size:
        return Durations()
    chosen = max(by_size.values(), key=lambda d: d.count)
    chosen.other_sizes = Counter({size: d.count for size, d in by_size.items() if size != chosen.memory_mb})
    return chosen


def _add(by_size: dict[int, Durations], match: re.Match[str]) -> None:
    memory = int(match["memory"])
    duration = float(match["duration"])
    if memory <= 0 or not math.isfinite(duration):
        return
    stats = by_size.setdefault(memory, Durations(memory_mb=memory))
    stats.count += 1
    stats.duration_ms += duration
    stats.billed_ms += int(match["billed"])
    stats.max_used_mb = max(stats.max_used_mb, int(match["used"] or 0))
    if match["init"]:
        stats.init_count += 1
        stats.init_ms += float(match["init"])


def read_reports(paths: Sequence[Path]) -> Durations:
    """REPORT lines from files or folders; none at all is an error naming the flag."""
    durations = parse_reports(line for path in _expand(paths) for line in _lines(path))
    if durations.count == 0:
        names = ", ".join(str(p) for p in paths)
        raise TrafficError(f"{names}: no Lambda REPORT lines found (export the function's CloudWatch log "
                           "group, or the log of `shopbot serve --target lambda`, and pass it to --lambda-logs)")
    return durations
