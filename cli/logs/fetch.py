"""Read both targets' log groups through CloudWatch Logs (FilterLogEvents), once or following.

Following polls every `interval` seconds from a little before the newest line seen
(CloudWatch ingests late: a line can arrive seconds after a later one), and event ids
already shown are skipped, so nothing repeats and a late line is still shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..aws import AwsClients
from ..aws.logs import filter_events
from .lines import LogLine, Match, from_event, merged
from .summary import Report, parse_report

MAX_EVENTS = 50_000            # per target and read: a bound on memory, said when reached
LATE_ARRIVAL_MS = 30_000       # how far back each follow poll looks again
SETTING = {"lambda": "lambda_log_group", "ecs": "ecs_log_group"}


@dataclass
class Fetched:
    lines: list[LogLine]
    groups: dict[str, str]
    dropped: dict[str, int] = field(default_factory=dict)  # older lines beyond --limit, per target
    capped: list[str] = field(default_factory=list)         # targets that hit MAX_EVENTS

    def as_dict(self) -> dict[str, Any]:
        return {"groups": self.groups, "dropped": self.dropped, "capped": self.capped,
                "events": [line.as_dict() for line in self.lines]}


def _read_group(client: Any, target: str, group: str, start_ms: int, match: Match) -> tuple[list[LogLine], bool]:
    """The group's matching lines, oldest first, and whether MAX_EVENTS cut the read short."""
    lines: list[LogLine] = []
    capped = False
    for event in filter_events(client, group, start_ms=start_ms, pattern=match.pattern, setting=SETTING[target]):
        line = from_event(target, event)
        if match.keeps(line.message):
            lines.append(line)
        if len(lines) >= MAX_EVENTS:
            capped = True
            break
    return sorted(lines, key=lambda line: line.timestamp_ms), capped


def read(clients: AwsClients, groups: dict[str, str], *, start_ms: int, match: Match, limit: int) -> Fetched:
    """The newest `limit` lines of each target since `start_ms`, merged in time order."""
    client = clients.client("logs")
    per_target: list[list[LogLine]] = []
    fetched = Fetched([], groups)
    for target, group in groups.items():
        lines, capped = _read_group(client, target, group, start_ms, match)
        if capped:
            fetched.capped.append(target)
        if len(lines) > limit:
            fetched.dropped[target] = len(lines) - limit
            lines = lines[-limit:]
        per_target.append(lines)
    fetched.lines = merged(*per_target)
    return fetched


def read_reports(clients: AwsClients, group: str, *, start_ms: int) -> tuple[list[Report], bool]:
    """Every Lambda REPORT line since `start_ms` (the server filters: only these lines travel)."""
    only_reports = Match(pattern='"REPORT RequestId"', phrases=("REPORT RequestId",))
    lines, capped = _read_group(clients.client("logs"), "lambda", group, start_ms, only_reports)
    reports = [report for line in lines if (report := parse_report(line.message)) is not None]
    return reports, capped


@dataclass
class Follower:
    """Polls each group and hands every new line, once, to `emit`."""

    clients: AwsClients
    groups: dict[str, str]
    match: Match
    start_ms: int
    _seen: dict[tuple[str, str], int] = field(default_factory=dict)  # (target, event id) -> timestamp
    _newest: dict[str, int] = field(default_factory=dict)   # target -> newest timestamp shown

    def poll(self) -> list[LogLine]:
        client = self.clients.client("logs")
        fresh: list[list[LogLine]] = []
        for target, group in self.groups.items():
            since = max(self.start_ms, self._newest.get(target, self.start_ms) - LATE_ARRIVAL_MS)
            lines, _ = _read_group(client, target, group, since, self.match)
            new = [line for line in lines if (target, line.event_id) not in self._seen]
            for line in new:
                self._seen[(target, line.event_id)] = line.timestamp_ms
                self._newest[target] = max(self._newest.get(target, 0), line.timestamp_ms)
            fresh.append(new)
        self._forget_old()
        return merged(*fresh)

    def _forget_old(self) -> None:
        oldest = min(self._newest.values(), default=self.start_ms) - 2 * LATE_ARRIVAL_MS
        self._seen = {key: ts for key, ts in self._seen.items() if ts >= oldest}

    def run(self, emit: Callable[[LogLine], None], *, interval: float,
            until: Callable[[], bool] = lambda: False) -> None:
        while not until():
            for line in self.poll():
                emit(line)
            time.sleep(interval)
