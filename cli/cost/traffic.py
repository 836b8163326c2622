"""The service's traffic, measured from ALB access logs: when requests arrived, how long the
target worked on each (`target_processing_time`), the bytes, and the route.

Only the fields cost needs are read (the parity corpus reader keeps bodies' shape, not
times). Lines the ALB answered itself (target `-`, times `-1`: redirects, fixed responses,
TLS failures) are counted and left out: neither ECS nor Lambda did that work. A malformed
line is skipped and counted, its first example named, because a week of logs with one odd
line should still price; a file with no usable line at all is an error.

Everything is aggregated while reading (per minute, per second, per hour, per route), so a
week of logs never sits in memory.
"""

from __future__ import annotations

import gzip
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from ..errors import CliError, ExitStatus

ALB_TYPES = frozenset({"http", "https", "h2", "grpcs", "ws", "wss"})
_FIELD = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')
_ID_SEGMENT = re.compile(r"^(?:[0-9]+|[0-9a-fA-F]{8,}|[0-9a-fA-F-]{32,36})$")
# API Gateway HTTP API meters a request in 512 KB steps (request + response).
API_METER_BYTES = 512 * 1024
MAX_EXAMPLES = 3


class TrafficError(CliError):
    """Logs that give no traffic to price: one line naming the files and what to do."""

    status = ExitStatus.ERROR


@dataclass(frozen=True)
class Hit:
    """One request a target served."""

    arrival: float          # epoch seconds
    seconds: float          # target_processing_time
    received: int
    sent: int
    route: str              # "METHOD /path" with id-like segments as <id>


@dataclass
class RouteStats:
    count: int = 0
    seconds: float = 0.0
    bytes: int = 0


