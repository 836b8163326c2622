"""A behaviour deleted by hand, a ledger with bad entries, a cutover one route at a time.

All against moto: the distribution, the ledger, the CLI as a user runs it.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from shopbot_cli.cutover.flow import run_cutover, run_rollback
from shopbot_cli.cutover.status import read_status
from shopbot_cli.errors import ExitStatus

from tests.integration.cutover.conftest import BUCKET, Stage
from tests.integration.cutover.test_cli import _invoke, _one_error_line
from tests.unit.cutover.sample import ALB, API, GROUP


def _delete_behaviour(stage: Stage, pattern: str) -> None:
    config, etag = stage.config()
    items = [item for item in config["CacheBehaviors"]["Items"] if item["PathPattern"] != pattern]
    config["CacheBehaviors"] = {"Quantity": len(items), "Items": items}
    boto3.client("cloudfront", region_name="us-east-1").update_distribution(
        Id=stage.distribution_id, IfMatch=etag, DistributionConfig=config)


def _origins(stage: Stage) -> dict[str, str]:
    config, _ = stage.config()
    found = {"default": config["DefaultCacheBehavior"]["TargetOriginId"]}
    found.update({item["PathPattern"]: item["TargetOriginId"] for item in config["CacheBehaviors"]["Items"]})
    return found


def test_a_behaviour_deleted_by_hand_rollback_restores_the_rest_and_exits_10(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    _delete_behaviour(stage, "/api/*")

    status = read_status(stage.settings, clients=stage.clients(), ui=stage.ui)
    assert status["behaviours"]["/api/*"] == {"origin": None, "target": "missing"}
    assert status["last_change"]["missing"] == ["/api/*"]
    assert any("CacheBehaviors.Items['/api/*']" in line for line in status["last_change"]["drift"])
    assert "behaviour /api/* is recorded in the ledger but no longer exists" in stage.output()

    result = _invoke(stage, monkeypatch, ["rollback", "--yes", "--no-wait", "--json"])
    assert result.exit_code == ExitStatus.PARTIAL == 10, result.output
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("error: rollback restored what it could; /api/* no longer exist(s)")
    assert "Traceback" not in result.output
    payload = json.loads(result.stdout)
    assert payload["changed"] and payload["missing"] == ["/api/*"]
    assert payload["moves"] == {"default": {"from": API, "to": ALB}}
    assert _origins(stage) == {"default": ALB, "/static/*": GROUP, "/health": ALB}
    intent = stage.ledger()[-2]
    assert intent["action"] == "rollback" and intent["missing"] == ["/api/*"]

    again = _invoke(stage, monkeypatch, ["status", "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["mix"]["ecs"] == ["default", "/health"]


def test_other_drift_still_needs_force_when_a_behaviour_is_missing(stage: Stage) -> None:
    run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    _delete_behaviour(stage, "/api/*")
    config, etag = stage.config()
    boto3.client("cloudfront", region_name="us-east-1").update_distribution(
        Id=stage.distribution_id, IfMatch=etag, DistributionConfig={**config, "Comment": "hotfix"})
    with pytest.raises(Exception, match="changed outside shopbot"):
        run_rollback(stage.settings, clients=stage.clients(), ui=stage.ui, options=stage.options())
    done = run_rollback(stage.settings, clients=stage.clients(), ui=stage.ui, options=stage.options(force=True))
    assert done["missing"] == ["/api/*"] and _origins(stage)["default"] == ALB


BAD_ENTRIES: list[Any] = [
    "not an entry",
    {"kind": "intent"},
    {"id": "x1", "kind": "intent", "distribution": None, "action": "cutover"},
    {"id": "x2", "kind": "intent", "distribution": "D", "action": "cutover", "previous_config": []},
    {"id": "x3", "kind": "outcome", "intent_id": 7},
    None,
]


def test_malformed_ledger_entries_are_named_and_skipped(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> None:
    run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    s3 = boto3.client("s3")
    key = "cutover/ledger.json"
    document = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    bad = [{**entry, "distribution": stage.distribution_id} if isinstance(entry, dict) and "id" in entry
           and entry.get("distribution") == "D" else entry for entry in BAD_ENTRIES]
    document["entries"] = [bad[0], document["entries"][0], *bad[1:], document["entries"][1]]
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(document).encode())

    status = _invoke(stage, monkeypatch, ["status", "--json"])
    assert status.exit_code == 0 and "Traceback" not in status.output
    problems = json.loads(status.stdout)["ledger_problems"]
    assert problems == [
        "ledger entry #0 is not an object: skipped",
        "ledger entry #2 has no 'id': skipped",
        "ledger entry #3 is an intent without 'distribution' and 'action': skipped",
        "ledger entry #4 is an intent without a 'previous_config': skipped",
        "ledger entry #5 is an outcome without 'intent_id' and 'ok': skipped",
        "ledger entry #6 is not an object: skipped",
    ]
    assert json.loads(status.stdout)["last_change"]["drift"] == []

    back = _invoke(stage, monkeypatch, ["rollback", "--yes", "--no-wait"])
    assert back.exit_code == 0, back.output
    assert "ledger entry #2 has no 'id': skipped" in back.stderr
    assert _origins(stage)["default"] == ALB
    raw = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())["entries"]
    assert raw[0] == "not an entry" and len(raw) == 10, "bad entries are kept (append-only), only skipped"


def test_a_ledger_that_is_not_a_ledger_is_one_line(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> None:
    boto3.client("s3").put_object(Bucket=BUCKET, Key="cutover/ledger.json", Body=b'{"entries": {}}')
    result = _invoke(stage, monkeypatch, ["rollback", "--yes", "--no-wait"])
    assert result.exit_code == ExitStatus.CONFIG
    assert "is not a shopbot ledger (no 'entries' list)" in _one_error_line(result)


def test_one_route_at_a_time_then_rollback_last_or_all(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _invoke(stage, monkeypatch, ["cutover", "--to", "lambda", "--behavior", "/api/*", "--yes",
                                         "--no-wait", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["moves"] == {"/api/*": {"from": ALB, "to": API}}
    assert _origins(stage) == {"default": ALB, "/api/*": API, "/static/*": GROUP, "/health": ALB}
    status = json.loads(_invoke(stage, monkeypatch, ["status", "--json"]).stdout)
    assert status["mix"] == {"ecs": ["default", "/health"], "lambda": ["/api/*"], GROUP: ["/static/*"]}

    second = _invoke(stage, monkeypatch, ["cutover", "--to", "lambda", "--behavior", "/health", "--yes",
                                          "--no-wait"])
    assert second.exit_code == 0, second.output
    last = _invoke(stage, monkeypatch, ["rollback", "--yes", "--no-wait", "--json"])
    assert json.loads(last.stdout)["moves"] == {"/health": {"from": API, "to": ALB}}
    assert _origins(stage)["/api/*"] == API, "rollback undoes the last change only"

    third = _invoke(stage, monkeypatch, ["cutover", "--to", "lambda", "--behavior", "default", "--yes",
                                         "--no-wait"])
    assert third.exit_code == 0
    everything = _invoke(stage, monkeypatch, ["rollback", "--all", "--yes", "--no-wait", "--json"])
    assert everything.exit_code == 0, everything.output
    assert json.loads(everything.stdout)["moves"] == {"/api/*": {"from": API, "to": ALB},
                                                      "default": {"from": API, "to": ALB}}
    assert _origins(stage) == {"default": ALB, "/api/*": ALB, "/static/*": GROUP, "/health": ALB}
