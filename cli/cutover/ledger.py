"""The team's shared, append-only record of every change the toolkit makes, and its lease.

It lives in one S3 object (`s3://bucket/key`), a JSON document `{"entries": [...],
"lease": {...}}`. Every write is a conditional write (`IfMatch` on the ETag read, or
`IfNoneMatch: *` for the first), retried on conflict, so concurrent writers never lose an
entry. Cutovers write an *intent* entry before they change anything and an *outcome* entry
after, so a crash in between is visible and recoverable.

The lease serialises changes: a cutover, rollback or canary takes it (with the holder's
identity and an expiry) before it plans, and gives it back at the end. A second one is
refused with who holds it and since when (exit 9); a crashed holder's lease expires; `--force`
breaks it, and the ledger records that. Entries that do not look like a shopbot entry are
reported with their index and skipped (`problems`), never a traceback.
"""

from __future__ import annotations

import getpass
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from ..aws import AwsClients, aws_errors, error_code
from ..errors import CliError, ConfigError, ConflictError, ExitStatus

MAX_ATTEMPTS = 8
LEASE_KIND = "lease"
NEVER = 253402300799.0        # 9999-12-31T23:59:59Z: a malformed lease never expires by itself

Document = tuple[list[dict[str, Any]], dict[str, Any] | None]


@dataclass(frozen=True)
class LedgerLocation:
    bucket: str
    key: str

    @classmethod
    def parse(cls, location: str) -> LedgerLocation:
        bucket, _, key = location.removeprefix("s3://").partition("/")
        if not location.startswith("s3://") or not bucket or not key:
            raise ConfigError(f"ledger '{location}' must look like s3://bucket/path/ledger.json")
        return cls(bucket, key)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


# --- reading a document (pure) --------------------------------------------------------


def parse_document(data: bytes, where: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None, list[str]]:
    """(good entries, lease, problems): a bad entry is named by index and skipped."""
    try:
        document = json.loads(data)
    except ValueError as error:
        raise ConfigError(f"ledger {where} is not JSON: restore it from the bucket's versions") from error
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise ConfigError(f"ledger {where} is not a shopbot ledger (no 'entries' list)")
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    for index, entry in enumerate(document["entries"]):
        problem = entry_problem(entry)
        if problem is None:
            entries.append(entry)
        else:
            problems.append(f"ledger entry #{index} {problem}: skipped")
    lease = document.get("lease")
    if lease is not None and lease_problem(lease) is not None:
        problems.append(f"ledger lease {lease_problem(lease)}: treated as held (pass --force to break it)")
        lease = {"id": "?", "holder": "?", "who": "unknown (malformed lease)", "action": "change",
                 "since": "?", "expires_at": NEVER}
    return entries, lease, problems


def entry_problem(entry: Any) -> str | None:
    """Why this is not a usable entry (None: it is)."""
    if not isinstance(entry, dict):
        return "is not an object"
    for name in ("id", "kind"):
        if not isinstance(entry.get(name), str) or not entry[name]:
            return f"has no '{name}'"
    if entry["kind"] == "intent":
        return _intent_problem(entry)
    if entry["kind"] == "outcome":
        if not isinstance(entry.get("intent_id"), str) or not isinstance(entry.get("ok"), bool):
            return "is an outcome without 'intent_id' and 'ok'"
        return _fields_problem(entry)
    return None


def _intent_problem(entry: dict[str, Any]) -> str | None:
    if not isinstance(entry.get("distribution"), str) or not isinstance(entry.get("action"), str):
        return "is an intent without 'distribution' and 'action'"
    config = entry.get("previous_config")
    if not isinstance(config, dict) or not isinstance(config.get("DefaultCacheBehavior"), dict):
        return "is an intent without a 'previous_config'"
    behaviours = config.get("CacheBehaviors", {})
    items = behaviours.get("Items") if isinstance(behaviours, dict) else "?"
    if items is None:
        items = []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return "has a 'previous_config' whose CacheBehaviors are not a list of objects"
    moves = entry.get("moves", {})
    if not isinstance(moves, dict):
        return "has 'moves' that are not an object"
    known = {"default", *(item.get("PathPattern") for item in items)}
    for name, moved in moves.items():
        if not isinstance(moved, dict) or not all(isinstance(moved.get(k), str) for k in ("from", "to")):
            return f"has a move of '{name}' without 'from' and 'to'"
        if name not in known:
            return f"moves '{name}', which its previous_config does not have"
    return _fields_problem(entry)


def _fields_problem(entry: dict[str, Any]) -> str | None:
    if not isinstance(entry.get("set_fields", {}), dict):
        return "has 'set_fields' that are not an object"
    return None


def lease_problem(lease: Any) -> str | None:
    """Why this is not a usable lease (None: it is)."""
    if not isinstance(lease, dict):
        return "is not an object"
    if not all(isinstance(lease.get(name), str) for name in ("id", "holder", "who", "action", "since")):
        return "lacks id, holder, who, action or since"
    expires = lease.get("expires_at")
    if not isinstance(expires, int | float) or isinstance(expires, bool):
        return "has no 'expires_at' time"
    return None


def lease_refusal(lease: Mapping[str, Any] | None, holder: str, now: float) -> str | None:
    """Whether `holder` must stop: the message naming who holds the lease (None: go ahead)."""
    if lease is None or lease["holder"] == holder or lease["expires_at"] <= now:
        return None
    return (f"{lease['action']} {str(lease['id'])[:8]} by {lease['who']} in progress since {lease['since']}: "
            f"wait for it to finish (its lease expires at {_stamp(lease['expires_at'])}), or pass --force "
            "to break the lease (the ledger records that)")


# --- the S3 object --------------------------------------------------------------------


