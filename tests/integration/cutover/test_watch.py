"""`--watch`: finished windows only, exact queries, breach rolls back, thin data is inconclusive.

CloudFront, ELBv2 (finding the ALB by its DNS name), S3 and STS are moto. CloudWatch is a
Stubber: moto 5.2's GetMetricData cannot compute percentile statistics (a `p99` query
answers HTTP 500) and never evaluates alarms; the Stubber checks our queries against the
real service model, and each test states the EXACT query (times, ids, dimensions,
ReturnData): a window asked for in the future, a wrong API id or a dropped metric all fail.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from shopbot_cli.aws import AwsClients
from shopbot_cli.cutover.flow import run_cutover
from shopbot_cli.cutover.watch import run_watch
from shopbot_cli.cutover.watch_rules import Thresholds
from shopbot_cli.errors import CliError, ConfigError, ExitStatus
from shopbot_cli.settings.environments import Settings

from tests.integration.cutover.conftest import Stage, create_distribution
from tests.unit.cutover.sample import ALB, API

CALM = {"api_5xx": 0.0, "api_count": 500.0, "api_p99_ms": 180.0, "errors": 0.0, "throttles": 0.0,
        "invocations": 500.0, "alb_5xx": 0.0, "alb_count": 500.0, "alb_p99_s": 0.15}
BASELINE = {"alb_5xx": 3.0, "alb_count": 30000.0, "alb_p99_s": 0.2}
STARTED = datetime(2026, 12, 1, 8, 0, 30, tzinfo=UTC)   # the change; windows begin at 08:01
API_ID = "abc123defg"                                   # from the sample's API origin domain


def _query(name: str, namespace: str, metric: str, dimension: tuple[str, str], stat: str,
           period: int = 60) -> dict[str, Any]:
    return {"Id": name, "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": metric,
                   "Dimensions": [{"Name": dimension[0], "Value": dimension[1]}]},
        "Period": period, "Stat": stat}}


def alb_queries(load_balancer: str, period: int) -> list[dict[str, Any]]:
    alb = ("LoadBalancer", load_balancer)
    return [_query("alb_5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", alb, "Sum", period),
            _query("alb_count", "AWS/ApplicationELB", "RequestCount", alb, "Sum", period),
            _query("alb_p99_s", "AWS/ApplicationELB", "TargetResponseTime", alb, "p99", period)]


def window_queries(load_balancer: str) -> list[dict[str, Any]]:
    api, fn = ("ApiId", API_ID), ("FunctionName", "shopbot")
    return [_query("api_5xx", "AWS/ApiGateway", "5xx", api, "Sum"),
            _query("api_count", "AWS/ApiGateway", "Count", api, "Sum"),
            _query("api_p99_ms", "AWS/ApiGateway", "Latency", api, "p99"),
            _query("errors", "AWS/Lambda", "Errors", fn, "Sum"),
            _query("throttles", "AWS/Lambda", "Throttles", fn, "Sum"),
            _query("invocations", "AWS/Lambda", "Invocations", fn, "Sum"),
            *alb_queries(load_balancer, 60)]


class StubbedCloudWatch(AwsClients):
    def __init__(self, settings: Settings, load_balancer: str) -> None:
        super().__init__(settings)
        self.load_balancer = load_balancer
        self.cloudwatch = botocore.session.get_session().create_client(
            "cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        self.stub = Stubber(self.cloudwatch)

    def client(self, service: str) -> Any:
        return self.cloudwatch if service == "cloudwatch" else super().client(service)

    def baseline(self, values: dict[str, float]) -> None:
        """The ALB's half hour before the change, ending at the last finished minute (lag 180 s)."""
        end = datetime(2026, 12, 1, 7, 57, tzinfo=UTC)
        self._answer(values, alb_queries(self.load_balancer, 1800), end - timedelta(minutes=30), end)

    def window(self, minute: int, values: dict[str, float | None]) -> None:
        start = datetime(2026, 12, 1, 8, minute, tzinfo=UTC)
        self._answer(values, window_queries(self.load_balancer), start, start + timedelta(minutes=1))

    def _answer(self, values: dict[str, Any], queries: list[dict[str, Any]], start: datetime,
                end: datetime) -> None:
        results = [{"Id": name, "Label": name, "Values": [] if value is None else [value],
                    "StatusCode": "Complete"} for name, value in values.items()]
        self.stub.add_response("get_metric_data", {"MetricDataResults": results},
                               {"MetricDataQueries": queries, "StartTime": start, "EndTime": end})


