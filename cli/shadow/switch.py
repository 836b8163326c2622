"""Turn live shadowing on or off on the ECS service: one new task definition revision.

Only the service container's SHADOW_* environment changes (and, when the signing key is
not wired yet, one `secrets` entry reading SHADOW_SIGNING_KEY from the service's secret);
everything else is copied from the running revision, as `deploy --target ecs` does. The
change goes through plan/confirm/execute and the ledger, and `shopbot deploy --target ecs
--to-revision N` undoes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..aws import AwsClients, aws_errors
from ..cutover.ledger import Ledger
from ..deploy.ecs import (
    EcsState,
    latest_revision,
    read_state,
    registration_input,
    service_container,
    wait_until_stable,
)
from ..errors import CliError
from ..plan import Plan, execute
from ..settings.environments import Settings
from ..ui import UI

KEY_NAME = "SHADOW_SIGNING_KEY"


@dataclass(frozen=True)
class ShadowRequest:
    on: bool
    sample_rate: float = 0.01
    routes: str = "/api/"
    methods: str = "GET,POST"
    max_per_minute: int = 60
    wait: bool = True

    def environment(self, candidate: str, sink: str) -> dict[str, str]:
        if not 0 < self.sample_rate <= 1:
            raise CliError(f"--sample-rate {self.sample_rate} must be above 0 and at most 1 (0.1 = 10%)")
        if self.max_per_minute < 1:
            raise CliError(f"--max-per-minute {self.max_per_minute} must be at least 1")
        return {"SHADOW_TARGET_URL": candidate, "SHADOW_SINK": sink, "SHADOW_SAMPLE_RATE": f"{self.sample_rate:g}",
                "SHADOW_ROUTES": self.routes, "SHADOW_METHODS": self.methods,
                "SHADOW_MAX_PER_MINUTE": str(self.max_per_minute)}


def shadow_environment(container: dict[str, Any]) -> dict[str, str]:
    """The SHADOW_* variables a container definition sets."""
    return {str(item["name"]): str(item.get("value", "")) for item in container.get("environment", [])
            if str(item.get("name", "")).startswith("SHADOW_")}


def with_shadow(container: dict[str, Any], wanted: dict[str, str], secret_arn: str | None) -> list[str]:
    """Set (or with `wanted` empty, remove) the SHADOW_* variables in place; the changes, readable."""
    before = shadow_environment(container)
    kept = [item for item in container.get("environment", []) if not str(item.get("name", "")).startswith("SHADOW_")]
    container["environment"] = kept + [{"name": name, "value": value} for name, value in sorted(wanted.items())]
    changes = [f"{name}: {before.get(name, '(unset)')} -> {wanted.get(name, '(unset)')}"
               for name in sorted(set(before) | set(wanted)) if before.get(name) != wanted.get(name)]
    secrets = container.setdefault("secrets", [])
    if wanted and secret_arn and not any(item.get("name") == KEY_NAME for item in secrets):
        secrets.append({"name": KEY_NAME, "valueFrom": f"{secret_arn}:{KEY_NAME}::"})
        changes.append(f"secret {KEY_NAME} read from the service's secret")
    return changes


@dataclass
class ShadowSwitch:
    ecs: Any
    settings: Settings
    state: EcsState
    registration: dict[str, Any]
    changes: list[str]
    next_revision: int
    ledger: Ledger | None
    ui: UI
    wait: bool
    result: dict[str, Any] = field(default_factory=dict)

    def register_and_update(self) -> None:
        with aws_errors(f"registering a new revision of '{self.state.family}'"):
            arn = str(self.ecs.register_task_definition(**self.registration)["taskDefinition"]["taskDefinitionArn"])
        with aws_errors(f"updating ECS service '{self.state.service}'"):
            self.ecs.update_service(cluster=self.state.cluster, service=self.state.service, taskDefinition=arn)
        self.result["to_task_definition"] = arn

    def record(self) -> None:
        assert self.ledger is not None
        self.ledger.append("shadow", target="ecs", env=self.settings.name, cluster=self.state.cluster,
                           service=self.state.service, from_task_definition=self.state.arn,
                           to_task_definition=self.result.get("to_task_definition"), changes=self.changes)

    def wait_stable(self) -> None:
        wait_until_stable(self.ecs, self.state.cluster, self.state.service, self.result["to_task_definition"],
                          self.settings.deploy_timeout_seconds, self.ui)
        self.result["stable"] = True


def plan_switch(clients: AwsClients, settings: Settings, ui: UI, request: ShadowRequest) -> tuple[ShadowSwitch, Plan]:
    settings.require("ecs_cluster", "ecs_service", *(("api_url", "shadow_sink") if request.on else ()))
    wanted = request.environment(str(settings.api_url), str(settings.shadow_sink)) if request.on else {}
    ecs = clients.client("ecs")
    state = read_state(ecs, str(settings.ecs_cluster), str(settings.ecs_service))
    registration = registration_input(ecs, state.task_definition, state.tags)
    name = service_container(state.task_definition, settings.ecr_repository)["name"]
    container = next(c for c in registration["containerDefinitions"] if c["name"] == name)
    secret_arn = _secret_arn(clients, settings) if request.on else None
    changes = with_shadow(container, wanted, secret_arn)
    switch = ShadowSwitch(ecs, settings, state, registration, changes, latest_revision(ecs, state.family) + 1,
                          Ledger.open(clients, settings.ledger) if settings.ledger else None, ui, request.wait)
    switch.result = {"cluster": state.cluster, "service": state.service, "from_task_definition": state.arn,
                     "shadow": "on" if request.on else "off", "changes": changes}
    plan = Plan(f"Shadowing {'on' if request.on else 'off'} for ECS service {state.service} (cluster {state.cluster})")
    plan.notes.append(f"the service runs {state.family}:{state.revision}")
    if not changes:
        plan.notes.append("shadowing is already " + ("configured so" if request.on else "off"))
        return switch, plan
    plan.add(f"Register {state.family}:{switch.next_revision} and update the service to it",
             switch.register_and_update, changes)
    if switch.ledger is not None:
        plan.add(f"Record the change in the ledger {settings.ledger}", switch.record)
    if request.wait:
        plan.add(f"Wait until the service is stable (at most {settings.deploy_timeout_seconds}s)", switch.wait_stable)
    if request.on:
        plan.notes.append(f"each sampled request costs the ECS task one more answer and the candidate two "
                          f"(chat: three more LLM calls); at most {request.max_per_minute} a minute per process")
    return switch, plan


def _secret_arn(clients: AwsClients, settings: Settings) -> str:
    """The secret's ARN; it must hold SHADOW_SIGNING_KEY, which both targets verify with."""
    import json

    sm = clients.client("secretsmanager")
    with aws_errors(f"reading secret '{settings.secret_name}'"):
        answer = sm.get_secret_value(SecretId=settings.secret_name, VersionStage="AWSCURRENT")
    try:
        values = json.loads(answer.get("SecretString") or "{}")
    except ValueError:
        values = {}
    if not isinstance(values, dict) or len(str(values.get(KEY_NAME, ""))) < 16:
        raise CliError(f"secret '{settings.secret_name}' has no {KEY_NAME} (16+ characters): add one with "
                       f"`{KEY_NAME}=$(openssl rand -hex 32) shopbot secrets sync --from-env {KEY_NAME}`")
    return str(answer["ARN"])


def run_switch(clients: AwsClients, settings: Settings, ui: UI, request: ShadowRequest,
               *, dry_run: bool = False) -> dict[str, Any]:
    switch, plan = plan_switch(clients, settings, ui, request)
    execute(plan, ui, dry_run=dry_run)
    changed = bool(plan.steps) and not dry_run
    if changed:
        ui.success(f"shadowing {'on' if request.on else 'off'}: {switch.state.service} -> "
                   f"{str(switch.result['to_task_definition']).rsplit('/', 1)[-1]}")
    return {**switch.result, "dry_run": dry_run, "changed": changed, "plan": plan.as_dict()}