@dataclass
class Traffic:
    """Aggregates of the requests the targets served over the logs' period."""

    count: int = 0
    seconds: float = 0.0                  # sum of target_processing_time
    received: int = 0
    sent: int = 0
    api_units: int = 0                    # HTTP API metered requests (512 KB steps)
    first: float = math.inf
    last: float = -math.inf
    per_minute: dict[int, list[float]] = field(default_factory=dict)   # minute -> [count, seconds]
    per_second: Counter[int] = field(default_factory=Counter)
    per_hour: dict[int, list[float]] = field(default_factory=dict)     # hour -> [count, bytes]
    routes: dict[str, RouteStats] = field(default_factory=lambda: defaultdict(RouteStats))
    lines: int = 0
    answered_by_alb: int = 0
    malformed: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, hit: Hit) -> None:
        self.count += 1
        self.seconds += hit.seconds
        self.received += hit.received
        self.sent += hit.sent
        self.api_units += max(1, math.ceil((hit.received + hit.sent) / API_METER_BYTES))
        self.first = min(self.first, hit.arrival)
        self.last = max(self.last, hit.arrival)
        minute = self.per_minute.setdefault(int(hit.arrival // 60), [0, 0.0])
        minute[0] += 1
        minute[1] += hit.seconds
        self.per_second[int(hit.arrival)] += 1
        hour = self.per_hour.setdefault(int(hit.arrival // 3600), [0, 0.0])
        hour[0] += 1
        hour[1] += hit.received + hit.sent
        route = self.routes[hit.route]
        route.count += 1
        route.seconds += hit.seconds
        route.bytes += hit.received + hit.sent

    @property
    def period_seconds(self) -> float:
        """From the first arrival to the end of the last one's minute (at least one minute)."""
        if self.count == 0:
            return 0.0
        return max(60.0, (math.floor(self.last / 60) + 1) * 60 - math.floor(self.first / 60) * 60)

    @property
    def minutes(self) -> int:
        return max(1, round(self.period_seconds / 60))

    @property
    def mean_seconds(self) -> float:
        return self.seconds / self.count if self.count else 0.0

    def skipped_note(self) -> str:
        """What was left out and why, for the report (empty when nothing was)."""
        parts = []
        if self.answered_by_alb:
            parts.append(f"{self.answered_by_alb} answered by the ALB itself")
        if self.malformed:
            parts.append(f"{self.malformed} malformed (first: {'; '.join(self.examples)})")
        return ", ".join(parts)


def route_of(method: str, path: str) -> str:
    """`POST /api/chat`, `GET /api/chat/<id>`: id-like segments folded so routes aggregate."""
    segments = [("<id>" if _ID_SEGMENT.match(s) else s) for s in path.split("/")]
    return f"{method} {'/'.join(segments) or '/'}"


def parse_line(line: str) -> Hit | None:
    """One ALB log line -> a Hit, or None when the ALB answered it itself.

    Raises ValueError naming what is wrong when the line is not an ALB access log line.
    """
    fields = [match.group() for match in islice(_FIELD.finditer(line), 23)]   # the rest is not needed
    if len(fields) < 13 or fields[0] not in ALB_TYPES:
        raise ValueError(f"not an ALB access log line ({len(fields)} fields)")
    response_time = _epoch(fields[1])
    target, request_s, target_s, response_s = fields[4], fields[5], fields[6], fields[7]
    actions = fields[22].strip('"') if len(fields) > 22 else "forward"
    if target == "-" or target_s == "-1" or "forward" not in actions.split(","):
        return None   # the ALB answered (redirect, fixed-response, a Lambda target, no target)
    request_seconds, seconds, response_seconds = (_seconds(v, n) for v, n in (
        (request_s, "request_processing_time"), (target_s, "target_processing_time"),
        (response_s, "response_processing_time")))
    received, sent = _count(fields[10], "received_bytes"), _count(fields[11], "sent_bytes")
    request = fields[12].strip('"').split(" ")
    if len(request) != 3 or request[0] == "-":
        raise ValueError("request field is not 'METHOD URL PROTOCOL'")
    arrival = _arrival(fields, response_time, request_seconds + seconds + response_seconds)
    path = _path_of(request[1])
    return Hit(arrival, seconds, received, sent, route_of(request[0].upper()[:16], path))


def read_traffic(paths: Sequence[Path]) -> Traffic:
    """Aggregate every ALB log line under `paths` (files, .gz, or folders of them)."""
    files = list(_expand(paths))
    traffic = Traffic()
    for path in files:
        for number, line in enumerate(_lines(path), start=1):
            if not line.strip():
                continue
            traffic.lines += 1
            try:
                hit = parse_line(line)
            except ValueError as error:
                traffic.malformed += 1
                if len(traffic.examples) < MAX_EXAMPLES:
                    traffic.examples.append(f"{path}:{number}: {error}")
                continue
            if hit is None:
                traffic.answered_by_alb += 1
            else:
                traffic.add(hit)
    if traffic.count == 0:
        names = ", ".join(str(p) for p in paths)
        why = traffic.skipped_note() or "no lines"
        raise TrafficError(f"{names}: no request served by a target in the ALB logs ({why}): point "
                           "--alb-logs (or `traffic_logs`) at the ALB access logs of a period with traffic")
    return traffic


def traffic_from_hits(hits: Iterable[Hit]) -> Traffic:
    """Aggregate hits made in code (tests, the demo)."""
    traffic = Traffic()
    for hit in hits:
        traffic.lines += 1
        traffic.add(hit)
    return traffic


def alb_line(arrival: float, seconds: float, method: str, path: str, received: int, sent: int,
             status: int = 200) -> str:
    """An ALB access log line in the documented format (the demo's edge writes these)."""
    def stamp(epoch: float) -> str:
        return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    return (f'http {stamp(arrival + seconds)} app/shopbot/0 127.0.0.1:1 127.0.0.1:80 0.000 {seconds:.3f} 0.000 '
            f'{status} {status} {received} {sent} "{method} http://shopbot:80{path} HTTP/1.1" "shopbot" - - '
            f'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shopbot/0 "Root=1-0-0" "-" "-" 0 '
            f'{stamp(arrival)} "forward" "-" "-" "127.0.0.1:80" "{status}" "-" "-"')


# --------------------------------------------------------------------------- helpers


def _expand(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            if not found:
                raise TrafficError(f"{path}: folder has no log files (point --alb-logs at the ALB log folder)")
            yield from found
        elif path.is_file():
            yield path
        else:
            raise TrafficError(f"{path}: no such file or folder (check --alb-logs / `traffic_logs`)")


def _lines(path: Path) -> Iterator[str]:
    try:
        with path.open("rb") as probe:
            gzipped = probe.read(2) == b"\x1f\x8b"
        if gzipped:
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as packed:
                yield from packed
        else:
            with path.open(encoding="utf-8", errors="replace") as plain:
                yield from plain
    except (OSError, EOFError) as error:
        raise TrafficError(f"{path}: cannot read ({error})") from error


def _epoch(stamp: str) -> float:
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"time {stamp[:40]!r} is not ISO 8601") from None
    if when.tzinfo is None:
        raise ValueError(f"time {stamp[:40]!r} has no time zone")
    return when.timestamp()


def _seconds(value: str, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"{name} {value[:20]!r} is not a number") from None
    if not math.isfinite(seconds) or seconds < 0 or seconds > 86_400:
        raise ValueError(f"{name} {value[:20]!r} is out of range")
    return seconds


def _count(value: str, name: str) -> int:
    if value == "-":
        return 0
    if not value.isdigit() or len(value) > 15:
        raise ValueError(f"{name} {value[:20]!r} is not a byte count")
    return int(value)


def _arrival(fields: list[str], response_time: float, total_seconds: float) -> float:
    """request_creation_time where the format has it (2018+), else time minus the processing times."""
    if len(fields) > 21 and fields[21][:1].isdigit():
        try:
            return _epoch(fields[21])
        except ValueError:
            pass
    return response_time - total_seconds


def _path_of(url: str) -> str:
    """The path of the request URL (`http://host:80/a?b` -> `/a`)."""
    rest = url.split("://", 1)[1] if "://" in url else url
    path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    return path.split("?", 1)[0][:200]
