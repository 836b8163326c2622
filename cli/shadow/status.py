"""What shadowing is doing: the service's SHADOW_* settings and the counters its processes wrote."""

from __future__ import annotations

from typing import Any

from ..aws import AwsClients
from ..deploy.ecs import read_state, service_container
from ..settings.environments import Settings
from .pairs import read_batches
from .switch import shadow_environment

COUNTERS = ("sampled", "pairs", "dropped_budget", "dropped_queue_full", "timeouts", "errors", "sink_errors")


def read_status(clients: AwsClients, settings: Settings, source: str | None,
                since_seconds: float | None) -> dict[str, Any]:
    settings.require("ecs_cluster", "ecs_service")
    state = read_state(clients.client("ecs"), str(settings.ecs_cluster), str(settings.ecs_service))
    environment = shadow_environment(service_container(state.task_definition, settings.ecr_repository))
    result: dict[str, Any] = {
        "service": state.service, "task_definition": f"{state.family}:{state.revision}",
        "on": bool(environment.get("SHADOW_TARGET_URL")) and float(environment.get("SHADOW_SAMPLE_RATE", "0.01")) > 0,
        "settings": environment,
    }
    source = source or environment.get("SHADOW_SINK") or settings.shadow_sink
    if source:
        found = read_batches(source, clients, since_seconds)
        totals = {name: sum(int(stats.get(name, 0) or 0) for stats in found.stats.values()) for name in COUNTERS}
        result.update(source=source, processes=len(found.stats), batches=found.batches,
                      pairs_found=len(found.pairs), skipped_lines=found.skipped, counters=totals)
    return result