class Clock:
    """Wall time that moves only when the watch sleeps (each read's moment is recorded)."""

    def __init__(self) -> None:
        self.now = STARTED
        self.slept: list[float] = []

    def wall(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def _alb() -> tuple[str, str]:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{z}")
               ["Subnet"]["SubnetId"] for i, z in enumerate("ab")]
    balancer = boto3.client("elbv2").create_load_balancer(Name="shopbot-alb", Subnets=subnets)["LoadBalancers"][0]
    return str(balancer["DNSName"]), str(balancer["LoadBalancerArn"]).split(":loadbalancer/", 1)[1]


@pytest.fixture
def watched(stage: Stage) -> tuple[Stage, StubbedCloudWatch]:
    dns_name, dimension = _alb()
    distribution_id = create_distribution("shopbot-watched", alb_domain=dns_name)
    stage.settings = stage.settings.with_overrides(distribution_id=distribution_id, lambda_function="shopbot")
    stage.distribution_id = distribution_id
    clients = StubbedCloudWatch(stage.settings, dimension)
    run_cutover(stage.settings, "lambda", clients=clients, ui=stage.ui, options=stage.options())
    assert stage.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == API
    return stage, clients


def _watch(stage: Stage, clients: StubbedCloudWatch, duration: str, clock: Clock, **settings: Any) -> Any:
    with clients.stub:
        result = run_watch(stage.settings.with_overrides(**settings), "lambda", duration, clients=clients,
                           ui=stage.ui, options=stage.options(), wall=clock.wall, sleep=clock.sleep)
        clients.stub.assert_no_pending_responses()
    return result


def _watch_entries(stage: Stage) -> list[dict[str, Any]]:
    return [e for e in stage.ledger() if e["kind"] == "watch"]


def test_calm_finished_windows_pass_and_each_is_read_only_once_finished(
        watched: tuple[Stage, StubbedCloudWatch]) -> None:
    stage, clients = watched
    clients.baseline(BASELINE)
    clients.window(1, CALM)
    clients.window(2, CALM)
    clock = Clock()
    result = _watch(stage, clients, "2m", clock)
    assert result["verdict"] == "passed" and result["counts"] == {"pass": 2, "breach": 0, "inconclusive": 0}
    # window 08:01-08:02 is read at 08:05 (lag 180 s), 08:02-08:03 at 08:06: never a window still filling
    assert clock.slept == [270.0, 60.0] and clock.now == datetime(2026, 12, 1, 8, 6, tzinfo=UTC)
    entries = _watch_entries(stage)
    assert [(e["check"], e["verdict"], e["window"]) for e in entries] == [
        (1, "pass", ["2026-12-01T08:01:00+00:00", "2026-12-01T08:02:00+00:00"]),
        (2, "pass", ["2026-12-01T08:02:00+00:00", "2026-12-01T08:03:00+00:00"])]
    assert entries[0]["values"] == CALM and entries[0]["limits"]["min_requests"] == 20
    assert stage.ledger()[-1]["kind"] == "watch-end" and stage.ledger()[-1]["verdict"] == "passed"
    assert stage.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == API


def test_a_breach_rolls_back_and_exits_1(watched: tuple[Stage, StubbedCloudWatch]) -> None:
    stage, clients = watched
    clients.baseline(BASELINE)
    clients.window(1, CALM)
    clients.window(2, {**CALM, "throttles": 1.0})
    with pytest.raises(CliError, match=r"throttled 1 invocation.*rolled back") as caught:
        _watch(stage, clients, "10m", Clock())
    assert caught.value.status == ExitStatus.DIFFERENCES
    assert stage.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == ALB
    kinds = [(e["kind"], e.get("action"), e.get("verdict")) for e in stage.ledger()[2:]]
    assert kinds == [("watch", None, "pass"), ("watch", None, "breach"), ("watch-end", None, "rollback"),
                     ("intent", "rollback", None), ("outcome", None, None)]
    assert _watch_entries(stage)[1]["reasons"] == ["Lambda throttled 1 invocation(s) (limit 0)"]


