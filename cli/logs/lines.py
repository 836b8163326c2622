"""Pure log-line logic: the `--since` window, JSON detection, request ids, merging.

No sockets here: `fetch.py` hands raw CloudWatch events in, these decide what they mean.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import CliError

TARGETS = ("lambda", "ecs")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
MAX_TIMESTAMP_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z: the last time datetime can show
MAX_SINCE_SECONDS = 366 * 86_400  # CloudWatch keeps what retention allows; a year covers any sane ask
# A filter pattern with its own syntax ({ $.x = ... }, [a, b], "phrase", ?a ?b, -term) is passed
# through; plain text is quoted so it matches as one phrase.
_PATTERN_START = ("{", "[", '"', "?", "-")


def since_to_ms(since: str, now_ms: int) -> int:
    """`10m`, `2h`, `1.5d` or an ISO-8601 time -> epoch milliseconds (never in the future)."""
    text = since.strip()
    match = _DURATION.match(text)
    if match:
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        if seconds > MAX_SINCE_SECONDS:
            raise CliError(f"--since {since}: at most 366d")
        return now_ms - int(seconds * 1000)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"--since {since!r}: use a duration like 30s, 10m, 2h, 1d or an ISO time "
                       "like 2026-12-01T08:00:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        start = int(moment.timestamp() * 1000)
    except (OverflowError, ValueError, OSError):
        raise CliError(f"--since {since!r}: that time cannot be represented") from None
    if start > now_ms:
        raise CliError(f"--since {since}: that is in the future")
    return max(start, now_ms - MAX_SINCE_SECONDS * 1000)


@dataclass(frozen=True)
class Match:
    """What to ask CloudWatch for (`pattern`), and phrases every line shown must also contain.

    CloudWatch ANDs space-separated quoted terms; the server gets the first one and the
    others are checked here too, so lines are the same whichever way a server reads the rest.
    """

    pattern: str | None = None
    phrases: tuple[str, ...] = ()

    def keeps(self, message: str) -> bool:
        return all(phrase in message for phrase in self.phrases)

    def describe(self) -> str | None:
        if not self.phrases:
            return self.pattern
        return " and ".join(f'"{phrase}"' for phrase in self.phrases)


def _quoted(phrase: str) -> str:
    return '"' + phrase.replace("\\", "\\\\").replace('"', '\\"') + '"'


def match_for(text: str | None, request_id: str | None) -> Match:
    """The server-side pattern and client-side phrases for `--filter` and `--request-id`."""
    phrases: list[str] = []
    if request_id is not None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:=-]{0,127}", request_id):
            raise CliError(f"--request-id {request_id!r}: expected an id such as a Lambda or API Gateway "
                           "request id (letters, digits, - _ . : =)")
        phrases.append(request_id)
    if text is not None:
        stripped = text.strip()
        if not stripped:
            raise CliError("--filter is empty: give a word, a phrase or a CloudWatch filter pattern")
        if len(stripped) > 1024:
            raise CliError("--filter is longer than CloudWatch's 1024 characters")
        if stripped.startswith(_PATTERN_START):
            if phrases:
                raise CliError("--request-id combines only with plain-text --filter (not a filter pattern)")
            return Match(pattern=stripped)
        phrases.append(stripped)
    if not phrases:
        return Match()
    return Match(pattern=_quoted(phrases[0]), phrases=tuple(phrases))


@dataclass(frozen=True)
class LogLine:
    """One log event of one target."""

    target: str
    timestamp_ms: int
    message: str
    stream: str
    event_id: str

    @property
    def text(self) -> str:
        return self.message.rstrip("\r\n")

    @property
    def json(self) -> Any | None:
        """The line as JSON when it is a JSON object or array (Powertools, gunicorn JSON), else None."""
        text = self.text.strip()
        if not text.startswith(("{", "[")):
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None

    @property
    def time(self) -> str:
        moment = datetime.fromtimestamp(self.timestamp_ms / 1000, tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.timestamp_ms % 1000:03d}Z"

    def as_dict(self) -> dict[str, Any]:
        parsed = self.json
        return {
            "target": self.target,
            "timestamp": self.time,
            "stream": self.stream,
            "message": parsed if parsed is not None else self.text,
            "is_json": parsed is not None,
        }


def from_event(target: str, event: dict[str, Any]) -> LogLine:
    """A FilterLogEvents event -> LogLine (missing fields become empty, never a crash)."""
    timestamp = event.get("timestamp")
    return LogLine(
        target=target,
        timestamp_ms=timestamp if isinstance(timestamp, int) and 0 <= timestamp < MAX_TIMESTAMP_MS else 0,
        message=str(event.get("message") or ""),
        stream=str(event.get("logStreamName") or ""),
        event_id=str(event.get("eventId") or ""),
    )


def merged(*targets: list[LogLine]) -> list[LogLine]:
    """Both targets' lines in one time order (stable: a target's own order is kept)."""
    return sorted((line for lines in targets for line in lines), key=lambda line: line.timestamp_ms)
