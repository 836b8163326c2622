"""`--watch`: a breach rolls the cutover back for real; every check lands in the ledger.

CloudFront, ELBv2 (finding the ALB by its DNS name), S3 and STS are moto. CloudWatch is a
Stubber: moto 5.2's GetMetricData cannot compute percentile statistics (a `p99` query
answers HTTP 500), and the Stubber checks our queries against the real service model.
"""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import ANY, Stubber
from shopbot_cli.aws import AwsClients
from shopbot_cli.cutover.flow import run_cutover
from shopbot_cli.cutover.watch import run_watch
from shopbot_cli.errors import CliError, ConfigError, ExitStatus
from shopbot_cli.settings.environments import Settings

from tests.integration.cutover.conftest import Stage, create_distribution
from tests.unit.cutover.sample import ALB, API

CALM = {"api_5xx": 0.0, "api_count": 500.0, "api_p99_ms": 180.0, "errors": 0.0, "throttles": 0.0,
        "invocations": 500.0, "alb_5xx": 0.0, "alb_count": 500.0, "alb_p99_s": 0.15}


class StubbedCloudWatch(AwsClients):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.cloudwatch = botocore.session.get_session().create_client(
            "cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        self.stub = Stubber(self.cloudwatch)

    def client(self, service: str) -> Any:
        return self.cloudwatch if service == "cloudwatch" else super().client(service)

    def answer(self, values: dict[str, float]) -> None:
        results = [{"Id": name, "Label": name, "Values": [value], "StatusCode": "Complete"}
                   for name, value in values.items()]
        self.stub.add_response("get_metric_data", {"MetricDataResults": results},
                               {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY})


def _alb_dns_name() -> str:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{z}")
               ["Subnet"]["SubnetId"] for i, z in enumerate("ab")]
    balancer = boto3.client("elbv2").create_load_balancer(Name="shopbot-alb", Subnets=subnets)
    return str(balancer["LoadBalancers"][0]["DNSName"])


@pytest.fixture
def watched(stage: Stage) -> Stage:
    distribution_id = create_distribution("shopbot-watched", alb_domain=_alb_dns_name())
    stage.settings = stage.settings.with_overrides(distribution_id=distribution_id, lambda_function="shopbot")
    stage.distribution_id = distribution_id
    return stage


def _fake_time() -> tuple[Any, Any]:
    now = [0.0]
    return (lambda: now[0]), (lambda seconds: now.__setitem__(0, now[0] + seconds))


def test_a_breach_rolls_back_and_exits_non_zero(watched: Stage) -> None:
    clients = StubbedCloudWatch(watched.settings)
    run_cutover(watched.settings, "lambda", clients=clients, ui=watched.ui, options=watched.options())
    assert watched.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == API
    clients.answer(CALM)
    clients.answer({**CALM, "throttles": 4.0})
    clock, sleep = _fake_time()
    with clients.stub, pytest.raises(CliError, match=r"throttled 4 invocation.*rolled back") as caught:
        run_watch(watched.settings, "lambda", "10m", clients=clients, ui=watched.ui,
                  options=watched.options(), clock=clock, sleep=sleep)
    assert caught.value.status == ExitStatus.DIFFERENCES
    assert watched.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == ALB
    kinds = [(e["kind"], e.get("action"), e.get("check")) for e in watched.ledger()]
    assert kinds[2:] == [("watch", None, 1), ("watch", None, 2), ("intent", "rollback", None),
                         ("outcome", None, None)]
    assert watched.ledger()[3]["breaches"] == ["Lambda throttled 4 invocation(s)"]


def test_calm_windows_until_the_duration_ends(watched: Stage) -> None:
    clients = StubbedCloudWatch(watched.settings)
    run_cutover(watched.settings, "lambda", clients=clients, ui=watched.ui, options=watched.options())
    clients.answer(CALM)
    clients.answer(CALM)
    clock, sleep = _fake_time()
    with clients.stub:
        result = run_watch(watched.settings, "lambda", "2m", clients=clients, ui=watched.ui,
                           options=watched.options(), clock=clock, sleep=sleep)
        clients.stub.assert_no_pending_responses()
    assert result == {"checks": 2, "breaches": [], "seconds": 120.0}
    assert watched.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == API
    assert [e["values"]["api_p99_ms"] for e in watched.ledger() if e["kind"] == "watch"] == [180.0, 180.0]


def test_watch_needs_an_alb_it_can_find(stage: Stage) -> None:
    settings = stage.settings.with_overrides(lambda_function="shopbot")
    with pytest.raises(ConfigError, match="no load balancer answers on shopbot-alb-"):
        run_watch(settings, "lambda", "1m", clients=stage.clients(), ui=stage.ui, options=stage.options())
    with pytest.raises(CliError, match="use it with --to lambda"):
        run_watch(settings, "ecs", "1m", clients=stage.clients(), ui=stage.ui, options=stage.options())
