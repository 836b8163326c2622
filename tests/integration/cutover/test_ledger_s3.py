"""The ledger object in S3 (moto): conditional writes retried, the lease renewed, released, broken.

Kept apart from the cutover tests so the mutation run on ledger.py (issue #22) stays fast.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from shopbot_cli.aws import AwsClients
from shopbot_cli.cutover.ledger import Ledger, LedgerLocation
from shopbot_cli.errors import ConfigError, ConflictError
from shopbot_cli.settings.environments import Settings

from tests.integration.cutover.conftest import BUCKET, LEDGER

WHO = "arn:aws:sts::123456789012:user/moto"


@pytest.fixture
def bucket(aws: str) -> str:
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    return BUCKET


def _ledger() -> Ledger:
    return Ledger(boto3.client("s3"), LedgerLocation.parse(LEDGER), WHO)


def test_a_command_opens_the_ledger_named_in_its_settings_as_the_sts_caller(bucket: str) -> None:
    ledger = Ledger.open(AwsClients(Settings()), LEDGER)
    assert (str(ledger.location), ledger.who) == (LEDGER, WHO)
    assert ledger.append("note", text="hi")["who"] == WHO
    with pytest.raises(ConfigError, match=r"must look like s3://bucket/path/ledger\.json"):
        Ledger.open(AwsClients(Settings()), f"s3://{BUCKET}")


def test_the_holder_renews_and_releases_and_a_broken_lease_is_noticed(bucket: str) -> None:
    ledger = _ledger()
    mine = ledger.acquire("me:1", "canary", 60, now=lambda: 1000.0)
    assert mine is not None and mine["expires_at"] == 1060.0
    assert ledger.acquire("me:1", "rollback", 60, now=lambda: 1010.0) is None, "the holder re-enters"
    assert ledger.lease()["expires_at"] == 1070.0  # type: ignore[index]
    ledger.renew(mine["id"], 600, now=lambda: 2000.0)
    assert ledger.lease()["expires_at"] == 2600.0  # type: ignore[index]
    theirs = ledger.acquire("them:2", "cutover", 60, force=True, now=lambda: 2100.0)
    assert theirs is not None
    with pytest.raises(ConflictError, match="broken by someone else"):
        ledger.renew(mine["id"], 600)
    assert ledger.release(mine["id"]) is False and ledger.lease() == theirs
    assert ledger.release(theirs["id"]) is True and ledger.lease() is None



def test_a_concurrent_append_is_retried_and_no_entry_is_lost(bucket: str) -> None:
    ours, theirs = _ledger(), _ledger()
    ours.append("note", text="first")
    writes = [0]

    def someone_appends_first(**_: Any) -> None:
        writes[0] += 1
        if writes[0] == 1:
            theirs.append("note", text="theirs")

    ours.s3.meta.events.register("before-call.s3.PutObject", someone_appends_first)
    ours.append("note", text="ours")
    assert [e["text"] for e in _ledger().entries()] == ["first", "theirs", "ours"]
    assert writes[0] == 2, "the stale write was refused (412) and retried on the new ETag"


def test_a_ledger_that_keeps_changing_gives_up_with_a_clear_error(bucket: str) -> None:
    ours, theirs = _ledger(), _ledger()
    ours.append("note", text="first")

    def someone_always_first(**_: Any) -> None:
        theirs.append("note", text="again")

    ours.s3.meta.events.register("before-call.s3.PutObject", someone_always_first)
    with pytest.raises(ConflictError, match="the ledger kept changing under us: try again"):
        ours.append("note", text="never")
    texts = [e["text"] for e in _ledger().entries()]
    assert "never" not in texts and texts.count("again") == 8


def test_an_empty_bucket_is_an_empty_ledger_and_the_first_write_creates_it(bucket: str) -> None:
    ledger = _ledger()
    assert ledger.entries() == [] and ledger.lease() is None and ledger.problems == []
    written = ledger.append("note", text="hello")
    assert written["who"] == WHO and written["kind"] == "note" and len(written["id"]) == 32
    assert ledger.last(kind="note") == written and ledger.last(kind="other") is None


def test_a_corrupt_object_is_one_clear_error_and_bad_entries_survive_appends(bucket: str) -> None:
    s3 = boto3.client("s3")
    s3.put_object(Bucket=bucket, Key="cutover/ledger.json", Body=b"<html>oops</html>")
    with pytest.raises(ConfigError, match=r"ledger s3://shopbot-ledger/cutover/ledger\.json is not JSON"):
        _ledger().entries()
    s3.put_object(Bucket=bucket, Key="cutover/ledger.json", Body=b'{"entries": [7], "lease": {"id": 1}}')
    ledger = _ledger()
    ledger.append("note", text="after")
    assert [e.get("text") for e in ledger.entries()] == ["after"]
    assert ledger.problems == ["ledger entry #0 is not an object: skipped",
                               "ledger lease lacks id, holder, who, action or since: treated as held "
                               "(pass --force to break it)"]
    stored = json.loads(s3.get_object(Bucket=bucket, Key="cutover/ledger.json")["Body"].read())
    assert stored["entries"][0] == 7 and stored["lease"] == {"id": 1}, "kept exactly as stored"


def test_a_lease_taken_from_someone_is_recorded_as_broken_or_expired(bucket: str) -> None:
    ledger = _ledger()
    first = ledger.acquire("ana:1", "canary", 60, now=lambda: 1000.0)
    second = ledger.acquire("bob:2", "cutover", 60, force=True, now=lambda: 1010.0)   # still held: forced
    third = ledger.acquire("cy:3", "rollback", 60, now=lambda: 2000.0)                # expired at 1070
    assert first and second and third
    assert [(e["event"], e["previous"]["id"], e["lease_id"], e["action"]) for e in ledger.entries()] == [
        ("broken (--force)", first["id"], second["id"], "cutover"),
        ("expired and taken over", second["id"], third["id"], "rollback")]


def test_taking_a_free_lease_records_no_takeover(bucket: str) -> None:
    ledger = _ledger()
    lease = ledger.acquire("me:1", "cutover", 60)
    assert lease is not None and lease["holder"] == "me:1" and lease["who"] == WHO
    assert ledger.entries() == [], "only an expired or broken lease is worth an entry"
