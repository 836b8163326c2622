"""Fixtures for `shopbot logs`: a settings file, log groups on the moto server, a CLI runner."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from shopbot_cli.main import app
from shopbot_cli.ui import UI, set_ui
from typer.testing import CliRunner, Result

REGION = "us-east-1"
LAMBDA_GROUP = "/aws/lambda/shopbot-service-test"
ECS_GROUP = "/ecs/shopbot-test"


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "shopbot.toml"
    path.write_text(f"""
[environments.local]
region = "{REGION}"
lambda_function = "shopbot-service-test"
ecs_cluster = "shop"
ecs_service = "shopbot"
""")
    monkeypatch.setenv("SHOPBOT_CONFIG", str(path))
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture
def logs_client(aws: str, settings_file: Path) -> Any:
    return boto3.client("logs", region_name=REGION)


Put = Callable[[str, list[tuple[int, str]]], None]


@pytest.fixture
def put(logs_client: Any) -> Put:
    """Write lines (ms-ago, message) to a group's stream, creating both as needed."""
    made: set[tuple[str, str]] = set()

    def write(group: str, lines: list[tuple[int, str]], stream: str = "s1") -> None:
        if (group, "") not in made:
            with contextlib.suppress(logs_client.exceptions.ResourceAlreadyExistsException):
                logs_client.create_log_group(logGroupName=group)
            made.add((group, ""))
        if (group, stream) not in made:
            logs_client.create_log_stream(logGroupName=group, logStreamName=stream)
            made.add((group, stream))
        now = int(time.time() * 1000)
        logs_client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
            {"timestamp": now - ago, "message": message} for ago, message in sorted(lines, key=lambda x: -x[0])])

    return write  # type: ignore[return-value]


@pytest.fixture
def ecs_service(aws: str, settings_file: Path) -> None:
    """An ECS service whose task definition logs to ECS_GROUP through awslogs."""
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName="shop")
    ecs.register_task_definition(family="shopbot", containerDefinitions=[{
        "name": "web", "image": "shopbot:1", "memory": 512,
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": ECS_GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "shopbot"}},
    }])
    ecs.create_service(cluster="shop", serviceName="shopbot", taskDefinition="shopbot", desiredCount=1)


def run(*args: str) -> Result:
    set_ui(UI())
    return CliRunner().invoke(app, list(args))


def run_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return dict(json.loads(result.stdout))


def report_line(request_id: str, duration: float, memory_used: int, init: float | None = None,
                status: str | None = None) -> str:
    parts = [f"REPORT RequestId: {request_id}", f"Duration: {duration:.2f} ms",
             f"Billed Duration: {int(duration) + 1} ms", "Memory Size: 512 MB", f"Max Memory Used: {memory_used} MB"]
    if init is not None:
        parts.append(f"Init Duration: {init:.2f} ms")
    if status:
        parts.append(f"Status: {status}")
    return "\t".join(parts)
