"""`secrets sync --roll` and the running-target part of `secrets check`, against moto.

moto's ECS never launches a service's tasks and gives the tasks it runs no start time: the
roll is shown by the new deployment moto records; with moto alone the check must say it could
NOT verify; and through `EcsStartTimes`, a proxy that gives each task the start time AWS would
(the moment RunTask answered), "started before the change" is judged over real HTTP.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.integration.moto_proxy import Answer, MotoProxy

from .conftest import REGION, SECRET, Cli, wire_targets, write_env

KEYS = {"ANTHROPIC_API_KEY": "sk-ant-x", "REDIS_PASSWORD": "redis-x"}


def _wired(cli: Cli, tmp_path: Path, **lambda_env: str) -> str:
    write_env(tmp_path / ".env", KEYS)
    arn = str(cli.json("secrets", "sync", "--yes")["arn"])
    wire_targets(arn, lambda_secret=SECRET, policy_resource=f"{arn}*", lambda_env=lambda_env or None,
                 ecs_secrets=[{"name": key, "valueFrom": f"{arn}:{key}::"} for key in KEYS])
    return arn


def _deployment_id() -> str:
    service = boto3.client("ecs", region_name=REGION).describe_services(cluster="shop", services=["shopbot"])
    return str(service["services"][0]["deployments"][0]["id"])


def test_roll_starts_a_new_ecs_deployment_and_says_when_lambdas_see_it(cli: Cli, tmp_path: Path) -> None:
    _wired(cli, tmp_path, SECRETS_TTL_SECONDS="60")
    before = _deployment_id()
    write_env(tmp_path / ".env", {**KEYS, "REDIS_PASSWORD": "rotated"})

    result = cli.json("secrets", "sync", "--roll", "--no-wait", "--yes")

    assert result["applied"] is True
    assert result["roll"]["deployment"] == _deployment_id() != before
    assert result["roll"]["lambda_ttl_seconds"] == 60
    assert "within 60s" in result["roll"]["lambda"]
    human = cli("secrets", "sync", "--roll", "--no-wait", "--yes")
    assert human.exit_code == 0
    assert "already matches" in human.stdout and "new deployment" in human.stdout
    assert "Lambda: warm Lambda environments see the change within 60s" in human.stdout


def test_roll_dry_run_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    _wired(cli, tmp_path)
    before = _deployment_id()
    result = cli("secrets", "sync", "--roll", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "Start a new deployment of ECS service shopbot" in result.stdout
    assert "within 300s" in result.stdout  # the service's default TTL when the function sets none
    assert _deployment_id() == before


def test_no_wait_without_roll_is_one_line(cli: Cli, tmp_path: Path) -> None:
    result = cli("secrets", "sync", "--no-wait")
    assert result.exit_code == 2 and result.stderr.strip() == "error: --no-wait goes with --roll"


def test_check_says_when_it_could_not_see_running_tasks(cli: Cli, tmp_path: Path) -> None:
    _wired(cli, tmp_path)
    report = cli.json("secrets", "check")
    assert report["ok"] is True
    assert "running tasks NOT checked: ECS lists none for service shopbot" in report["notes"]

    ecs = boto3.client("ecs", region_name=REGION)
    ecs.run_task(cluster="shop", taskDefinition="shopbot", launchType="FARGATE", count=2,
                 networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-1"]}})
    report = cli.json("secrets", "check")
    assert "2 running task(s) NOT checked: ECS gives no start time" in report["notes"]
    assert len(report["freshness"]["unknown"]) == 2 and report["freshness"]["stale"] == []


def test_check_flags_lambdas_that_never_re_read_a_changed_secret(cli: Cli, tmp_path: Path) -> None:
    _wired(cli, tmp_path, SECRETS_TTL_SECONDS="0")
    first = cli("secrets", "check", "--json")
    assert first.exit_code == 0, first.stderr  # the function changed after the secret: fresh
    time.sleep(1.1)  # moto keeps whole seconds
    write_env(tmp_path / ".env", {**KEYS, "REDIS_PASSWORD": "rotated"})
    cli.json("secrets", "sync", "--yes")

    result = cli("secrets", "check", "--json")

    assert result.exit_code == 1
    report: dict[str, Any] = json.loads(result.stdout)
    assert [f["target"] for f in report["findings"]] == ["lambda"]
    assert "SECRETS_TTL_SECONDS=0: warm Lambda environments keep the old values" in report["findings"][0]["problem"]


class EcsStartTimes(MotoProxy):
    """moto in front, with what AWS's DescribeTasks has and moto lacks: `startedAt`, here the
    moment RunTask answered for the task (a Fargate task is RUNNING within seconds of it)."""

    def __init__(self, upstream: str) -> None:
        self.started: dict[str, float] = {}
        super().__init__(upstream)

    def exchange(self, request: BaseHTTPRequestHandler, body: bytes) -> Answer:
        status, headers, answer = self.forward(request, body)
        action = request.headers.get("X-Amz-Target", "").rpartition(".")[2]
        if status == 200 and action in ("RunTask", "DescribeTasks"):
            document = json.loads(answer)
            for task in document.get("tasks", []):
                task["startedAt"] = self.started.setdefault(task["taskArn"], time.time())
            answer = json.dumps(document).encode()
        return status, headers, answer


@pytest.fixture
def start_times(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[EcsStartTimes]:
    proxy = EcsStartTimes(aws)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    yield proxy
    proxy.close()


def _run_tasks(count: int) -> list[str]:
    started = boto3.client("ecs", region_name=REGION).run_task(
        cluster="shop", taskDefinition="shopbot", launchType="FARGATE", count=count,
        networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-1"]}})
    return [task["taskArn"].rsplit("/", 1)[-1] for task in started["tasks"]]


def test_check_fails_while_running_tasks_started_before_the_change(
        cli: Cli, tmp_path: Path, start_times: EcsStartTimes) -> None:
    _wired(cli, tmp_path, SECRETS_TTL_SECONDS="60")
    time.sleep(1.1)  # moto keeps whole seconds of the secret's change
    old = _run_tasks(2)
    fresh = cli.json("secrets", "check")
    assert fresh["ok"] is True and sorted(fresh["freshness"]["fresh"]) == sorted(old)
    assert any(note.startswith("all 2 running task(s) started after the secret's last change")
               for note in fresh["notes"])

    time.sleep(1.1)
    write_env(tmp_path / ".env", {**KEYS, "REDIS_PASSWORD": "rotated"})
    cli.json("secrets", "sync", "--yes")
    new = _run_tasks(1)
    result = cli("secrets", "check", "--json")

    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    assert sorted(report["freshness"]["stale"]) == sorted(old) and report["freshness"]["fresh"] == new
    assert [(f["target"], f["problem"].split(" (")[0]) for f in report["findings"]] == [
        ("ecs", "2 of 3 running task(s) started before the secret's last change")]
    assert "secrets sync --roll" in report["findings"][0]["fix"]
    human = cli("secrets", "check")
    assert human.exit_code == 1 and "still hold the old values" in human.stdout
