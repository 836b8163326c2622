"""Do the running targets hold the secret's current values, or the ones before the last change?

ECS injects `secrets[]` when a task starts, so a task started before the secret's last
change still has the old values until it is replaced (`secrets sync --roll`). The service
itself re-reads the whole secret every `SECRETS_TTL_SECONDS` (shopbot/secrets.py), which
bounds how long a warm Lambda keeps old values. `judge_tasks` and `lambda_lag` are pure;
`read_*` call AWS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..aws import AwsClients, aws_errors
from ..aws import lambda_ as lambda_reads
from ..aws import secretsmanager as sm
from ..settings.environments import Settings

if TYPE_CHECKING:
    from .check import CheckReport

TTL_ENV = "SECRETS_TTL_SECONDS"
DEFAULT_TTL_SECONDS = 300.0  # shopbot/secrets.py's default


@dataclass
class TaskAges:
    """Running tasks split by whether they started after the secret's last change."""

    changed_at: datetime
    fresh: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)   # no start time to compare

    def as_dict(self) -> dict[str, Any]:
        return {"secret_changed_at": self.changed_at.isoformat(), "fresh": self.fresh, "stale": self.stale,
                "unknown": self.unknown}


def _aware(moment: Any) -> datetime | None:
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def judge_tasks(tasks: list[dict[str, Any]], changed_at: datetime) -> TaskAges:
    """A task is fresh if it started at or after the change; created after it is fresh too;
    with neither time known (or only an earlier creation) it is unknown, never assumed fresh."""
    ages = TaskAges(changed_at)
    for task in tasks:
        name = str(task.get("taskArn", "?")).rsplit("/", 1)[-1]
        started, created = _aware(task.get("startedAt")), _aware(task.get("createdAt"))
        if started is not None:
            (ages.fresh if started >= changed_at else ages.stale).append(name)
        elif created is not None and created >= changed_at:
            ages.fresh.append(name)
        else:
            ages.unknown.append(name)
    return ages


def ttl_of(lambda_env: dict[str, str]) -> float | None:
    """The function's secret TTL in seconds (its default when unset); None when unreadable."""
    raw = lambda_env.get(TTL_ENV, "")
    if raw == "":
        return DEFAULT_TTL_SECONDS
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


def lambda_lag(ttl: float | None, since_change_s: float) -> str:
    """One sentence: how long warm Lambda environments may still hold the old values."""
    if ttl is None:
        return f"the function's {TTL_ENV} is not a number: it will not start (fix the variable)"
    if ttl == 0:
        return (f"{TTL_ENV}=0: warm Lambda environments keep the old values until they recycle; publish a "
                "version (`shopbot deploy --target lambda`) to recycle them now")
    left = ttl - since_change_s
    if left <= 0:
        return f"every Lambda environment has re-read the secret (the change is older than {TTL_ENV}={ttl:.0f}s)"
    return (f"warm Lambda environments see the change within {left:.0f}s ({TTL_ENV}={ttl:.0f}s); "
            "new ones see it at once")


def read_changed_at(client: Any, secret_id: str) -> datetime:
    """When the secret last changed: DescribeSecret's LastChangedDate ("modified in any way":
    a new value or a stage moved by rollback), else its creation; metadata only, no value read.
    (Not ListSecretVersionIds' CreatedDate: moto 5.2 reports the last access there.)"""
    with sm.secret_errors(f"describing secret {secret_id}",
                          missing="no such secret in this account/region (check `secret_name` and `region`)"):
        described = client.describe_secret(SecretId=secret_id)
    moments = [_aware(described.get("LastChangedDate")), _aware(described.get("CreatedDate"))]
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else datetime.now(UTC)  # unknown: treat every task as started before it


def read_running_tasks(ecs: Any, cluster: str, service: str) -> list[dict[str, Any]]:
    """The service's RUNNING tasks (ListTasks + DescribeTasks in batches of 100)."""
    arns: list[str] = []
    with aws_errors(f"listing tasks of ECS service {service}"):
        for page in ecs.get_paginator("list_tasks").paginate(cluster=cluster, serviceName=service,
                                                            desiredStatus="RUNNING"):
            arns.extend(page.get("taskArns", []))
        tasks: list[dict[str, Any]] = []
        for start in range(0, len(arns), 100):
            tasks.extend(ecs.describe_tasks(cluster=cluster, tasks=arns[start:start + 100]).get("tasks", []))
    return tasks


def check_freshness(clients: AwsClients, settings: Settings, report: CheckReport) -> None:
    """Add to `report` whether running ECS tasks and warm Lambdas hold the current values."""
    changed_at = read_changed_at(sm.secrets_client(clients), settings.secret_name)
    since = (datetime.now(UTC) - changed_at).total_seconds()
    tasks = read_running_tasks(clients.client("ecs"), str(settings.ecs_cluster), str(settings.ecs_service))
    ages = judge_tasks(tasks, changed_at)
    configuration = lambda_reads.function_configuration(clients.client("lambda"), str(settings.lambda_function))
    ttl = ttl_of(lambda_reads.environment(configuration))
    lag = lambda_lag(ttl, since)
    report.freshness = {**ages.as_dict(), "lambda_ttl_seconds": ttl, "lambda": lag}
    when = changed_at.strftime("%Y-%m-%d %H:%M:%SZ")
    if ages.stale:
        report.add("ecs", f"{len(ages.stale)} of {len(tasks)} running task(s) started before the secret's last "
                          f"change ({when}): they still hold the old values",
                   "`shopbot secrets sync --roll` replaces them (a new ECS deployment)")
    if not tasks:
        report.notes.append(f"running tasks NOT checked: ECS lists none for service {settings.ecs_service}")
    elif ages.unknown:
        report.notes.append(f"{len(ages.unknown)} running task(s) NOT checked: ECS gives no start time")
    elif not ages.stale:
        report.notes.append(f"all {len(tasks)} running task(s) started after the secret's last change ({when})")
    modified = _lambda_modified(configuration)
    if ttl is None or (ttl == 0 and (modified is None or modified < changed_at)):
        report.add("lambda", lag, f"set {TTL_ENV} to a number of seconds (default {DEFAULT_TTL_SECONDS:.0f}) "
                                  "in deploy/lambda Terraform, or recycle with `shopbot deploy --target lambda`")
    else:
        report.notes.append(lag)


_ISO = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$")


def parse_lambda_time(raw: Any) -> datetime | None:
    """Lambda's LastModified (`2026-12-01T08:00:00.123+0000`; any number of fraction digits)."""
    match = _ISO.match(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        return None
    base, fraction, zone = match.groups()
    zone = "+00:00" if zone in (None, "Z") else zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
    try:
        return datetime.fromisoformat(f"{base}.{(fraction or '0')[:6].ljust(6, '0')}{zone}")
    except ValueError:
        return None


def _lambda_modified(configuration: dict[str, Any]) -> datetime | None:
    return parse_lambda_time(configuration.get("LastModified"))
