"""Crashes, concurrent changes, drift, gates and dry runs - each leaves the truth intact.

Failures are injected through botocore event hooks on the very CloudFront client the
toolkit uses (`before-call` = the request never left; `after-call` = CloudFront applied it
and we died before recording the outcome). moto never changes ETags, so the concurrent
change is a real edit made by "someone else" plus the PreconditionFailed AWS would answer.
"""

from __future__ import annotations

from typing import Any

import boto3
import botocore.exceptions
import pytest
import requests
from shopbot_cli.cutover.flow import run_cutover, run_rollback
from shopbot_cli.cutover.planning import redacted
from shopbot_cli.cutover.status import read_status
from shopbot_cli.errors import Aborted, CliError, ConflictError, ExitStatus

from tests.integration.cutover.conftest import Stage, live_config
from tests.unit.cutover.sample import ALB, API


class Crash(Exception):
    """The process dying mid-way (not a user error: nothing catches it)."""


def _hook(stage: Stage, event: str, action: Any) -> Any:
    clients = stage.clients()
    clients.client("cloudfront").meta.events.register(f"{event}.cloudfront.UpdateDistribution", action)
    return clients


def _raise(*_: Any, **__: Any) -> None:
    raise Crash


def test_crash_between_intent_and_update(stage: Stage) -> None:
    before = stage.config()
    with pytest.raises(Crash):
        run_cutover(stage.settings, "lambda", clients=_hook(stage, "before-call", _raise), ui=stage.ui,
                    options=stage.options())
    assert stage.config() == before
    assert [e["kind"] for e in stage.ledger()] == ["intent"]

    status = read_status(stage.settings, clients=stage.clients(), ui=stage.ui)
    assert status["behaviours"]["default"]["target"] == "ecs"
    assert status["last_change"]["outcome"] == "not recorded"
    assert status["last_change"]["live_config"] == "the change was never applied"

    undone = run_rollback(stage.settings, clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert not undone["changed"] and stage.config() == before
    again = run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert again["changed"], "an intent that never applied is no drift"


def test_crash_between_update_and_outcome(stage: Stage) -> None:
    before, _ = stage.config()
    with pytest.raises(Crash):
        run_cutover(stage.settings, "lambda", clients=_hook(stage, "after-call", _raise), ui=stage.ui,
                    options=stage.options())
    assert stage.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == API
    assert [e["kind"] for e in stage.ledger()] == ["intent"]

    status = read_status(stage.settings, clients=stage.clients(), ui=stage.ui)
    assert status["behaviours"]["default"] == {"origin": API, "target": "lambda"}
    assert status["last_change"]["live_config"] == "the change was applied"
    assert status["last_change"]["drift"] == []

    undone = run_rollback(stage.settings, clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert undone["changed"] and stage.config()[0] == before


def test_precondition_failed_shows_the_other_change_and_stops(stage: Stage) -> None:
    before, _ = stage.config()

    def someone_else_wins(**_: Any) -> None:
        config, etag = live_config(stage.distribution_id)
        config["Comment"] = "edited by a colleague"
        boto3.client("cloudfront", region_name="us-east-1").update_distribution(
            Id=stage.distribution_id, IfMatch=etag, DistributionConfig=config)
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "PreconditionFailed", "Message": "The If-Match version is missing or not valid"}},
            "UpdateDistribution")

    with pytest.raises(ConflictError, match="changed by someone else") as caught:
        run_cutover(stage.settings, "lambda", clients=_hook(stage, "before-call", someone_else_wins),
                    ui=stage.ui, options=stage.options())
    assert caught.value.status == ExitStatus.CONFLICT
    assert "Comment: 'shopbot production' -> 'edited by a colleague'" in stage.output()
    now, _ = stage.config()
    assert now["DefaultCacheBehavior"]["TargetOriginId"] == ALB and now["Comment"] == "edited by a colleague"
    intent, outcome = stage.ledger()
    assert intent["previous_config"] == redacted(before)
    assert outcome["ok"] is False and "PreconditionFailed" in outcome["error"]
    status = read_status(stage.settings, clients=stage.clients(), ui=stage.ui)
    assert status["history"][0]["outcome"].startswith("failed")


def _hand_edit(stage: Stage, **changes: Any) -> None:
    config, etag = stage.config()
    config.update(changes)
    boto3.client("cloudfront", region_name="us-east-1").update_distribution(
        Id=stage.distribution_id, IfMatch=etag, DistributionConfig=config)


