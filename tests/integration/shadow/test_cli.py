"""`shopbot shadow start|stop|status` against a local AWS (moto server): one task definition
revision per switch, the signing key wired from the secret, counters read from S3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from shopbot_cli.main import app
from shopbot_cli.ui import UI, set_ui
from typer.testing import CliRunner, Result

from shopbot.shadow.sink import BatchSink, S3Writer

REGION = "us-east-1"
CLUSTER, SERVICE, BUCKET = "shop", "shopbot-service", "shop-ops"
SECRET = "flean-services/shopbot"


def run(*args: str) -> Result:
    set_ui(UI())
    return CliRunner().invoke(app, list(args))


def environment(ecs: Any) -> tuple[dict[str, str], list[str]]:
    arn = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]["taskDefinition"]
    (container,) = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"]
    return ({item["name"]: item["value"] for item in container["environment"]},
            [item["name"] for item in container.get("secrets", [])])


@pytest.fixture
def ecs(aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    client = boto3.client("ecs", region_name=REGION)
    client.create_cluster(clusterName=CLUSTER)
    client.register_task_definition(family="shopbot", containerDefinitions=[{
        "name": "shopbot", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/shopbot:v1", "essential": True,
        "memory": 1024, "environment": [{"name": "APP_ENV", "value": "production"}]}])
    client.create_service(cluster=CLUSTER, serviceName=SERVICE, taskDefinition="shopbot:1", desiredCount=1)
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=SECRET, SecretString=json.dumps({"SHADOW_SIGNING_KEY": "0123456789abcdef0123"}))
    settings = tmp_path / "shopbot.toml"
    settings.write_text(f"""
[environments.local]
region = "{REGION}"
api_url = "https://abc.execute-api.us-east-1.amazonaws.com"
ecs_cluster = "{CLUSTER}"
ecs_service = "{SERVICE}"
ledger = "s3://{BUCKET}/ledger.json"
shadow_sink = "s3://{BUCKET}/shadow"
""")
    monkeypatch.setenv("SHOPBOT_CONFIG", str(settings))
    return client


def test_start_then_stop_is_one_revision_each_and_recorded(ecs: Any) -> None:
    started = run("shadow", "start", "--sample-rate", "0.1", "--no-wait", "--yes", "--json")
    assert started.exit_code == 0, started.output
    env, secrets = environment(ecs)
    assert env["SHADOW_SAMPLE_RATE"] == "0.1" and env["SHADOW_SINK"] == f"s3://{BUCKET}/shadow"
    assert env["SHADOW_TARGET_URL"] == "https://abc.execute-api.us-east-1.amazonaws.com"
    assert env["APP_ENV"] == "production" and secrets == ["SHADOW_SIGNING_KEY"]
    again = run("shadow", "start", "--sample-rate", "0.1", "--no-wait", "--yes", "--json")
    assert json.loads(again.stdout)["changed"] is False
    stopped = run("shadow", "stop", "--no-wait", "--yes")
    assert stopped.exit_code == 0, stopped.output
    env, _ = environment(ecs)
    assert env == {"APP_ENV": "production"}
    revisions = ecs.list_task_definitions(familyPrefix="shopbot")["taskDefinitionArns"]
    assert len(revisions) == 3
    ledger = json.loads(boto3.client("s3").get_object(Bucket=BUCKET, Key="ledger.json")["Body"].read())
    assert [entry["kind"] for entry in ledger["entries"]] == ["shadow", "shadow"]


def test_start_refuses_without_a_signing_key_and_changes_nothing(ecs: Any) -> None:
    boto3.client("secretsmanager", region_name=REGION).put_secret_value(SecretId=SECRET, SecretString="{}")
    result = run("shadow", "start", "--yes", "--no-wait")
    assert result.exit_code == 2
    assert "has no SHADOW_SIGNING_KEY" in result.stderr and "Traceback" not in result.output
    assert len(ecs.list_task_definitions(familyPrefix="shopbot")["taskDefinitionArns"]) == 1


@pytest.mark.parametrize("rate", ["0", "1.5"])
def test_a_sample_rate_outside_0_to_1_is_one_line(ecs: Any, rate: str) -> None:
    result = run("shadow", "start", "--sample-rate", rate, "--yes")
    assert result.exit_code == 2 and "--sample-rate" in result.stderr


def test_status_sums_the_counters_the_processes_wrote_to_s3(ecs: Any) -> None:
    assert run("shadow", "start", "--no-wait", "--yes").exit_code == 0
    for pid, pairs in ((1, 3), (2, 4)):
        sink = BatchSink(S3Writer(BUCKET, "shadow"), max_bytes=10_000)
        sink.origin = f"task-{pid}"
        for n in range(pairs):
            answer = {"status": 200, "headers": [], "body": {"text": "{}"}, "ms": 1.0, "error": None}
            sink.add({"kind": "pair", "at": 1.0e9 + n, "method": "GET", "path": "/api/x", "query": "", "headers": [],
                      "body": {"text": ""}, "answers": dict.fromkeys(("P1", "P2", "C1", "C2"), answer)},
                     {"pairs": n + 1, "timeouts": pid})
        sink.flush({"pairs": pairs, "sampled": pairs, "timeouts": pid, "dropped_queue_full": 0})
    result = run("shadow", "status", "--since", "100000d", "--json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["on"] and status["processes"] == 2 and status["pairs_found"] == 7
    assert status["counters"]["pairs"] == 7 and status["counters"]["timeouts"] == 3
