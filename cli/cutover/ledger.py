"""The team's shared, append-only record of every change the toolkit makes.

It lives in one S3 object (`s3://bucket/key`), a JSON document `{"entries": [...]}`.
Every append is a conditional write (`IfMatch` on the ETag read, or `IfNoneMatch: *`
for the first entry), retried on conflict, so concurrent writers never lose an entry.
Cutovers write an *intent* entry before they change anything and an *outcome* entry
after, so a crash in between is visible and recoverable.
"""

from __future__ import annotations

import getpass
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from ..aws import AwsClients, aws_errors, error_code
from ..errors import ConfigError, ConflictError

MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class LedgerLocation:
    bucket: str
    key: str

    @classmethod
    def parse(cls, location: str) -> LedgerLocation:
        if not location.startswith("s3://") or "/" not in location[5:]:
            raise ConfigError(f"ledger '{location}' must look like s3://bucket/path/ledger.json")
        bucket, key = location[5:].split("/", 1)
        if not bucket or not key:
            raise ConfigError(f"ledger '{location}' must look like s3://bucket/path/ledger.json")
        return cls(bucket, key)


class Ledger:
    def __init__(self, s3: Any, location: LedgerLocation, who: str) -> None:
        self.s3 = s3
        self.location = location
        self.who = who

    @classmethod
    def open(cls, clients: AwsClients, location: str) -> Ledger:
        return cls(clients.client("s3"), LedgerLocation.parse(location), caller_identity(clients))

    def entries(self) -> list[dict[str, Any]]:
        return self._read()[0]

    def last(self, **match: Any) -> dict[str, Any] | None:
        """The newest entry whose fields equal `match`."""
        for entry in reversed(self.entries()):
            if all(entry.get(key) == value for key, value in match.items()):
                return dict(entry)
        return None

    def append(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Add one entry (id, time and caller filled in); returns it as written."""
        entry = {"id": uuid.uuid4().hex, "at": _now(), "who": self.who, "kind": kind, **fields}
        for _ in range(MAX_ATTEMPTS):
            entries, etag = self._read()
            body = json.dumps({"entries": [*entries, entry]}, indent=1, sort_keys=True, default=str)
            condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
            try:
                with aws_errors(f"writing the ledger s3://{self.location.bucket}/{self.location.key}"):
                    self.s3.put_object(
                        Bucket=self.location.bucket, Key=self.location.key, Body=body.encode(),
                        ContentType="application/json", **condition,
                    )
                return entry
            except ConflictError:
                time.sleep(0.05)
        raise ConflictError("the ledger kept changing under us: try again (nothing was recorded)")

    def _read(self) -> tuple[list[dict[str, Any]], str | None]:
        where = f"s3://{self.location.bucket}/{self.location.key}"
        with aws_errors(f"reading the ledger {where}"):
            try:
                response = self.s3.get_object(Bucket=self.location.bucket, Key=self.location.key)
            except botocore.exceptions.ClientError as error:
                if error_code(error) in {"NoSuchKey", "404"}:
                    return [], None  # no entry yet
                raise
        try:
            document = json.loads(response["Body"].read())
            entries = document["entries"]
        except (ValueError, KeyError, TypeError) as error:
            raise ConfigError(f"ledger {where} is not a shopbot ledger (no 'entries' list)") from error
        return list(entries), str(response["ETag"])


def caller_identity(clients: AwsClients) -> str:
    """Who is making the change (STS ARN), falling back to the local user name."""
    try:
        with aws_errors("asking STS who we are"):
            return str(clients.client("sts").get_caller_identity()["Arn"])
    except Exception:
        return f"local:{getpass.getuser()}"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
