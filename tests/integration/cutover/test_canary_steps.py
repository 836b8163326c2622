"""`cutover --canary 5,10 --step-watch 1m`: each step watched, advanced, promoted, or rolled back.

CloudFront continuous deployment and CloudWatch are Stubbers (moto lacks both); every
request is stated exactly. The ALB is found in moto's ELBv2, the ledger is moto's S3.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber
from shopbot_cli.cutover.canary import parse_steps, run_canary
from shopbot_cli.cutover.status import read_status
from shopbot_cli.errors import CliError, ExitStatus

from tests.integration.cutover.conftest import Stage
from tests.integration.cutover.test_canary import (
    POLICY,
    PRIMARY,
    STAGING,
    StubbedCloudFront,
    _distribution,
    _moved,
    distribution_config,
    expect_cleanup,
    expect_start,
    staging_config,
)
from tests.integration.cutover.test_watch import CALM, Clock, _alb, alb_queries, window_queries

STEP = [{"Id": "staging_requests", "ReturnData": True, "MetricStat": {
    "Metric": {"Namespace": "AWS/CloudFront", "MetricName": "Requests", "Dimensions": [
        {"Name": "DistributionId", "Value": STAGING}, {"Name": "Region", "Value": "Global"}]},
    "Period": 60, "Stat": "Sum"}}]


class Stubbed(StubbedCloudFront):
    """CloudFront and CloudWatch stubbed; ELBv2, S3 and STS are moto."""

    def __init__(self, stage: Stage, load_balancer: str) -> None:
        super().__init__(stage)
        self.load_balancer = load_balancer
        self.cloudwatch = botocore.session.get_session().create_client(
            "cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        self.watch_stub = Stubber(self.cloudwatch)

    def client(self, service: str) -> Any:
        return self.cloudwatch if service == "cloudwatch" else super().client(service)

    def step(self, started: datetime, values: dict[str, Any], staging_requests: float | None) -> None:
        """One step of one window: the ALB baseline, the window, the staging distribution's requests."""
        base_end = datetime.fromtimestamp((started - timedelta(seconds=180)).timestamp() // 60 * 60, tz=UTC)
        self._metrics(alb_queries(self.load_balancer, 1800), {"alb_count": 9000.0, "alb_5xx": 0.0,
                                                               "alb_p99_s": 0.15},
                      base_end - timedelta(minutes=30), base_end)
        start = datetime.fromtimestamp(-(-started.timestamp() // 60) * 60, tz=UTC)
        end = start + timedelta(minutes=1)
        self._metrics(window_queries(self.load_balancer), values, start, end)
        self._metrics(STEP, {"staging_requests": staging_requests}, start, end)

    def _metrics(self, queries: list[dict[str, Any]], values: dict[str, Any], start: datetime,
                 end: datetime) -> None:
        results = [{"Id": k, "Label": k, "Values": [] if v is None else [v], "StatusCode": "Complete"}
                   for k, v in values.items()]
        self.watch_stub.add_response("get_metric_data", {"MetricDataResults": results},
                                     {"MetricDataQueries": queries, "StartTime": start, "EndTime": end})


@pytest.fixture
def steps_stage(stage: Stage) -> tuple[Stage, Stubbed, str]:
    dns_name, dimension = _alb()
    stage.settings = stage.settings.with_overrides(distribution_id=PRIMARY, lambda_function="shopbot")
    return stage, Stubbed(stage, dimension), dns_name


def _primary(dns_name: str, **changes: Any) -> dict[str, Any]:
    config = distribution_config(**changes)
    config["Origins"]["Items"][0]["DomainName"] = dns_name
    return config


def _expect_watcher(stub: Stubber, dns_name: str) -> None:
    attached = _primary(dns_name, ContinuousDeploymentPolicyId=POLICY)
    stub.add_response("get_distribution_config", {"DistributionConfig": attached, "ETag": "E2"}, {"Id": PRIMARY})


def _expect_start(stub: Stubber, dns_name: str) -> None:
    expect_start(stub, _primary(dns_name))  # the ALB's real DNS name: the watch finds its metrics


def _expect_rollback(stub: Stubber, dns_name: str) -> None:
    attached = _primary(dns_name, ContinuousDeploymentPolicyId=POLICY)
    detached = {**attached, "ContinuousDeploymentPolicyId": ""}
    stub.add_response("get_distribution_config", {"DistributionConfig": attached, "ETag": "E2"}, {"Id": PRIMARY})
    stub.add_response("update_distribution",
                      {"Distribution": _distribution(PRIMARY, detached, "d111primary.cloudfront.net"), "ETag": "E3"},
                      {"Id": PRIMARY, "IfMatch": "E2", "DistributionConfig": detached})
    expect_cleanup(stub)


def _run(stage: Stage, clients: Stubbed, steps: str, clock: Clock) -> dict[str, Any]:
    with clients.stub, clients.watch_stub:
        result: dict[str, Any] = run_canary(stage.settings, "lambda", parse_steps(steps), clients=clients,
                                            ui=stage.ui, options=stage.options(), step_watch=60.0,
                                            wall=clock.wall, sleep=clock.sleep)
    return result


def test_steps_advance_then_promote_detach_and_delete(steps_stage: tuple[Stage, Stubbed, str]) -> None:
    stage, clients, dns_name = steps_stage
    stub = clients.stub
    _expect_start(stub, dns_name)
    _expect_watcher(stub, dns_name)
    clock = Clock()
    clients.step(clock.now, CALM, 25.0)                                   # step 1 at 5%: window 08:01
    policy = {"StagingDistributionDnsNames": {"Quantity": 1, "Items": ["d222staging.cloudfront.net"]},
              "Enabled": True, "TrafficConfig": {"Type": "SingleWeight", "SingleWeightConfig": {
                  "Weight": 0.05, "SessionStickinessConfig": {"IdleTTL": 300, "MaximumTTL": 300}}}}
    stub.add_response("get_continuous_deployment_policy_config",
                      {"ContinuousDeploymentPolicyConfig": policy, "ETag": "P1"}, {"Id": POLICY})
    ten = {**policy, "TrafficConfig": {"Type": "SingleWeight", "SingleWeightConfig": {
        "Weight": 0.1, "SessionStickinessConfig": {"IdleTTL": 300, "MaximumTTL": 300}}}}
    stub.add_response("update_continuous_deployment_policy",
                      {"ContinuousDeploymentPolicy": {"Id": POLICY, "LastModifiedTime": datetime.now(UTC),
                                                      "ContinuousDeploymentPolicyConfig": ten}, "ETag": "P2"},
                      {"Id": POLICY, "IfMatch": "P1", "ContinuousDeploymentPolicyConfig": ten})
    clients.step(datetime(2026, 12, 1, 8, 5, tzinfo=UTC), CALM, 50.0)   # step 2 at 10%: window 08:05
    attached = _primary(dns_name, ContinuousDeploymentPolicyId=POLICY)
    promoted = _moved(attached)
    detached = {**promoted, "ContinuousDeploymentPolicyId": ""}
    stub.add_response("get_distribution_config", {"DistributionConfig": attached, "ETag": "E2"}, {"Id": PRIMARY})
    stub.add_response("get_distribution_config", {"DistributionConfig": _moved(staging_config()), "ETag": "S2"},
                      {"Id": STAGING})
    stub.add_response("update_distribution_with_staging_config",
                      {"Distribution": _distribution(PRIMARY, promoted, "d111primary.cloudfront.net"), "ETag": "E3"},
                      {"Id": PRIMARY, "StagingDistributionId": STAGING, "IfMatch": "E2, S2"})
    stub.add_response("get_distribution_config", {"DistributionConfig": promoted, "ETag": "E3"}, {"Id": PRIMARY})
    stub.add_response("update_distribution",
                      {"Distribution": _distribution(PRIMARY, detached, "d111primary.cloudfront.net"), "ETag": "E4"},
                      {"Id": PRIMARY, "IfMatch": "E3", "DistributionConfig": detached})
    expect_cleanup(stub)

    result = _run(stage, clients, "5,10", clock)
    stub.assert_no_pending_responses()
    clients.watch_stub.assert_no_pending_responses()
    assert result["promoted"] and [s["decision"] for s in result["steps"]] == ["passed", "passed"]
    assert [s["percent"] for s in result["steps"]] == [5.0, 10.0]
    kinds = [e["kind"] for e in stage.ledger()]
    assert kinds == ["intent", "outcome", "watch", "canary-step", "watch", "canary-step", "intent", "outcome",
                     "canary-cleanup"]
    assert stage.ledger()[2]["values"]["staging_requests"] == 25.0


def test_a_step_whose_staging_got_no_traffic_rolls_back_inconclusive(
        steps_stage: tuple[Stage, Stubbed, str]) -> None:
    stage, clients, dns_name = steps_stage
    _expect_start(clients.stub, dns_name)
    _expect_watcher(clients.stub, dns_name)
    clock = Clock()
    clients.step(clock.now, CALM, 0.0)   # CloudFront sent everyone to the primary: proves nothing
    _expect_rollback(clients.stub, dns_name)
    with pytest.raises(CliError, match=r"canary step 1 \(5%\) inconclusive.*CloudFront may have sent everyone"
                                       r".*rolled back") as caught:
        _run(stage, clients, "5,10", clock)
    assert caught.value.status == ExitStatus.INCONCLUSIVE
    clients.stub.assert_no_pending_responses()
    assert [e["kind"] for e in stage.ledger()][-3:] == ["intent", "outcome", "canary-cleanup"]


def test_a_breach_at_a_step_rolls_back_at_once(steps_stage: tuple[Stage, Stubbed, str]) -> None:
    stage, clients, dns_name = steps_stage
    _expect_start(clients.stub, dns_name)
    _expect_watcher(clients.stub, dns_name)
    clock = Clock()
    clients.step(clock.now, {**CALM, "errors": 6.0}, 30.0)   # 1.2% errors
    _expect_rollback(clients.stub, dns_name)
    with pytest.raises(CliError, match=r"canary step 1 \(5%\) rollback: Lambda error rate 1.20%") as caught:
        _run(stage, clients, "5,10,15", clock)
    assert caught.value.status == ExitStatus.DIFFERENCES
    clients.stub.assert_no_pending_responses()
    step = [e for e in stage.ledger() if e["kind"] == "canary-step"]
    assert [(s["step"], s["decision"]) for s in step] == [(1, "rollback")]


def test_http3_distribution_is_refused_with_the_reason(steps_stage: tuple[Stage, Stubbed, str]) -> None:
    stage, clients, _ = steps_stage
    clients.stub.add_response("get_distribution_config",
                              {"DistributionConfig": distribution_config(HttpVersion="http2and3"), "ETag": "E1"},
                              {"Id": PRIMARY})
    with clients.stub, pytest.raises(CliError, match=r"supports HTTP/3 .*canary_planned = true"):
        run_canary(stage.settings, "lambda", 5, clients=clients, ui=stage.ui, options=stage.options())
    assert stage.ledger() == []


def test_a_canary_that_failed_to_start_is_shown_as_such(steps_stage: tuple[Stage, Stubbed, str]) -> None:
    stage, clients, _ = steps_stage
    stub = clients.stub
    stub.add_response("get_distribution_config", {"DistributionConfig": distribution_config(), "ETag": "E1"},
                      {"Id": PRIMARY})
    stub.add_client_error("copy_distribution", service_error_code="TooManyDistributions",
                          service_message="Your request contains more distributions than are allowed",
                          http_status_code=400)
    with stub, pytest.raises(CliError, match="TooManyDistributions"):
        run_canary(stage.settings, "lambda", 5, clients=clients, ui=stage.ui, options=stage.options())
    intent, outcome = stage.ledger()
    assert outcome["ok"] is False and outcome["intent_id"] == intent["id"]
    stub.add_response("get_distribution", {"Distribution": {**_distribution(
        PRIMARY, distribution_config(), "d111primary.cloudfront.net"), "Status": "Deployed"}, "ETag": "E1"},
        {"Id": PRIMARY})
    with stub:
        status = read_status(stage.settings, clients=clients, ui=stage.ui)
    assert status["canary"]["state"].startswith("failed to start (") and "TooManyDistributions" in \
        status["canary"]["state"]
    assert status["last_change"]["drift"] == []
    assert "the change was applied" not in status["last_change"]["live_config"]


@pytest.mark.parametrize(("text", "says"), [
    ("5,20", "at most 15 percent"), ("0", "more than 0"), ("10,5", "steps must increase"),
    ("5,5", "steps must increase"), ("five", "give percentages"),
])
def test_bad_steps_are_one_line(text: str, says: str) -> None:
    with pytest.raises(CliError, match=says):
        parse_steps(text)
    assert parse_steps("5,10,15") == [5.0, 10.0, 15.0]
