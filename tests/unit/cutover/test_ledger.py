"""The ledger document: locations, entries a user or a crash left malformed, the lease's rules.

Pure (no S3): `parse_document` is what every command reads the ledger through.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shopbot_cli.cutover import planning
from shopbot_cli.cutover.ledger import (
    LedgerLocation,
    entry_problem,
    lease_problem,
    lease_refusal,
    parse_document,
)
from shopbot_cli.errors import CliError, ConfigError

from tests.unit.cutover.sample import ALB, API, distribution_config

WHERE = "s3://b/k"


@pytest.mark.parametrize("location", ["s3://bucket", "s3://bucket/", "s3:///key", "bucket/key", "s3:/b/k",
                                      "", "https://bucket/key"])
def test_a_location_without_bucket_or_key_is_refused(location: str) -> None:
    with pytest.raises(ConfigError, match=r"must look like s3://bucket/path/ledger\.json"):
        LedgerLocation.parse(location)


def test_a_location_keeps_the_whole_key() -> None:
    found = LedgerLocation.parse("s3://shop-ledger/cutover/prod/ledger.json")
    assert (found.bucket, found.key) == ("shop-ledger", "cutover/prod/ledger.json")
    assert str(found) == "s3://shop-ledger/cutover/prod/ledger.json"


@pytest.mark.parametrize(("data", "says"), [
    (b"{not json", "is not JSON"),
    (b"[]", "no 'entries' list"),
    (b'{"entries": {}}', "no 'entries' list"),
    (b'{"records": []}', "no 'entries' list"),
    (b"\xff\xfe", "is not JSON"),
])
def test_a_document_that_is_not_a_ledger_is_one_clear_error(data: bytes, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as caught:
        parse_document(data, WHERE)
    assert WHERE in str(caught.value)


def intent(**changes: Any) -> dict[str, Any]:
    entry = {"id": "i1", "kind": "intent", "distribution": "D1", "action": "cutover",
             "previous_config": distribution_config(), "moves": {"default": {"from": ALB, "to": API}}}
    entry.update(changes)
    return entry


@pytest.mark.parametrize(("entry", "problem"), [
    ([], "is not an object"),
    ({"kind": "intent"}, "has no 'id'"),
    ({"id": "", "kind": "x"}, "has no 'id'"),
    ({"id": "a"}, "has no 'kind'"),
    ({"id": "a", "kind": 3}, "has no 'kind'"),
    (intent(distribution=None), "is an intent without 'distribution' and 'action'"),
    (intent(action=5), "is an intent without 'distribution' and 'action'"),
    (intent(previous_config="x"), "is an intent without a 'previous_config'"),
    (intent(previous_config={"DefaultCacheBehavior": []}), "is an intent without a 'previous_config'"),
    (intent(previous_config={**distribution_config(), "CacheBehaviors": {"Items": ["x"]}}),
     "CacheBehaviors are not a list of objects"),
    (intent(previous_config={**distribution_config(), "CacheBehaviors": {"Items": {}}}),
     "CacheBehaviors are not a list of objects"),
    (intent(previous_config={**distribution_config(), "CacheBehaviors": []}),
     "CacheBehaviors are not a list of objects"),
    (intent(moves=[]), "has 'moves' that are not an object"),
    (intent(moves={"default": {"from": ALB}}), "has a move of 'default' without 'from' and 'to'"),
    (intent(moves={"default": "x"}), "has a move of 'default' without 'from' and 'to'"),
    (intent(moves={"/gone/*": {"from": ALB, "to": API}}), "moves '/gone/*', which its previous_config"),
    (intent(set_fields=[]), "has 'set_fields' that are not an object"),
    ({"id": "o", "kind": "outcome", "ok": True}, "is an outcome without 'intent_id' and 'ok'"),
    ({"id": "o", "kind": "outcome", "intent_id": "i1", "ok": "yes"}, "is an outcome without"),
    ({"id": "o", "kind": "outcome", "intent_id": "i1", "ok": True, "set_fields": 1}, "'set_fields'"),
])
def test_each_malformed_entry_says_why(entry: Any, problem: str) -> None:
    assert problem in str(entry_problem(entry))


def test_good_entries_have_no_problem() -> None:
    assert entry_problem(intent()) is None
    assert entry_problem(intent(moves={"/api/*": {"from": ALB, "to": API}})) is None
    assert entry_problem(intent(previous_config={**distribution_config(), "CacheBehaviors": {"Quantity": 0}})) \
        is None
    assert entry_problem({"id": "o", "kind": "outcome", "intent_id": "i1", "ok": False}) is None
    assert entry_problem({"id": "w", "kind": "watch"}) is None


@pytest.mark.parametrize("kind", ["canary-cleanup", "canary-step", "lease", "shadow", "watch", "watch-end"])
def test_entries_of_every_other_kind_the_toolkit_writes_are_kept(kind: str) -> None:
    """Only intents and outcomes have a required shape; a canary step is not checked as an intent."""
    entry = {"id": "e1", "kind": kind, "distribution": "D1", "at": "2026-12-01T08:00:00Z"}
    entries, _, problems = parse_document(json.dumps({"entries": [entry]}).encode(), WHERE)
    assert (entries, problems) == ([entry], [])


def test_bad_entries_are_skipped_by_index_and_good_ones_kept() -> None:
    good = intent()
    data = json.dumps({"entries": [1, good, {"id": "x"}, {"id": "o", "kind": "outcome", "intent_id": "i1",
                                                           "ok": True}]}).encode()
    entries, lease, problems = parse_document(data, WHERE)
    assert [e["id"] for e in entries] == ["i1", "o"] and lease is None
    assert problems == ["ledger entry #0 is not an object: skipped", "ledger entry #2 has no 'kind': skipped"]


LEASE = {"id": "3b87aa00", "holder": "h:1", "who": "arn:aws:iam::1:user/ana", "action": "cutover",
         "since": "2026-12-01T08:00:00Z", "expires_at": 1000.0}


def test_the_lease_rules() -> None:
    assert lease_refusal(None, "me", 0.0) is None
    assert lease_refusal(LEASE, "h:1", 999.0) is None, "the holder itself goes on"
    assert lease_refusal(LEASE, "me", 1000.0) is None, "expired at its expiry"
    refusal = lease_refusal(LEASE, "me", 999.9)
    assert refusal == ("cutover 3b87aa00 by arn:aws:iam::1:user/ana in progress since 2026-12-01T08:00:00Z: "
                       "wait for it to finish (its lease expires at 1970-01-01T00:16:40Z), or pass --force to "
                       "break the lease (the ledger records that)")


@pytest.mark.parametrize(("lease", "problem"), [
    ([], "is not an object"),
    ({**LEASE, "holder": None}, "lacks id, holder, who, action or since"),
    ({**LEASE, "expires_at": "soon"}, "has no 'expires_at' time"),
    ({**LEASE, "expires_at": True}, "has no 'expires_at' time"),
])
def test_a_malformed_lease_is_held_until_forced(lease: Any, problem: str) -> None:
    assert problem in str(lease_problem(lease))
    _, held, problems = parse_document(json.dumps({"entries": [], "lease": lease}).encode(), WHERE)
    assert problems == [f"ledger lease {lease_problem(lease)}: treated as held (pass --force to break it)"]
    assert held is not None and "its lease expires at 9999-12-31T23:59:59Z" in str(lease_refusal(held, "me", 2e9))
    assert lease_problem(LEASE) is None and lease_problem({**LEASE, "expires_at": 5}) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
entry_like = st.fixed_dictionaries(
    {}, optional={"id": st.text(max_size=4) | st.integers(), "kind": st.sampled_from(["intent", "outcome", "x"]),
                  "distribution": st.just("D1") | json_values, "action": st.sampled_from(UNDO := [
                      "cutover", "rollback", "canary", "promote"]) | json_values,
                  "previous_config": st.just(distribution_config()) | json_values,
                  "moves": st.dictionaries(st.sampled_from(["default", "/api/*", "/x"]),
                                           st.fixed_dictionaries({"from": st.just(ALB), "to": st.just(API)})
                                           | json_values, max_size=2) | json_values,
                  "intent_id": st.text(max_size=4) | json_values, "ok": st.booleans() | json_values,
                  "set_fields": st.dictionaries(st.text(max_size=4), json_values, max_size=2) | json_values,
                  "undoes": st.text(max_size=4) | json_values})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entry_like | json_values, max_size=6), st.none() | json_values)
def test_no_ledger_document_escapes_as_a_traceback(raw: list[Any], lease: Any) -> None:
    data = json.dumps({"entries": raw, "lease": lease}).encode()
    entries, _, problems = parse_document(data, WHERE)
    assert len(entries) + sum(p.startswith("ledger entry") for p in problems) == len(raw)
    live = distribution_config()
    try:
        for change in planning.changes(entries, "D1"):
            planning.explain(live, change)
        planning.drift(live, planning.last_standing(entries, "D1"))
        planning.last_applied(entries, "D1", tuple(UNDO))
        planning.first_origins(entries, "D1", ("cutover", "promote"))
    except CliError:
        pass  # one clear line is fine; anything else is a bug
