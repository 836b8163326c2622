"""cutover -> status -> rollback -> rollback again -> cutover back, against moto over HTTP.

After every step the whole distribution config, except the moved TargetOriginIds, equals
what moto returned before the first change (moto adds ForwardedValues/TTL fields on read
and drops FunctionAssociations on create, so "before" is moto's own answer, not our input).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import requests
from shopbot_cli.cutover.flow import run_cutover, run_rollback
from shopbot_cli.cutover.planning import redacted
from shopbot_cli.cutover.status import read_status

from tests.integration.cutover.conftest import Edge, Stage, live_config
from tests.unit.cutover.sample import ALB, API, GROUP, TAGS, without_origins

MOVED = ["default", "/api/*"]


def _origins(config: dict[str, Any]) -> dict[str, str]:
    found = {"default": config["DefaultCacheBehavior"]["TargetOriginId"]}
    found.update({b["PathPattern"]: b["TargetOriginId"] for b in config["CacheBehaviors"]["Items"]})
    return found


def test_cutover_status_rollback_twice_and_back(stage: Stage) -> None:
    original, etag = stage.config()
    assert _origins(original) == {"default": ALB, "/api/*": ALB, "/static/*": GROUP, "/health": ALB}
    clients = stage.clients()

    result = run_cutover(stage.settings, "lambda", clients=clients, ui=stage.ui, options=stage.options())
    after, _ = stage.config()
    assert result["changed"] and result["moves"] == {"default": {"from": ALB, "to": API},
                                                     "/api/*": {"from": ALB, "to": API}}
    assert _origins(after) == {"default": API, "/api/*": API, "/static/*": GROUP, "/health": ALB}
    assert without_origins(after, MOVED) == without_origins(original, MOVED)
    assert after["Aliases"]["Items"] == ["shop.example.com", "www.shop.example.com"]
    assert after["CallerReference"] == original["CallerReference"]

    status = read_status(stage.settings, clients=clients, ui=stage.ui)
    assert status["behaviours"] == {"default": {"origin": API, "target": "lambda"},
                                    "/api/*": {"origin": API, "target": "lambda"},
                                    "/static/*": {"origin": GROUP, "target": GROUP},
                                    "/health": {"origin": ALB, "target": "ecs"}}
    assert status["mix"] == {"lambda": ["default", "/api/*"], GROUP: ["/static/*"], "ecs": ["/health"]}
    assert status["health"]["ecs"]["passed"] and status["health"]["lambda"]["passed"]
    assert status["status"] in {"InProgress", "Deployed"}
    [row] = status["history"]
    assert row["who"] == "arn:aws:sts::123456789012:user/moto"
    assert (row["action"], row["from"], row["to"], row["outcome"]) == ("cutover", [ALB], [API], "ok")
    assert row["gates_passed"] == ["health:lambda", "parity", "capacity"] and row["gates_skipped"] == []
    assert len(row["parity_report"]["sha256"]) == 64
    assert status["last_change"]["drift"] == []

    undone = run_rollback(stage.settings, clients=clients, ui=stage.ui, options=stage.options())
    restored, restored_etag = stage.config()
    assert undone["changed"] and undone["undoes"] == result["intent_id"]
    assert restored == original, "rollback restores exactly the config moto returned before"

    again = run_rollback(stage.settings, clients=clients, ui=stage.ui, options=stage.options())
    assert not again["changed"]
    assert "nothing to roll back" in stage.output()
    assert stage.config() == (original, restored_etag)

    back = run_cutover(stage.settings, "lambda", clients=clients, ui=stage.ui, options=stage.options())
    assert back["changed"]
    run_cutover(stage.settings, "ecs", clients=clients, ui=stage.ui, options=stage.options())
    assert stage.config()[0] == original

    kinds = [(e["kind"], e.get("action")) for e in stage.ledger()]
    assert kinds == [("intent", "cutover"), ("outcome", None), ("intent", "rollback"), ("outcome", None),
                     ("intent", "cutover"), ("outcome", None), ("intent", "cutover"), ("outcome", None)]
    intent = stage.ledger()[0]
    assert intent["previous_config"] == redacted(original) and intent["etag"] == etag
    assert "not-a-secret" not in json.dumps(stage.ledger()), "origin header values are masked in the ledger"
    tags = boto3.client("cloudfront", region_name="us-east-1").list_tags_for_resource(
        Resource=f"arn:aws:cloudfront::123456789012:distribution/{stage.distribution_id}")
    assert tags["Tags"]["Items"] == TAGS


def test_cutover_to_the_current_target_changes_nothing(stage: Stage) -> None:
    before = stage.config()
    result = run_cutover(stage.settings, "ecs", clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert not result["changed"] and "already served by ecs" in stage.output()
    assert stage.config() == before and stage.ledger() == []


def test_rollback_with_no_cutover_in_the_ledger_says_so(stage: Stage) -> None:
    result = run_rollback(stage.settings, clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert not result["changed"] and "records no cutover" in stage.output()


def test_wait_for_deployed_then_verify_at_the_edge(stage: Stage, edge: Edge) -> None:
    settings = stage.settings.with_overrides(edge_url=edge.url + "/health", verify_threshold=1.0)
    result = run_cutover(settings, "lambda", clients=stage.clients(), ui=stage.ui,
                         options=stage.options(wait=True, verify_seconds=60))
    assert result["deployed_after_seconds"] >= 0
    assert result["edge"]["verified"] and result["edge"]["share"] == 1.0 and result["edge"]["target"] == "lambda"
    assert "came from lambda" in stage.output()
    undone = run_rollback(settings, clients=stage.clients(), ui=stage.ui,
                          options=stage.options(wait=True, verify_seconds=60))
    assert undone["edge"]["target"] == "ecs" and undone["edge"]["verified"]
    assert live_config(stage.distribution_id)[0]["DefaultCacheBehavior"]["TargetOriginId"] == ALB


def test_rollback_restores_the_recorded_origin_not_the_other_one(stage: Stage) -> None:
    settings = stage.settings.with_overrides(behaviors=["/static/*"])
    original, _ = stage.config()
    run_cutover(settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert _origins(stage.config()[0])["/static/*"] == API
    undone = run_rollback(settings, clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert undone["moves"] == {"/static/*": {"from": API, "to": GROUP}}, "back to the origin group, not the ALB"
    assert stage.config()[0] == original


def test_waits_through_in_progress_until_deployed(stage: Stage, aws: str) -> None:
    # moto counts calls that touch the distribution (read, update, each status poll) and only then
    # says Deployed; it never goes back to InProgress on update, so the fresh one starts there.
    requests.post(f"{aws}/moto-api/state-manager/set-transition", timeout=5, json={
        "model_name": "cloudfront::distribution", "transition": {"progression": "manual", "times": 5}})
    try:
        result = run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui,
                             options=stage.options(wait=True, poll_seconds=0.2))
    finally:
        requests.post(f"{aws}/moto-api/state-manager/unset-transition", timeout=5,
                      json={"model_name": "cloudfront::distribution"})
    assert result["deployed_after_seconds"] >= 0.2, "it polled at least once while InProgress"
    assert "is Deployed" in stage.output()
