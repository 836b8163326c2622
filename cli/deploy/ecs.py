"""`shopbot deploy --target ecs`: a new task definition revision with a new image tag.

Plan first (read-only `DescribeServices`/`DescribeTaskDefinition`): the current revision
is copied whole - only the service container's image tag changes - and read-only fields
are left out (what `RegisterTaskDefinition` accepts is read from botocore's own service
model). Then `RegisterTaskDefinition`, `UpdateService`, the ledger entry, and a bounded
wait until the service's PRIMARY deployment is the new revision and COMPLETED (the
deployment circuit breaker's FAILED stops it). `--to-revision N` only moves the service.

Programmatic use: `run_ecs_deploy(clients, settings, ui, EcsRequest(image_tag="..."))`.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from ..aws import AwsClients, aws_errors, error_code
from ..cutover.ledger import Ledger
from ..errors import CliError, ConfigError, ExitStatus
from ..plan import Plan, execute
from ..settings.environments import Settings
from ..ui import UI

POLL_SECONDS = 5.0
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True)
class EcsRequest:
    image_tag: str | None = None
    to_revision: int | None = None
    wait: bool = True


@dataclass(frozen=True)
class EcsState:
    cluster: str
    service: str
    task_definition: dict[str, Any]
    tags: list[dict[str, str]]

    @property
    def arn(self) -> str:
        return str(self.task_definition["taskDefinitionArn"])

    @property
    def family(self) -> str:
        return str(self.task_definition["family"])

    @property
    def revision(self) -> int:
        return int(self.task_definition["revision"])


def read_state(ecs: Any, cluster: str, service: str) -> EcsState:
    """Read-only: the service and the task definition it runs."""
    try:
        with aws_errors(f"reading ECS service '{service}' in cluster '{cluster}'"):
            answer = ecs.describe_services(cluster=cluster, services=[service])
    except CliError as error:
        if _code(error) == "ClusterNotFoundException":
            raise ConfigError(f"ECS cluster '{cluster}' does not exist: check `ecs_cluster` in shopbot.toml") from error
        raise
    found = [s for s in answer.get("services", []) if s.get("status") != "INACTIVE"]
    if not found:
        raise ConfigError(
            f"ECS service '{service}' not found in cluster '{cluster}': check `ecs_service` in shopbot.toml"
        )
    definition, tags = describe_task_definition(ecs, found[0]["taskDefinition"])
    return EcsState(cluster, service, definition, tags)


def describe_task_definition(ecs: Any, name: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    try:
        with aws_errors(f"reading task definition '{name}'"):
            answer = ecs.describe_task_definition(taskDefinition=name, include=["TAGS"])
    except CliError as error:
        if _code(error) in {"ClientException", "InvalidParameterException"}:
            raise ConfigError(
                f"task definition '{name}' does not exist: list revisions with "
                "`aws ecs list-task-definitions --family-prefix FAMILY`"
            ) from error
        raise
    return answer["taskDefinition"], list(answer.get("tags", []))


def _code(error: Exception) -> str | None:
    cause = error.__cause__
    return error_code(cause) if isinstance(cause, botocore.exceptions.ClientError) else None


# --- the new revision ------------------------------------------------------------------


def registration_input(ecs: Any, current: dict[str, Any], tags: list[dict[str, str]]) -> dict[str, Any]:
    """The current definition as a `RegisterTaskDefinition` request: read-only fields dropped."""
    accepted = set(ecs.meta.service_model.operation_model("RegisterTaskDefinition").input_shape.members)
    request = {key: copy.deepcopy(value) for key, value in current.items() if key in accepted}
    if tags:
        request["tags"] = copy.deepcopy(tags)
    return request


def service_container(definition: dict[str, Any], repository: str | None) -> dict[str, Any]:
    """The container whose image we ship: the one from `ecr_repository`, or the only one."""
    containers = definition["containerDefinitions"]
    if repository:
        matching = [c for c in containers if image_repository(c["image"]).endswith(repository)]
        if len(matching) == 1:
            return dict(matching[0])
        raise ConfigError(
            f"{len(matching)} containers of '{definition['family']}' use repository '{repository}': "
            "check `ecr_repository` in shopbot.toml"
        )
    if len(containers) == 1:
        return dict(containers[0])
    raise ConfigError(
        f"'{definition['family']}' has {len(containers)} containers: set `ecr_repository` to say which one ships"
    )


def image_repository(image: str) -> str:
    """`123.dkr.ecr.../shopbot:tag` or `...@sha256:...` -> `123.dkr.ecr.../shopbot`."""
    image = image.split("@", 1)[0]
    last = image.rsplit("/", 1)[-1]
    return image[: len(image) - len(last)] + last.split(":", 1)[0]


def with_image_tag(request: dict[str, Any], container_name: str, tag: str) -> tuple[str, str]:
    """Point that container at `tag` in place; returns (old image, new image)."""
    for container in request["containerDefinitions"]:
        if container["name"] == container_name:
            old = str(container["image"])
            container["image"] = f"{image_repository(old)}:{tag}"
            return old, str(container["image"])
    raise AssertionError(f"container {container_name} vanished")


def latest_revision(ecs: Any, family: str) -> int:
    """The family's highest revision: the next registration gets this + 1."""
    with aws_errors(f"listing revisions of '{family}'"):
        arns = ecs.list_task_definitions(familyPrefix=family, sort="DESC", maxResults=1)["taskDefinitionArns"]
    return int(arns[0].rsplit(":", 1)[1]) if arns else 0


