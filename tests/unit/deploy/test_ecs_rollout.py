"""The ECS rollout states moto cannot produce (it never starts a deployment), checked on
responses shaped as real ECS sends them; the botocore Stubber validates every request
and response against the ECS service model."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from shopbot_cli.deploy.ecs import (
    image_repository,
    registration_input,
    rollout_of,
    service_container,
    wait_until_stable,
    with_image_tag,
)
from shopbot_cli.errors import CliError, ConfigError
from shopbot_cli.ui import UI

OLD = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop:4"
NEW = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop:5"


def deployment(status: str, task_definition: str, rollout: str, running: int, desired: int = 2) -> dict[str, Any]:
    return {"id": f"ecs-svc/{status}{task_definition[-1]}", "status": status, "taskDefinition": task_definition,
            "rolloutState": rollout, "rolloutStateReason": f"{rollout.lower()} reason",
            "runningCount": running, "desiredCount": desired}


def service(task_definition: str, *deployments: dict[str, Any]) -> dict[str, Any]:
    return {"serviceName": "web", "taskDefinition": task_definition, "deployments": list(deployments)}


@pytest.mark.parametrize(
    ("answer", "done", "failed", "says"),
    [
        (service(NEW, deployment("PRIMARY", OLD, "COMPLETED", 2)), False, False, "waiting for the new deployment"),
        (service(NEW, deployment("PRIMARY", NEW, "IN_PROGRESS", 1), deployment("ACTIVE", OLD, "COMPLETED", 2)),
         False, False, "1/2 tasks running, 1 old deployment(s) draining"),
        (service(NEW, deployment("PRIMARY", NEW, "COMPLETED", 2)), True, False, "2/2 tasks running"),
        (service(NEW, deployment("PRIMARY", NEW, "FAILED", 0)), False, True, "deployment failed: failed reason"),
        (service(OLD, deployment("PRIMARY", OLD, "IN_PROGRESS", 1)), False, True, "circuit breaker rolled back"),
    ],
    ids=["not-started", "in-progress", "completed", "failed", "rolled-back"],
)
def test_rollout_states(answer: dict[str, Any], done: bool, failed: bool, says: str) -> None:
    rollout = rollout_of(answer, NEW)

    assert (rollout.done, rollout.failed) == (done, failed)
    assert says in rollout.message


@pytest.fixture
def ecs() -> Any:
    return boto3.client("ecs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def stub_describe(stubber: Stubber, answer: dict[str, Any]) -> None:
    stubber.add_response("describe_services", {"services": [answer], "failures": []},
                         {"cluster": "shop", "services": ["web"]})


def test_wait_polls_until_completed(ecs: Any) -> None:
    sleeps: list[float] = []
    with Stubber(ecs) as stubber:
        stub_describe(stubber, service(NEW, deployment("PRIMARY", OLD, "COMPLETED", 2)))
        stub_describe(stubber, service(NEW, deployment("PRIMARY", NEW, "IN_PROGRESS", 1),
                                       deployment("ACTIVE", OLD, "COMPLETED", 2)))
        stub_describe(stubber, service(NEW, deployment("PRIMARY", NEW, "COMPLETED", 2)))

        wait_until_stable(ecs, "shop", "web", NEW, 60, UI(), poll=0.01, sleep=sleeps.append)

        stubber.assert_no_pending_responses()
    assert len(sleeps) == 2


def test_wait_stops_when_the_circuit_breaker_fails_the_deployment(ecs: Any) -> None:
    with Stubber(ecs) as stubber:
        stub_describe(stubber, service(NEW, deployment("PRIMARY", NEW, "IN_PROGRESS", 0)))
        stub_describe(stubber, service(NEW, deployment("PRIMARY", NEW, "FAILED", 0)))

        with pytest.raises(CliError) as caught:
            wait_until_stable(ecs, "shop", "web", NEW, 60, UI(), poll=0.01, sleep=lambda _: None)

    assert caught.value.status == 1 and "deployment failed" in str(caught.value)


def test_wait_is_bounded(ecs: Any) -> None:
    with Stubber(ecs) as stubber:
        for _ in range(50):
            stub_describe(stubber, service(NEW, deployment("PRIMARY", NEW, "IN_PROGRESS", 1)))

        with pytest.raises(CliError) as caught:
            wait_until_stable(ecs, "shop", "web", NEW, 0.05, UI(), poll=0.01)

    assert "not stable after 0s" in str(caught.value) and "1/2 tasks running" in str(caught.value)


def test_registration_copies_everything_but_read_only_fields(ecs: Any) -> None:
    current: dict[str, Any] = {
        "taskDefinitionArn": OLD, "revision": 4, "status": "ACTIVE", "family": "shop",
        "registeredAt": "2026-01-01", "registeredBy": "arn:aws:iam::1:user/x", "compatibilities": ["FARGATE"],
        "requiresAttributes": [{"name": "ecs.capability.secrets"}], "cpu": "512", "memory": "1024",
        "networkMode": "awsvpc", "containerDefinitions": [{"name": "shopbot", "image": "r/shop:v1"}],
        "runtimePlatform": {"cpuArchitecture": "ARM64"},
    }

    request = registration_input(ecs, current, [{"key": "team", "value": "flean"}])

    assert set(request) == {"family", "cpu", "memory", "networkMode", "containerDefinitions", "runtimePlatform",
                            "tags"}
    old, new = with_image_tag(request, "shopbot", "v2")
    assert (old, new) == ("r/shop:v1", "r/shop:v2")
    assert current["containerDefinitions"][0]["image"] == "r/shop:v1"  # the read answer is not mutated


@pytest.mark.parametrize(
    ("image", "repository"),
    [
        ("1234.dkr.ecr.us-east-1.amazonaws.com/shopbot:v1", "1234.dkr.ecr.us-east-1.amazonaws.com/shopbot"),
        ("localhost:5000/team/shopbot:v1", "localhost:5000/team/shopbot"),
        ("localhost:5000/shopbot", "localhost:5000/shopbot"),
        ("r/shopbot@sha256:" + "a" * 64, "r/shopbot"),
    ],
)
def test_image_repository(image: str, repository: str) -> None:
    assert image_repository(image) == repository


def test_which_container_ships() -> None:
    definition = {"family": "shop", "containerDefinitions": [
        {"name": "shopbot", "image": "acct.dkr.ecr/shopbot:v1"}, {"name": "router", "image": "fluent-bit:2"}]}

    assert service_container(definition, "shopbot")["name"] == "shopbot"
    with pytest.raises(ConfigError, match="2 containers: set `ecr_repository`"):
        service_container(definition, None)
    with pytest.raises(ConfigError, match="0 containers of 'shop' use repository 'other'"):
        service_container(definition, "other")
