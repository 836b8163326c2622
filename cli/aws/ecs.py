"""Small read-only ECS lookups (deploy logic lives elsewhere)."""

from __future__ import annotations

from typing import Any

import botocore.exceptions

from ..errors import AwsError, ConfigError
from . import aws_errors, error_code


def service_task_definition(client: Any, cluster: str, service: str) -> dict[str, Any]:
    """The task definition the service runs now (DescribeServices -> DescribeTaskDefinition)."""
    try:
        with aws_errors(f"reading ECS service {service} in cluster {cluster}"):
            response = client.describe_services(cluster=cluster, services=[service])
    except AwsError as error:
        cause = error.__cause__
        if isinstance(cause, botocore.exceptions.ClientError) and error_code(cause) == "ClusterNotFoundException":
            raise ConfigError(f"ECS cluster {cluster} not found: check `ecs_cluster`") from None
        raise
    services = [s for s in response.get("services", []) if s.get("status") != "INACTIVE"]
    if not services:
        raise ConfigError(f"ECS service {service} not found in cluster {cluster}: check `ecs_service`")
    arn = str(services[0]["taskDefinition"])
    with aws_errors(f"reading ECS task definition {arn}"):
        return dict(client.describe_task_definition(taskDefinition=arn)["taskDefinition"])
