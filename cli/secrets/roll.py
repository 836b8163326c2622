"""`shopbot secrets sync --roll`: make the running targets take the secret now.

ECS tasks read `secrets[]` only when they start: a new deployment of the same task
definition (`UpdateService(forceNewDeployment=True)`) replaces every task, and we wait
until it is stable. Lambda cannot be told: the service re-reads the secret every
`SECRETS_TTL_SECONDS`, so we say how long until warm environments see it (read from the
function's configuration, not assumed). Plan -> show -> confirm -> execute like every change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..aws import AwsClients, aws_errors
from ..aws import lambda_ as lambda_reads
from ..deploy.ecs import read_state, wait_until_stable
from ..plan import Plan, execute
from ..settings.environments import Settings
from ..ui import UI
from .freshness import lambda_lag, ttl_of


@dataclass
class RollResult:
    plan: Plan
    service: str | None = None
    task_definition: str | None = None
    deployment: str | None = None
    stable: bool | None = None
    lambda_ttl_seconds: float | None = None
    lambda_note: str | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"service": self.service, "task_definition": self.task_definition, "deployment": self.deployment,
                "stable": self.stable, "lambda_ttl_seconds": self.lambda_ttl_seconds, "lambda": self.lambda_note,
                "plan": self.plan.as_dict()}


def plan_roll(clients: AwsClients, settings: Settings, ui: UI, *, wait: bool) -> RollResult:
    """Read-only: what the roll will restart, and what the Lambda's TTL means for it."""
    plan = Plan("Roll the running targets onto the current secret")
    result = RollResult(plan)
    if settings.lambda_function:
        configuration = lambda_reads.function_configuration(clients.client("lambda"), settings.lambda_function)
        result.lambda_ttl_seconds = ttl_of(lambda_reads.environment(configuration))
        result.lambda_note = lambda_lag(result.lambda_ttl_seconds, 0.0)
        plan.notes.append(f"Lambda {settings.lambda_function}: {result.lambda_note}")
    else:
        plan.notes.append("no `lambda_function` setting: the Lambda side is not looked at")
    if not (settings.ecs_cluster and settings.ecs_service):
        plan.notes.append("no `ecs_cluster`/`ecs_service` setting: no ECS tasks to replace")
        return result
    ecs = clients.client("ecs")
    state = read_state(ecs, settings.ecs_cluster, settings.ecs_service)
    result.service, result.task_definition = f"{state.cluster}/{state.service}", state.arn

    def force_new_deployment() -> None:
        with aws_errors(f"starting a new deployment of ECS service {state.service}"):
            answer = ecs.update_service(cluster=state.cluster, service=state.service, forceNewDeployment=True)
        deployments: list[dict[str, Any]] = answer["service"].get("deployments", [])
        primary = next((d for d in deployments if d.get("status") == "PRIMARY"), {})
        result.deployment = primary.get("id")
        result.stable = False

    def wait_stable() -> None:
        wait_until_stable(ecs, state.cluster, state.service, state.arn, settings.deploy_timeout_seconds, ui)
        result.stable = True

    plan.add(f"Start a new deployment of ECS service {state.service} ({state.family}:{state.revision}, same "
             "task definition): every task is replaced and reads the secret as it starts", force_new_deployment)
    if wait:
        plan.add(f"Wait until the service is stable (at most {settings.deploy_timeout_seconds}s)", wait_stable)
    return result


def roll(clients: AwsClients, settings: Settings, ui: UI, *, wait: bool = True, dry_run: bool = False) -> RollResult:
    result = plan_roll(clients, settings, ui, wait=wait)
    execute(result.plan, ui, dry_run=dry_run)
    return result