# --- the deploy --------------------------------------------------------------------------


@dataclass
class EcsDeploy:
    ecs: Any
    settings: Settings
    state: EcsState
    request: EcsRequest
    ui: UI
    registration: dict[str, Any] | None = None
    target_arn: str | None = None
    images: tuple[str, str] | None = None
    next_revision: int | None = None
    ledger: Ledger | None = None
    result: dict[str, Any] = field(default_factory=dict)

    def register(self) -> None:
        assert self.registration is not None
        with aws_errors(f"registering a new revision of '{self.state.family}'"):
            answer = self.ecs.register_task_definition(**self.registration)
        self.target_arn = str(answer["taskDefinition"]["taskDefinitionArn"])

    def update_service(self) -> None:
        assert self.target_arn is not None
        with aws_errors(f"updating ECS service '{self.state.service}'"):
            self.ecs.update_service(
                cluster=self.state.cluster, service=self.state.service, taskDefinition=self.target_arn
            )
        self.result["to_task_definition"] = self.target_arn

    def record(self) -> None:
        assert self.ledger is not None
        self.ledger.append(
            "deploy", target="ecs", env=self.settings.name, cluster=self.state.cluster,
            service=self.state.service, from_task_definition=self.state.arn,
            to_task_definition=self.target_arn, image=self.images[1] if self.images else None,
        )

    def wait_stable(self) -> None:
        assert self.target_arn is not None
        wait_until_stable(self.ecs, self.state.cluster, self.state.service, self.target_arn,
                          self.settings.deploy_timeout_seconds, self.ui)
        self.result["stable"] = True


@dataclass(frozen=True)
class Rollout:
    done: bool
    failed: bool
    message: str


def rollout_of(service: dict[str, Any], wanted: str) -> Rollout:
    """Where the service's rollout to `wanted` stands, from one `DescribeServices` answer."""
    deployments = service.get("deployments", [])
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if primary is None or primary.get("taskDefinition") != wanted:
        if service.get("taskDefinition") != wanted:
            return Rollout(False, True, f"the service went back to {service.get('taskDefinition')} "
                                        "(deployment circuit breaker rolled back)")
        return Rollout(False, False, "waiting for the new deployment to start")
    counts = f"{primary.get('runningCount', 0)}/{primary.get('desiredCount', 0)} tasks running"
    state = primary.get("rolloutState")
    if state == "FAILED":
        return Rollout(False, True, f"deployment failed: {primary.get('rolloutStateReason', 'no reason')}")
    if state == "COMPLETED" or (state is None and len(deployments) == 1
                                and primary.get("runningCount") == primary.get("desiredCount")):
        return Rollout(True, False, counts)
    return Rollout(False, False, f"{counts}, {len(deployments) - 1} old deployment(s) draining")