def test_empty_windows_end_inconclusive_with_exit_8_and_nothing_rolled_back(
        watched: tuple[Stage, StubbedCloudWatch]) -> None:
    stage, clients = watched
    clients.baseline(BASELINE)
    clients.window(1, dict.fromkeys(CALM))           # CloudWatch has no datapoint at all
    clients.window(2, {**CALM, "api_count": 19.0})   # one request short of the minimum
    clients.window(3, CALM)
    with pytest.raises(CliError, match=r"watch inconclusive: 2 of 3 window\(s\) had too little data") as caught:
        _watch(stage, clients, "3m", Clock())
    assert caught.value.status == ExitStatus.INCONCLUSIVE == 8
    assert "passed" not in str(caught.value)
    assert [e["verdict"] for e in _watch_entries(stage)] == ["inconclusive", "inconclusive", "pass"]
    assert stage.ledger()[-1]["verdict"] == "inconclusive"
    assert stage.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == API


def test_after_a_full_cutover_the_alb_baseline_is_the_yardstick(watched: tuple[Stage, StubbedCloudWatch]) -> None:
    stage, clients = watched
    clients.baseline(BASELINE)  # p99 200 ms before the change: the limit is 200 * 1.5 + 100 = 400 ms
    clients.window(1, {**CALM, "alb_count": 0.0, "alb_5xx": None, "alb_p99_s": None, "api_p99_ms": 401.0})
    with pytest.raises(CliError, match=r"p99 latency 401 ms vs ALB 200 ms \(limit 400 ms\)"):
        _watch(stage, clients, "1m", Clock())
    assert _watch_entries(stage)[0]["baseline"] == BASELINE


def test_named_alarms_gate_the_watch(watched: tuple[Stage, StubbedCloudWatch]) -> None:
    stage, clients = watched
    clients.baseline(BASELINE)
    clients.window(1, CALM)
    alarm = {"AlarmName": "shopbot-5xx", "StateValue": "ALARM", "StateReason": "5xx above 2%",
             "StateUpdatedTimestamp": STARTED}
    clients.stub.add_response("describe_alarms", {"MetricAlarms": [alarm]},
                              {"AlarmNames": ["shopbot-5xx", "shopbot-latency"]})
    with pytest.raises(CliError, match="alarm shopbot-5xx is in ALARM"):
        _watch(stage, clients, "1m", Clock(), watch_alarms=["shopbot-5xx", "shopbot-latency"])
    assert stage.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == ALB


def test_limits_from_settings_two_breaches_in_a_row(watched: tuple[Stage, StubbedCloudWatch]) -> None:
    stage, clients = watched
    clients.baseline(BASELINE)
    clients.window(1, {**CALM, "throttles": 2.0})
    clients.window(2, {**CALM, "throttles": 1.0})
    result = _watch(stage, clients, "2m", Clock(), watch_consecutive_breaches=2, watch_max_throttles=1)
    assert result["verdict"] == "passed" and result["counts"]["breach"] == 1
    assert stage.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == API


def test_watch_needs_an_alb_it_can_find(stage: Stage) -> None:
    settings = stage.settings.with_overrides(lambda_function="shopbot")
    with pytest.raises(ConfigError, match="no load balancer answers on shopbot-alb-"):
        run_watch(settings, "lambda", "1m", clients=stage.clients(), ui=stage.ui, options=stage.options())
    with pytest.raises(CliError, match="use it with --to lambda"):
        run_watch(settings, "ecs", "1m", clients=stage.clients(), ui=stage.ui, options=stage.options())


def test_thresholds_dataclass_defaults_match_the_settings() -> None:
    defaults = Settings()
    assert Thresholds().lag_seconds == defaults.watch_lag_seconds
    assert Thresholds().min_requests == defaults.watch_min_requests
    assert Thresholds().consecutive_breaches == defaults.watch_consecutive_breaches
