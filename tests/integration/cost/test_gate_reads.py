"""What the capacity gate reads: the account's concurrency (botocore Stubber: moto 5.2 answers
GetAccountSettings with 404 "Not yet implemented"), reserved concurrency and API Gateway stage
throttling (moto), and Redis `maxclients` from a real redis-server."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import redis
from botocore.stub import Stubber
from shopbot_cli.aws import AwsClients
from shopbot_cli.cost.gate import capacity_gate, redis_clients
from shopbot_cli.cost.traffic import Traffic, alb_line, read_traffic
from shopbot_cli.settings.environments import Settings

FUNCTION = "shopbot-service"


def busy_traffic(tmp: Path) -> Traffic:
    """Two minutes of 600 chats a minute, 6 s each: 60 in flight at 1,769 MB (no CPU share)."""
    start = datetime(2026, 11, 30, 12, 0, tzinfo=UTC).timestamp()
    log = tmp / "alb.log"
    log.write_text("".join(alb_line(start + i * 0.1, 6.0, "POST", "/api/chat", 300, 2000) + "\n" for i in range(1200)))
    return read_traffic([log])


def settings(**values: Any) -> Settings:
    base = Settings(name="test", region="us-east-1", lambda_function=FUNCTION, lambda_memory_mb=1769,
                    cost_cpu_fraction=0.0)
    return base.with_overrides(**values)


class StubbedLambda(AwsClients):
    """AwsClients whose Lambda client answers from a Stubber (validated against the service model)."""

    def __init__(self, settings: Settings, unreserved: int, limit: int = 1000) -> None:
        super().__init__(settings, boto3.Session(aws_access_key_id="x", aws_secret_access_key="x",
                                                 region_name="us-east-1"))
        self.lambda_client = self.session.client("lambda", region_name="us-east-1")
        self.stub = Stubber(self.lambda_client)
        self.stub.add_response("get_function_concurrency", {}, {"FunctionName": FUNCTION})
        self.stub.add_response("get_account_settings", {"AccountLimit": {
            "ConcurrentExecutions": limit, "UnreservedConcurrentExecutions": unreserved}}, {})
        self.stub.activate()

    def client(self, service: str) -> Any:
        return self.lambda_client if service == "lambda" else super().client(service)


def test_a_new_accounts_ten_executions_throttle_the_peak(tmp_path: Path) -> None:
    clients = StubbedLambda(settings(), unreserved=10, limit=10)
    result = capacity_gate(settings(), clients, busy_traffic(tmp_path), redis_url="")
    clients.stub.assert_no_pending_responses()
    assert not result.passed
    assert "p99 minute needs 60.0 concurrent executions" in result.detail
    assert "the account's unreserved concurrency is 10: the peak would be throttled" in result.detail


def test_a_thousand_unreserved_executions_hold_it(tmp_path: Path) -> None:
    clients = StubbedLambda(settings(), unreserved=1000)
    result = capacity_gate(settings(), clients, busy_traffic(tmp_path), redis_url="")
    assert result.passed, result.detail
    assert "Redis maxclients not checked" in result.detail and "API Gateway throttling not checked" in result.detail


def _function() -> None:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    boto3.client("lambda").create_function(FunctionName=FUNCTION, Runtime="python3.12", Role=role,
                                           Handler="handler.handler", Code={"ZipFile": archive.getvalue()})


def test_redis_maxclients_is_read_from_a_real_server(aws: str, redis_url: str, tmp_path: Path) -> None:
    _function()
    server = redis.Redis.from_url(redis_url)
    server.config_set("maxclients", 40)
    try:
        others = [redis.Redis.from_url(redis_url) for _ in range(3)]
        for other in others:
            other.ping()                                  # three clients already connected (the ECS tasks)
        assert redis_clients(redis_url) == (40, 3 + 1)    # + the fixture's own connection
        result = capacity_gate(settings(lambda_concurrency_limit=1000), AwsClients(settings()),
                               busy_traffic(tmp_path), redis_url=redis_url)
        assert not result.passed
        assert ("Redis needs 64 connection(s) (60 execution environment(s) + 4 other(s)), maxclients is 40"
                in result.detail)
        for other in others:
            other.close()
    finally:
        server.config_set("maxclients", 10000)


def test_a_redis_that_does_not_answer_is_unchecked_not_a_crash(aws: str, tmp_path: Path) -> None:
    _function()
    assert redis_clients("redis://127.0.0.1:1/0") == (None, 0)
    result = capacity_gate(settings(lambda_concurrency_limit=1000), AwsClients(settings()), busy_traffic(tmp_path),
                           redis_url="redis://127.0.0.1:1/0")
    assert result.passed and "Redis maxclients not checked" in result.detail


def test_api_gateway_stage_throttling_is_read(aws: str, tmp_path: Path) -> None:
    _function()
    api = boto3.client("apigatewayv2")
    api_id = api.create_api(Name="shopbot", ProtocolType="HTTP")["ApiId"]
    api.create_stage(ApiId=api_id, StageName="$default",
                     DefaultRouteSettings={"ThrottlingRateLimit": 5.0, "ThrottlingBurstLimit": 50})
    url = f"https://{api_id}.execute-api.us-east-1.amazonaws.com"
    chosen = settings(lambda_concurrency_limit=1000, api_url=url)
    result = capacity_gate(chosen, AwsClients(chosen), busy_traffic(tmp_path), redis_url="")
    assert not result.passed
    assert f"API Gateway {api_id} $default stage: p99 minute 10.00 req/s against rate 5" in result.detail


def test_an_unknown_function_is_inconclusive(aws: str, tmp_path: Path) -> None:
    result = capacity_gate(settings(lambda_concurrency_limit=1000), AwsClients(settings()), busy_traffic(tmp_path),
                           redis_url="")
    assert not result.passed
    assert result.detail == f"inconclusive: Lambda function {FUNCTION} not found: check `lambda_function`"


@pytest.mark.parametrize("missing", ["traffic_logs", "lambda_function"])
def test_missing_facts_are_inconclusive(missing: str, tmp_path: Path) -> None:
    chosen = settings() if missing == "traffic_logs" else Settings(
        traffic_logs=str(tmp_path / "x.log"))
    (tmp_path / "x.log").write_text(alb_line(1_767_225_600.0, 1.0, "GET", "/", 1, 1) + "\n")
    result = capacity_gate(chosen, AwsClients(chosen), redis_url="")
    assert not result.passed and result.detail.startswith("inconclusive:") and f"`{missing}`" in result.detail
