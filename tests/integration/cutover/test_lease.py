"""One change at a time: the ledger lease, and CloudFront's real ETag rules when two race anyway.

The lease is real (moto's S3 conditional writes). The race runs through `EtagProxy`, a proxy
in front of moto with CloudFront's ETag rules: a stale If-Match answers 412.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from shopbot_cli.aws import AwsClients
from shopbot_cli.cutover.canary import run_canary
from shopbot_cli.cutover.flow import run_cutover, run_rollback
from shopbot_cli.cutover.ledger import Ledger, LedgerLocation
from shopbot_cli.cutover.status import read_status
from shopbot_cli.errors import CliError, ConflictError, ExitStatus

from tests.integration.cutover.conftest import LEDGER, Stage
from tests.integration.cutover.etag_proxy import EtagProxy
from tests.unit.cutover.sample import ALB, API

WHO = "arn:aws:sts::123456789012:user/moto"


def _ledger() -> Ledger:
    return Ledger(boto3.client("s3"), LedgerLocation.parse(LEDGER), WHO)


def _held_by_someone_else(seconds: float = 900) -> dict[str, Any]:
    lease = _ledger().acquire("their-laptop:4242", "cutover", seconds)
    assert lease is not None
    return lease


@pytest.mark.parametrize("change", ["cutover", "rollback", "canary"])
def test_a_second_change_is_refused_while_the_lease_is_held(stage: Stage, change: str) -> None:
    lease = _held_by_someone_else()
    before = stage.config()
    with pytest.raises(CliError) as caught:
        if change == "cutover":
            run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
        elif change == "rollback":
            run_rollback(stage.settings, clients=stage.clients(), ui=stage.ui, options=stage.options())
        else:
            run_canary(stage.settings, "lambda", 5, clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert caught.value.status == ExitStatus.BUSY == 9
    assert str(caught.value).startswith(f"cutover {lease['id'][:8]} by {WHO} in progress since {lease['since']}")
    assert "--force" in str(caught.value)
    assert stage.config() == before and stage.ledger() == []
    assert _ledger().lease() == lease


def test_a_crashed_holders_lease_expires_and_is_taken(stage: Stage) -> None:
    old = _held_by_someone_else(seconds=-1)
    result = run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    assert result["changed"]
    taken = stage.ledger()[0]
    assert (taken["kind"], taken["event"], taken["previous"]["id"]) == ("lease", "expired and taken over", old["id"])
    assert _ledger().lease() is None, "released at the end"


def test_force_breaks_the_lease_and_the_ledger_says_so(stage: Stage) -> None:
    _held_by_someone_else()
    result = run_cutover(stage.settings, "lambda", clients=stage.clients(), ui=stage.ui,
                         options=stage.options(force=True))
    assert result["changed"]
    broken = stage.ledger()[0]
    assert (broken["event"], broken["previous"]["holder"], broken["who"]) == ("broken (--force)",
                                                                             "their-laptop:4242", WHO)


def test_status_shows_who_holds_the_lease(stage: Stage) -> None:
    lease = _held_by_someone_else()
    status = read_status(stage.settings, clients=stage.clients(), ui=stage.ui)
    assert status["lease"]["id"] == lease["id"]
    assert f"in progress: cutover {lease['id'][:8]} by {WHO}" in stage.output()


@pytest.fixture
def proxy(aws: str) -> Iterator[EtagProxy]:
    server = EtagProxy(aws)
    yield server
    server.close()


def test_the_loser_of_a_real_etag_race_leaves_no_drift_and_rollback_works(stage: Stage, proxy: EtagProxy) -> None:
    """A plans; before A records its intent, B breaks A's lease (--force) and moves /api/*; A's
    update then carries a stale ETag (412). A's failed intent is the last one in the ledger."""
    settings = stage.settings.with_overrides(endpoint_url=proxy.url)
    winner: dict[str, Any] = {}
    writes = [0]

    def b_runs_first(**_: Any) -> None:
        writes[0] += 1
        if writes[0] == 2:  # A's second ledger write is its intent (the first took the lease)
            winner.update(run_cutover(settings, "lambda", clients=AwsClients(settings), ui=stage.ui,
                                      options=stage.options(force=True, holder="colleague:1",
                                                            behaviors=["/api/*"])))

    a_clients = AwsClients(settings)
    a_clients.client("s3").meta.events.register("before-call.s3.PutObject", b_runs_first)
    with pytest.raises(ConflictError, match="changed by someone else") as caught:
        run_cutover(settings, "lambda", clients=a_clients, ui=stage.ui, options=stage.options())
    assert caught.value.status == ExitStatus.CONFLICT and proxy.refused == 1
    assert winner["changed"] and winner["moves"] == {"/api/*": {"from": ALB, "to": API}}
    config, _ = stage.config()
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == ALB
    assert "our ledger lease was broken by someone else" in stage.output()

    kinds = [(e["kind"], e.get("action"), e.get("ok")) for e in stage.ledger()]
    assert kinds == [("lease", "cutover", None), ("intent", "cutover", None), ("outcome", None, True),
                     ("intent", "cutover", None), ("outcome", None, False)]

    status = read_status(settings, clients=AwsClients(settings), ui=stage.ui)
    assert status["last_change"]["outcome"].startswith("failed")
    assert status["last_change"]["drift"] == [], "the loser's failed intent is no reference for drift"
    assert status["mix"]["lambda"] == ["/api/*"]

    undone = run_rollback(settings, clients=AwsClients(settings), ui=stage.ui, options=stage.options())
    assert undone["changed"] and undone["undoes"] == winner["intent_id"]
    config, _ = stage.config()
    assert config["CacheBehaviors"]["Items"][0]["TargetOriginId"] == ALB
    assert proxy.refused == 1 and _ledger().lease() is None