def wait_until_stable(
    ecs: Any, cluster: str, service: str, wanted: str, timeout: float, ui: UI,
    *, poll: float = POLL_SECONDS, sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Bounded poll of the rollout, with progress; stops on FAILED or at the deadline."""
    deadline = time.monotonic() + timeout
    last = ""
    with ui.progress(f"waiting for '{service}' to run {wanted.rsplit('/', 1)[-1]}") as progress:
        while True:
            with aws_errors(f"reading ECS service '{service}'"):
                answer = ecs.describe_services(cluster=cluster, services=[service])
            rollout = rollout_of(answer["services"][0], wanted)
            if rollout.message != last:
                progress.update(progress.task_ids[0], description=rollout.message)
                last = rollout.message
            if rollout.done:
                return
            if rollout.failed:
                raise CliError(f"ECS service '{service}': {rollout.message}", ExitStatus.DIFFERENCES)
            if time.monotonic() >= deadline:
                raise CliError(
                    f"ECS service '{service}' not stable after {timeout:.0f}s ({rollout.message}): the update "
                    "was applied and recorded; watch it with `aws ecs describe-services` or raise "
                    "deploy_timeout_seconds",
                    ExitStatus.DIFFERENCES,
                )
            sleep(min(poll, max(0.0, deadline - time.monotonic())))


def plan_ecs_deploy(clients: AwsClients, settings: Settings, ui: UI, request: EcsRequest) -> EcsDeploy:
    settings.require("ecs_cluster", "ecs_service")
    if (request.image_tag is None) == (request.to_revision is None):
        raise CliError("say what to run: --image-tag TAG (a new revision) or --to-revision N (an existing one)")
    if request.image_tag is not None and not _TAG.match(request.image_tag):
        raise CliError(f"--image-tag '{request.image_tag}' is not a Docker tag (letters, digits, _ . -; max 128)")
    ecs = clients.client("ecs")
    state = read_state(ecs, str(settings.ecs_cluster), str(settings.ecs_service))
    deploy = EcsDeploy(ecs, settings, state, request, ui)
    if request.to_revision is not None:
        if request.to_revision < 1:
            raise CliError(f"--to-revision {request.to_revision} is not a revision number (1, 2, ...)")
        target, _ = describe_task_definition(ecs, f"{state.family}:{request.to_revision}")
        deploy.target_arn = str(target["taskDefinitionArn"])
    else:
        registration = registration_input(ecs, state.task_definition, state.tags)
        container = service_container(state.task_definition, settings.ecr_repository)
        deploy.images = with_image_tag(registration, container["name"], str(request.image_tag))
        deploy.registration = registration
        deploy.next_revision = latest_revision(ecs, state.family) + 1
    if settings.ledger:
        deploy.ledger = Ledger.open(clients, settings.ledger)
    deploy.result = {
        "target": "ecs", "cluster": state.cluster, "service": state.service,
        "from_task_definition": state.arn, "image": deploy.images[1] if deploy.images else None,
    }
    return deploy


def build_plan(deploy: EcsDeploy) -> Plan:
    state = deploy.state
    plan = Plan(f"Deploy to ECS service {state.service} (cluster {state.cluster})")
    plan.notes.append(f"the service runs {state.family}:{state.revision}")
    if deploy.registration is not None:
        assert deploy.images is not None
        old, new = deploy.images
        if old == new:
            plan.notes.append(f"{state.family}:{state.revision} already runs {new}")
            return plan
        plan.add(f"Register {state.family}:{deploy.next_revision} with the new image",
                 deploy.register, [f"image: {old} -> {new}", "everything else copied from the current revision"])
        plan.add(f"Update service {state.service} to the new revision", deploy.update_service)
    else:
        if deploy.target_arn == state.arn:
            return plan
        plan.add(f"Update service {state.service} to {str(deploy.target_arn).rsplit('/', 1)[-1]}",
                 deploy.update_service)
    if deploy.ledger is not None:
        plan.add(f"Record the deploy in the ledger {deploy.settings.ledger}", deploy.record)
    else:
        plan.notes.append("no `ledger` setting: this deploy will not be recorded")
    if deploy.request.wait:
        plan.add(f"Wait until the service is stable (at most {deploy.settings.deploy_timeout_seconds}s)",
                 deploy.wait_stable)
    return plan


def run_ecs_deploy(
    clients: AwsClients, settings: Settings, ui: UI, request: EcsRequest, *, dry_run: bool = False
) -> dict[str, Any]:
    """Plan -> show -> confirm -> execute; returns what `--json` prints."""
    deploy = plan_ecs_deploy(clients, settings, ui, request)
    plan = build_plan(deploy)
    execute(plan, ui, dry_run=dry_run)
    changed = bool(plan.steps) and not dry_run
    result = {**deploy.result, "dry_run": dry_run, "changed": changed, "plan": plan.as_dict()}
    if changed:
        result.setdefault("stable", False)
        ui.success(f"service {state_name(deploy)} -> {str(deploy.target_arn).rsplit('/', 1)[-1]}"
                   + ("" if result["stable"] else " (not waited for: check it with `shopbot status`)"))
    return result


def state_name(deploy: EcsDeploy) -> str:
    return f"{deploy.state.cluster}/{deploy.state.service}"
