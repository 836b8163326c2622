"""Which log group each target writes to: a setting, or what the deployed target says.

Lambda: `lambda_log_group`, else `/aws/lambda/<lambda_function>` (Lambda's own default and
deploy/lambda's name). ECS: `ecs_log_group`, else the `awslogs-group` option of the
service's running task definition (what the awslogs driver really writes to).
"""

from __future__ import annotations

from typing import Any

from ..aws import AwsClients
from ..aws.ecs import service_task_definition
from ..errors import ConfigError
from ..settings.environments import Settings


def lambda_group(settings: Settings) -> str:
    if settings.lambda_log_group:
        return settings.lambda_log_group
    if settings.lambda_function:
        return f"/aws/lambda/{settings.lambda_function}"
    settings.require("lambda_log_group")  # names the file and the environment
    raise AssertionError("unreachable")


def awslogs_group(task_definition: dict[str, Any]) -> str | None:
    """The awslogs-group of the first container that logs through the awslogs driver."""
    for container in task_definition.get("containerDefinitions") or []:
        config = container.get("logConfiguration") or {}
        group = (config.get("options") or {}).get("awslogs-group")
        if config.get("logDriver") == "awslogs" and isinstance(group, str) and group:
            return group
    return None


def ecs_group(settings: Settings, clients: AwsClients) -> str:
    if settings.ecs_log_group:
        return settings.ecs_log_group
    if not (settings.ecs_cluster and settings.ecs_service):
        settings.require("ecs_log_group")
    assert settings.ecs_cluster and settings.ecs_service
    definition = service_task_definition(clients.client("ecs"), settings.ecs_cluster, settings.ecs_service)
    group = awslogs_group(definition)
    if group is None:
        raise ConfigError(f"ECS service {settings.ecs_service}'s task definition logs through no awslogs "
                          "group: set `ecs_log_group` in shopbot.toml")
    return group


def resolve(settings: Settings, clients: AwsClients, targets: tuple[str, ...]) -> dict[str, str]:
    """target -> log group, for each target asked for."""
    return {target: lambda_group(settings) if target == "lambda" else ecs_group(settings, clients)
            for target in targets}
