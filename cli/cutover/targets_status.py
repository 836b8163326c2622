"""The targets' side of `shopbot status` (issue 17): what people look at on cutover day.

Lambda: the alias' version and routing weights, its provisioned concurrency, the last
deploy in the ledger. ECS: the service's deployments (rollout state, desired/running/
pending, task definition revision) and the last deploy. Read-only; a target that is not
configured is skipped, and one that cannot be read says so ("unknown: ...") rather than
disappearing. `summarize_*` are pure; `read_targets` calls AWS.
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions
from rich.markup import escape

from ..aws import AwsClients, error_code
from ..errors import CliError
from ..settings.environments import Settings
from ..ui import UI
from .ledger import Ledger


def summarize_alias(alias: dict[str, Any]) -> dict[str, Any]:
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    version = str(alias.get("FunctionVersion", "?"))
    share = {version: round(1 - sum(float(w) for w in weights.values()), 4),
             **{str(v): float(w) for v, w in weights.items()}}
    return {"alias": alias.get("Name"), "version": version, "weights": share}


def summarize_deployments(service: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for deployment in service.get("deployments") or []:
        definition = str(deployment.get("taskDefinition", "?")).rsplit("/", 1)[-1]
        rows.append({
            "id": deployment.get("id"), "status": deployment.get("status"),
            "rollout": deployment.get("rolloutState") or "-", "task_definition": definition,
            "desired": deployment.get("desiredCount", 0), "running": deployment.get("runningCount", 0),
            "pending": deployment.get("pendingCount", 0), "created": str(deployment.get("createdAt", "")),
        })
    return rows


def _unknown(error: Exception) -> str:
    if isinstance(error, botocore.exceptions.ClientError):
        return f"unknown: {error_code(error)}"
    return f"unknown: {error}"


def _provisioned(lam: Any, function: str, alias: str) -> Any:
    try:
        config = lam.get_provisioned_concurrency_config(FunctionName=function, Qualifier=alias)
    except botocore.exceptions.ClientError as error:
        if error_code(error) == "ProvisionedConcurrencyConfigNotFoundException":
            return "none"
        return _unknown(error)
    except botocore.exceptions.BotoCoreError as error:
        return _unknown(error)
    return {"status": config.get("Status"), "requested": config.get("RequestedProvisionedConcurrentExecutions"),
            "allocated": config.get("AllocatedProvisionedConcurrentExecutions"),
            "reason": config.get("StatusReason")}


def _last_deploys(clients: AwsClients, settings: Settings) -> dict[str, Any]:
    if not settings.ledger:
        return {}
    try:
        entries = Ledger.open(clients, settings.ledger).entries()
    except CliError as error:
        return {"lambda": f"unknown: {error}", "ecs": f"unknown: {error}"}
    last: dict[str, Any] = {}
    for entry in entries:
        if entry.get("kind") == "deploy" and entry.get("target") in ("lambda", "ecs"):
            last[str(entry["target"])] = {key: entry.get(key) for key in (
                "at", "who", "from_version", "to_version", "weights", "from_task_definition",
                "to_task_definition", "image") if entry.get(key) is not None}
    return last


def read_targets(clients: AwsClients, settings: Settings) -> dict[str, Any]:
    deploys = _last_deploys(clients, settings)
    result: dict[str, Any] = {}
    if settings.lambda_function:
        lam = clients.client("lambda")
        facts: dict[str, Any] = {"function": settings.lambda_function, "last_deploy": deploys.get("lambda")}
        try:
            facts.update(summarize_alias(lam.get_alias(FunctionName=settings.lambda_function,
                                                       Name=settings.lambda_alias)))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            facts["alias"] = _unknown(error)
        facts["provisioned_concurrency"] = _provisioned(lam, settings.lambda_function, settings.lambda_alias)
        result["lambda"] = facts
    if settings.ecs_cluster and settings.ecs_service:
        ecs_facts: dict[str, Any] = {"service": settings.ecs_service, "last_deploy": deploys.get("ecs")}
        try:
            found = clients.client("ecs").describe_services(cluster=settings.ecs_cluster,
                                                            services=[settings.ecs_service])["services"]
            ecs_facts["task_definition"] = str(found[0]["taskDefinition"]).rsplit("/", 1)[-1] if found else None
            ecs_facts["deployments"] = summarize_deployments(found[0]) if found else []
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            ecs_facts["deployments"] = _unknown(error)
        result["ecs"] = ecs_facts
    return result


def show_targets(clients: AwsClients, settings: Settings, ui: UI) -> dict[str, Any]:
    """Read, show and return both targets' facts (the hook `status` calls)."""
    facts = read_targets(clients, settings)
    lam = facts.get("lambda")
    if lam:
        weights = ", ".join(f"v{v} {w:.0%}" for v, w in (lam.get("weights") or {}).items()) or "-"
        provisioned = lam["provisioned_concurrency"]
        if isinstance(provisioned, dict):
            provisioned = f"{provisioned['allocated']}/{provisioned['requested']} {provisioned['status']}"
        deploy = lam.get("last_deploy") or {}
        ui.table(f"Lambda {escape(str(lam['function']))}",
                 ["alias", "version", "routing", "provisioned", "last deploy"],
                 [tuple(escape(str(cell)) for cell in (
                     lam.get("alias"), lam.get("version", "?"), weights, provisioned,
                     f"{deploy.get('at', '-')} {deploy.get('who', '')} -> v{deploy.get('to_version', '?')}"
                     if deploy else "-"))])
    ecs = facts.get("ecs")
    if ecs:
        deployments = ecs["deployments"]
        if isinstance(deployments, str):
            ui.info(f"ECS {escape(str(ecs['service']))}: deployments {escape(deployments)}")
        else:
            ui.table(f"ECS {escape(str(ecs['service']))} (runs {escape(str(ecs.get('task_definition')))})",
                     ["deployment", "status", "rollout", "task definition", "desired/running/pending"],
                     [tuple(escape(str(cell)) for cell in (
                         d["id"], d["status"], d["rollout"], d["task_definition"],
                         f"{d['desired']}/{d['running']}/{d['pending']}")) for d in deployments])
    return facts