class Ledger:
    def __init__(self, s3: Any, location: LedgerLocation, who: str) -> None:
        self.s3 = s3
        self.location = location
        self.who = who
        self.problems: list[str] = []

    @classmethod
    def open(cls, clients: AwsClients, location: str) -> Ledger:
        return cls(clients.client("s3"), LedgerLocation.parse(location), caller_identity(clients))

    def entries(self) -> list[dict[str, Any]]:
        return self._read()[0]

    def lease(self) -> dict[str, Any] | None:
        return self._read()[1]

    def last(self, **match: Any) -> dict[str, Any] | None:
        """The newest entry whose fields equal `match`."""
        for entry in reversed(self.entries()):
            if all(entry.get(key) == value for key, value in match.items()):
                return dict(entry)
        return None

    def append(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Add one entry (id, time and caller filled in); returns it as written."""
        entry = self._entry(kind, **fields)
        self._update(lambda entries, lease: ([*entries, entry], lease))
        return entry

    def acquire(self, holder: str, action: str, seconds: float, *, force: bool = False,
                now: Callable[[], float] = time.time) -> dict[str, Any] | None:
        """Take the lease for `action`; None when `holder` already holds it (a nested step)."""
        taken: dict[str, Any] = {}

        def take(entries: list[dict[str, Any]], lease: dict[str, Any] | None) -> Document:
            moment = now()
            if lease is not None and lease["holder"] == holder:
                taken.clear()
                return entries, {**lease, "expires_at": moment + seconds}
            refusal = lease_refusal(lease, holder, moment)
            if refusal and not force:
                raise CliError(refusal, ExitStatus.BUSY)
            new = {"id": uuid.uuid4().hex, "holder": holder, "who": self.who, "action": action,
                   "since": _stamp(moment), "expires_at": moment + seconds}
            taken.clear()
            taken.update(new)
            if lease is not None:
                event = "broken (--force)" if refusal else "expired and taken over"
                entries = [*entries, self._entry(LEASE_KIND, event=event, previous=lease, lease_id=new["id"],
                                                 action=action)]
            return entries, new

        self._update(take)
        return dict(taken) or None

    def renew(self, lease_id: str, seconds: float, now: Callable[[], float] = time.time) -> None:
        """Push our lease's expiry on (a long watch keeps it)."""
        def push(entries: list[dict[str, Any]], lease: dict[str, Any] | None) -> Document:
            if lease is None or lease["id"] != lease_id:
                raise ConflictError("the ledger lease was broken by someone else (--force) while we worked: "
                                    "stop, and look at `shopbot status` before going on")
            return entries, {**lease, "expires_at": now() + seconds}

        self._update(push)

    def release(self, lease_id: str) -> bool:
        """Give our lease back; False when it is no longer ours (someone broke it)."""
        ours = [True]

        def drop(entries: list[dict[str, Any]], lease: dict[str, Any] | None) -> Document:
            ours[0] = lease is not None and lease["id"] == lease_id
            return entries, (None if ours[0] else lease)

        self._update(drop)
        return ours[0]

    def _entry(self, kind: str, **fields: Any) -> dict[str, Any]:
        return {"id": uuid.uuid4().hex, "at": _stamp(time.time()), "who": self.who, "kind": kind, **fields}

    def _update(self, change: Callable[[list[dict[str, Any]], dict[str, Any] | None], Document]) -> None:
        """Read, change, write back on the ETag read; retried when someone wrote in between."""
        for attempt in range(MAX_ATTEMPTS):
            stored = self._fetch()
            entries, new_lease = change(stored.raw_entries, stored.lease)
            document: dict[str, Any] = {"entries": entries}
            if new_lease is stored.lease:
                new_lease = stored.raw_lease  # untouched: keep it exactly as stored
            if new_lease is not None:
                document["lease"] = new_lease
            body = json.dumps(document, indent=1, sort_keys=True, default=str)
            condition = {"IfMatch": stored.etag} if stored.etag else {"IfNoneMatch": "*"}
            try:
                with aws_errors(f"writing the ledger {self.location}"):
                    self.s3.put_object(Bucket=self.location.bucket, Key=self.location.key, Body=body.encode(),
                                       ContentType="application/json", **condition)
                return
            except ConflictError:
                time.sleep(0.05 * (attempt + 1))
        raise ConflictError("the ledger kept changing under us: try again (nothing was recorded)")

    def _read(self) -> Document:
        stored = self._fetch()
        self.problems = stored.problems
        return stored.entries, stored.lease

    def _fetch(self) -> Stored:
        """The object as stored (bad entries too: a write keeps them) and as understood."""
        with aws_errors(f"reading the ledger {self.location}"):
            try:
                response = self.s3.get_object(Bucket=self.location.bucket, Key=self.location.key)
            except botocore.exceptions.ClientError as error:
                if error_code(error) in {"NoSuchKey", "404"}:
                    return Stored([], [], None, None, [], None)  # no entry yet
                raise
        data = response["Body"].read()
        entries, lease, problems = parse_document(data, str(self.location))
        document = json.loads(data)
        return Stored(list(document["entries"]), entries, document.get("lease"), lease, problems,
                      str(response["ETag"]))


@dataclass(frozen=True)
class Stored:
    raw_entries: list[Any]
    entries: list[dict[str, Any]]
    raw_lease: Any
    lease: dict[str, Any] | None
    problems: list[str]
    etag: str | None


def caller_identity(clients: AwsClients) -> str:
    """Who is making the change (STS ARN), falling back to the local user name."""
    try:
        with aws_errors("asking STS who we are"):
            return str(clients.client("sts").get_caller_identity()["Arn"])
    except Exception:
        return f"local:{getpass.getuser()}"


def _stamp(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
