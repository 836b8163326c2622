"""Where `serve` ships each target's logs: CloudWatch Logs on the local AWS, when one is configured.

On AWS nobody ships: Lambda writes each execution environment's output to
/aws/lambda/<function> and the awslogs driver writes each task's to
`<prefix>/<container>/<task id>`. Locally `serve` does it itself, to the same group names
`shopbot logs` reads (groups.py), but only with an endpoint URL (the demo's, the tests'
moto): without one, lines stay on stderr and nothing reaches real AWS by surprise.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace

from ..aws import AwsClients, patient_client
from ..errors import CliError
from ..settings.environments import Settings
from .groups import lambda_group
from .ship import LogShipper

DEFAULT_ECS_GROUP = "/ecs/shopbot"
# deploy/ecs/main.tf: awslogs-stream-prefix and container name
ECS_STREAM_PREFIX = ECS_CONTAINER = "shopbot"


def lambda_log_group(settings: Settings, function: str) -> str:
    return lambda_group(replace(settings, lambda_function=settings.lambda_function or function))


def ecs_log_group(settings: Settings) -> str:
    """`ecs_log_group`, else the default: asking ECS at start-up could stall the server."""
    return settings.ecs_log_group or DEFAULT_ECS_GROUP


def ecs_stream() -> str:
    """One task's stream, named as the awslogs driver names it."""
    return f"{ECS_STREAM_PREFIX}/{ECS_CONTAINER}/{uuid.uuid4().hex}"


def start_shipper(settings: Settings, group: str, warn: Callable[[str], None]) -> LogShipper | None:
    """A running shipper to `group` on the configured local AWS, or None when none is configured."""
    if not settings.endpoint_url:
        return None
    try:
        clients = AwsClients(settings)
    except CliError as error:  # e.g. an unknown profile: the target serves anyway
        warn(f"logs stay on stderr, not CloudWatch Logs: {error}")
        return None
    client = patient_client(clients, "logs", read_timeout=5)  # one attempt: a retry would stall
    return LogShipper(client, group, warn=warn).start()