def test_drift_stops_rollback_until_forced(stage: Stage) -> None:
    run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    _hand_edit(stage, PriceClass="PriceClass_All")
    edited = stage.config()
    entries = stage.ledger()

    with pytest.raises(ConflictError, match="changed outside shopbot") as caught:
        run_rollback(stage.settings, clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert caught.value.status == ExitStatus.CONFLICT
    assert "PriceClass: 'PriceClass_100' -> 'PriceClass_All'" in stage.output()
    assert stage.config() == edited and stage.ledger() == entries

    status = read_status(stage.settings, clients=stage.clients(), ui=stage.ui)
    assert status["last_change"]["drift"] == ["PriceClass: 'PriceClass_100' -> 'PriceClass_All'"]

    forced = run_rollback(stage.settings, clients=stage.clients(), ui=stage.ui,
                          options=stage.options(force=True))
    config, _ = stage.config()
    assert forced["changed"] and config["DefaultCacheBehavior"]["TargetOriginId"] == ALB
    assert config["PriceClass"] == "PriceClass_All", "the hand edit is kept; only origins are restored"
    assert stage.ledger()[-2]["forced"] == ["drift"]


def test_drift_stops_a_new_cutover_too(stage: Stage) -> None:
    run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    _hand_edit(stage, Comment="hotfix")
    with pytest.raises(ConflictError, match="with --force"):
        run_cutover(stage.settings, "ecs", clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert stage.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == API


def test_dry_run_changes_nothing(stage: Stage) -> None:
    before = stage.config()
    result = run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui,
                         options=stage.options(dry_run=True))
    assert result["dry_run"] and not result["changed"]
    assert "Dry run" in stage.output() and "DefaultCacheBehavior.TargetOriginId" in stage.output()
    assert stage.config() == before and stage.ledger() == []


def test_declining_the_plan_changes_nothing(stage: Stage) -> None:
    stage.ui.assume_yes = False  # no terminal: confirm() answers no
    before = stage.config()
    with pytest.raises(Aborted):
        run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui,
                    options=stage.options(yes=False))
    assert stage.config() == before and stage.ledger() == []


@pytest.mark.parametrize(("breakage", "gate", "reason"), [
    ("sick", "health:lambda", "answered 503"),
    ("failed", "parity", "found differences"),
    ("expired", "parity", "s old (limit"),
    ("swapped", "parity", "(primary)"),
])
def test_each_failing_gate_stops_and_force_records_the_skip(
    stage: Stage, breakage: str, gate: str, reason: str
) -> None:
    if breakage == "sick":
        stage.origins.lambda_.sick = True
    elif breakage == "failed":
        stage.write_parity_report(passed=False)
    elif breakage == "expired":
        stage.write_parity_report(generated_at="2020-01-01T00:00:00Z")
    else:
        stage.write_parity_report(primary=stage.settings.api_url, candidate=stage.settings.alb_url)
    before = stage.config()
    with pytest.raises(CliError, match=f"gate '{gate}' failed") as caught:
        run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert caught.value.status == ExitStatus.DIFFERENCES and reason in str(caught.value)
    assert stage.config() == before and stage.ledger() == []

    forced = run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui,
                         options=stage.options(force=True))
    assert forced["changed"]
    intent = stage.ledger()[0]
    assert intent["forced"] == [gate]
    assert [(g["name"], g["passed"], g["skipped"]) for g in intent["gates"] if g["name"] == gate] == [
        (gate, False, True)]


def test_health_gate_checks_the_target_origin_not_the_other(stage: Stage) -> None:
    stage.origins.ecs.sick = True  # the ALB is sick, but we are moving to Lambda
    result = run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert result["changed"]
    assert [g["name"] for g in result["gates"] if g["passed"]] == ["health:lambda", "parity", "capacity"]
    status = read_status(stage.settings, clients=stage.clients(), ui=stage.ui)
    assert status["health"]["ecs"]["passed"] is False and "503" in status["health"]["ecs"]["detail"]


def test_deploy_timeout_says_where_things_stand(stage: Stage, aws: str) -> None:
    requests.post(f"{aws}/moto-api/state-manager/set-transition", timeout=5, json={
        "model_name": "cloudfront::distribution", "transition": {"progression": "manual", "times": 1000}})
    try:
        with pytest.raises(CliError, match=r"still InProgress after .* the change is saved") as caught:
            run_cutover(stage.settings.with_overrides(deploy_timeout_seconds=0), "lambda",
                        clients=stage.clients(), ui=stage.ui, options=stage.options(wait=True))
    finally:
        requests.post(f"{aws}/moto-api/state-manager/unset-transition", timeout=5,
                      json={"model_name": "cloudfront::distribution"})
    assert caught.value.status == ExitStatus.UNVERIFIED
    assert stage.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == API
    assert [e["kind"] for e in stage.ledger()] == ["intent", "outcome"]
