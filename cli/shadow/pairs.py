"""Read the shadow batches the service wrote: `file:///folder`, a plain folder, or `s3://bucket/prefix`.

Each batch is JSONL: `{"kind": "pair", ...}` lines and a closing `{"kind": "stats", ...}`.
A line that is not a JSON object, or a pair without its four answers, is skipped and
counted - never a traceback - because these files come from many processes over days.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..aws import AwsClients, aws_errors
from ..errors import CliError

ANSWERS = ("P1", "P2", "C1", "C2")
_BATCH = re.compile(r"shadow-(?P<origin>.+)-(?P<period>\d{8}T\d{6})(-\d+)?\.jsonl$")


@dataclass
class Batches:
    """What a read found: pairs, the newest counters per process, and what was skipped."""

    pairs: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    batches: int = 0
    skipped: int = 0
    oldest: float | None = None
    newest: float | None = None


def period_of(name: str) -> float | None:
    found = _BATCH.search(name)
    if not found:
        return None
    return float(calendar.timegm(time.strptime(found["period"], "%Y%m%dT%H%M%S")))


def read_batches(source: str, clients: AwsClients | None, since_seconds: float | None = None,
                 now: float | None = None) -> Batches:
    """Every batch under `source` whose period started within `since_seconds` of now."""
    now = time.time() if now is None else now
    cutoff = None if since_seconds is None else now - since_seconds - 3600  # a batch spans <= 1 h
    found = Batches()
    for _name, data in _objects(source, clients, cutoff):
        found.batches += 1
        for line in data.splitlines():
            _take(found, line, None if since_seconds is None else now - since_seconds)
    return found


def _take(found: Batches, line: bytes, since: float | None) -> None:
    try:
        entry = json.loads(line)
    except ValueError:
        found.skipped += 1
        return
    if not isinstance(entry, dict):
        found.skipped += 1
        return
    at = entry.get("at")
    if not isinstance(at, int | float) or isinstance(at, bool):
        found.skipped += 1
        return
    if entry.get("kind") == "stats":
        origin = str(entry.get("origin", "?"))
        if origin not in found.stats or found.stats[origin].get("at", 0) <= at:
            found.stats[origin] = entry
        return
    if since is not None and at < since:
        return
    answers = entry.get("answers")
    if entry.get("kind") != "pair" or not isinstance(answers, dict) or not all(
            isinstance(answers.get(name), dict) for name in ANSWERS) or not isinstance(entry.get("path"), str):
        found.skipped += 1
        return
    found.pairs.append(entry)
    found.oldest = at if found.oldest is None else min(found.oldest, at)
    found.newest = at if found.newest is None else max(found.newest, at)


def _objects(source: str, clients: AwsClients | None, cutoff: float | None) -> Iterator[tuple[str, bytes]]:
    parts = urlsplit(source)
    if parts.scheme == "s3":
        if clients is None:
            raise CliError(f"{source}: reading S3 needs AWS settings")
        yield from _s3_objects(clients, parts.netloc, parts.path.strip("/"), cutoff)
        return
    if parts.scheme not in ("", "file"):
        raise CliError(f"shadow pairs at '{source}': use a folder, file:///folder or s3://bucket/prefix")
    folder = Path(parts.path if parts.scheme == "file" else source)
    if not folder.is_dir():
        raise CliError(f"shadow pairs folder '{folder}' does not exist: check `shadow_sink` or --from")
    for path in sorted(folder.glob("shadow-*.jsonl")):
        period = period_of(path.name)
        if cutoff is not None and period is not None and period < cutoff:
            continue
        try:
            yield path.name, path.read_bytes()
        except OSError as error:
            raise CliError(f"{path}: cannot read ({error.strerror})") from error


def _s3_objects(clients: AwsClients, bucket: str, prefix: str, cutoff: float | None) -> Iterator[tuple[str, bytes]]:
    s3 = clients.client("s3")
    with aws_errors(f"listing s3://{bucket}/{prefix}"):
        pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix))
    keys = sorted(item["Key"] for page in pages for item in page.get("Contents", []))
    for key in keys:
        period = period_of(key)
        if period is None or (cutoff is not None and period < cutoff):
            continue
        with aws_errors(f"reading s3://{bucket}/{key}"):
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        yield key, body
