"""Deployment facts from the settings, with flags winning; a missing fact is one line naming
both the setting and the flag that supply it."""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from ..settings.environments import DEFAULTS, SETTINGS_FILE, Settings
from .model import Deployment

# setting -> the `shopbot cost` flag that overrides it
FLAGS = {
    "region": "--region",
    "ecs_task_vcpu": "--ecs-vcpu",
    "ecs_task_memory_gb": "--ecs-memory-gb",
    "ecs_tasks_min": "--ecs-tasks",
    "ecs_nat_gateways": "--ecs-nat",
    "lambda_memory_mb": "--lambda-memory",
    "lambda_nat_gateways": "--lambda-nat",
}
ARCHITECTURES = ("x86_64", "arm64")


def deployment_from(settings: Settings, **flags: Any) -> Deployment:
    """The facts for the cost model; `flags` are setting names -> values (None: not given)."""
    merged = settings.with_overrides(**flags)
    missing = [name for name in FLAGS if getattr(merged, name) in (None, "")]
    if missing:
        listed = ", ".join(f"`{name}` ({FLAGS[name]})" for name in missing)
        where = SETTINGS_FILE if merged.source == DEFAULTS else merged.source
        raise ConfigError(f"missing deployment facts: {listed}: set them under [environments.{merged.name}] in "
                          f"{where} or pass the flags")
    for name in ("ecs_architecture", "lambda_architecture"):
        if getattr(merged, name) not in ARCHITECTURES:
            raise ConfigError(f"`{name}` must be x86_64 or arm64 (got {getattr(merged, name)!r})")
    _positive(merged, "ecs_task_vcpu", "ecs_task_memory_gb", "ecs_tasks_min", "ecs_task_concurrency",
              "lambda_memory_mb")
    _at_least_zero(merged, "ecs_nat_gateways", "lambda_nat_gateways", "lambda_provisioned_concurrency",
                   "cost_log_bytes_per_request", "cost_upstream_bytes_per_request")
    if not 0 <= merged.cost_cpu_fraction <= 1:
        raise ConfigError(f"`cost_cpu_fraction` must be between 0 and 1 (got {merged.cost_cpu_fraction})")
    if not 128 <= int(merged.lambda_memory_mb or 0) <= 10_240:
        raise ConfigError(f"`lambda_memory_mb` must be 128..10240 (got {merged.lambda_memory_mb})")
    if merged.ecs_tasks_max is not None and merged.ecs_tasks_max < int(merged.ecs_tasks_min or 0):
        raise ConfigError("`ecs_tasks_max` must be at least `ecs_tasks_min`")
    return Deployment(
        region=str(merged.region), ecs_vcpu=float(merged.ecs_task_vcpu or 0),
        ecs_memory_gb=float(merged.ecs_task_memory_gb or 0), ecs_tasks_min=int(merged.ecs_tasks_min or 0),
        ecs_tasks_max=merged.ecs_tasks_max, ecs_task_concurrency=merged.ecs_task_concurrency,
        ecs_architecture=merged.ecs_architecture, ecs_nat_gateways=int(merged.ecs_nat_gateways or 0),
        lambda_memory_mb=int(merged.lambda_memory_mb or 0), lambda_architecture=merged.lambda_architecture,
        lambda_provisioned=merged.lambda_provisioned_concurrency,
        lambda_nat_gateways=int(merged.lambda_nat_gateways or 0), cpu_fraction=merged.cost_cpu_fraction,
        upstream_bytes_per_request=merged.cost_upstream_bytes_per_request,
        log_bytes_per_request=merged.cost_log_bytes_per_request,
    )


def _positive(settings: Settings, *names: str) -> None:
    for name in names:
        value = getattr(settings, name)
        if value is not None and not value > 0:
            raise ConfigError(f"`{name}` must be more than 0 (got {value})")


def _at_least_zero(settings: Settings, *names: str) -> None:
    for name in names:
        value = getattr(settings, name)
        if value is not None and value < 0:
            raise ConfigError(f"`{name}` must not be negative (got {value})")
