"""`shopbot secrets check`: do the Lambda and the ECS containers read the same secret keys?

The Lambda loads the whole JSON secret named by its `SECRETS_MANAGER_SECRET` (values already
in its environment win) and needs a role allowed to `GetSecretValue` on it. ECS injects only
the keys listed in the task definition's `secrets[].valueFrom` (`<secret ARN>:<KEY>::`),
fetched by the task execution role, which therefore needs the same permission.
Each mismatch is reported with where to fix it; values are never read out, only key names.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from ..aws import AwsClients
from ..aws import ecs as ecs_reads
from ..aws import iam as iam_reads
from ..aws import lambda_ as lambda_reads
from ..aws import secretsmanager as sm
from ..settings.environments import Settings
from .freshness import check_freshness

SECRET_ENV = "SECRETS_MANAGER_SECRET"
READ_ACTION = "secretsmanager:GetSecretValue"
LAMBDA_FIX = "deploy/lambda Terraform (var.secrets_manager_secret_name)"
ROLE_FIX = "deploy/lambda/main.tf (aws_iam_policy_document.read_secret)"
ECS_FIX = "deploy/ecs Terraform (var.secret_keys, var.secrets_manager_secret_arn)"
ECS_EXECUTION_FIX = "deploy/ecs/main.tf (aws_iam_role_policy.execution_read_secret)"


@dataclass(frozen=True)
class Finding:
    target: str    # "lambda" or "ecs"
    problem: str
    fix: str


@dataclass
class CheckReport:
    secret: str
    arn: str
    secret_keys: list[str]
    lambda_keys: list[str] = field(default_factory=list)
    ecs_keys: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    freshness: dict[str, Any] = field(default_factory=dict)  # issue 17: do running targets hold it?

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, target: str, problem: str, fix: str) -> None:
        self.findings.append(Finding(target, problem, fix))

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "ok": self.ok}


@dataclass(frozen=True)
class ValueFrom:
    """A parsed `valueFrom`: the secret it names and the optional key/stage/version parts."""

    secret: str
    key: str = ""
    stage: str = ""
    version_id: str = ""


def parse_value_from(value: str) -> ValueFrom | None:
    """`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf[:KEY[:STAGE[:VERSION]]]`, or a bare
    secret name; None for anything else (an SSM parameter, say)."""
    parts = value.split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "secretsmanager" and parts[5] == "secret":
        key, stage, version_id = [*parts[7:], "", "", ""][:3]
        return ValueFrom(":".join(parts[:7]), key, stage, version_id)
    if value.startswith("arn:"):
        return None
    return ValueFrom(value)


def names_secret(reference: str, name: str, arn: str) -> bool:
    """A name, a full ARN, or a partial ARN (without the random 6-character suffix)."""
    return reference in {name, arn, re.sub(r"-[A-Za-z0-9]{6}$", "", arn)}


def _glob(pattern: str, text: str, *, ignore_case: bool) -> bool:
    """IAM wildcards: `*` any run, `?` one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.IGNORECASE if ignore_case else 0) is not None


def _listed(value: Any) -> list[Any]:
    return [value] if isinstance(value, str | dict) else list(value or [])


def policy_verdict(documents: list[tuple[str, dict[str, Any]]], action: str, resource: str,
                   ) -> tuple[str, str | None]:
    """("allow" | "deny" | "none", the policy that decided). Statements with NotAction or
    NotResource are not evaluated (they never count as an allow here); conditions are ignored."""
    allowed_by: str | None = None
    for label, document in documents:
        for statement in _listed(document.get("Statement")):
            if "NotAction" in statement or "NotResource" in statement:
                continue
            if not any(_glob(a, action, ignore_case=True) for a in _listed(statement.get("Action"))):
                continue
            if not any(_glob(r, resource, ignore_case=False) for r in _listed(statement.get("Resource"))):
                continue
            if statement.get("Effect") == "Deny":
                return "deny", label
            allowed_by = allowed_by or label
    return ("allow", allowed_by) if allowed_by else ("none", None)


def check_wiring(clients: AwsClients, settings: Settings) -> CheckReport:
    """Read the secret's keys, the Lambda's wiring and the ECS task definition; list mismatches."""
    settings.require("lambda_function", "ecs_cluster", "ecs_service")
    secret = sm.read_version(sm.secrets_client(clients), settings.secret_name, sm.CURRENT)
    report = CheckReport(secret.name, secret.arn, sorted(secret.values))
    _check_lambda(clients, str(settings.lambda_function), report)
    _check_ecs(clients, str(settings.ecs_cluster), str(settings.ecs_service), report)
    check_freshness(clients, settings, report)
    return report


def _check_lambda(clients: AwsClients, function: str, report: CheckReport) -> None:
    configuration = lambda_reads.function_configuration(clients.client("lambda"), function)
    env = lambda_reads.environment(configuration)
    reference = env.get(SECRET_ENV)
    if not reference:
        report.add("lambda", f"function {function} has no {SECRET_ENV} environment variable",
                   f"set {SECRET_ENV}={report.secret} in {LAMBDA_FIX}")
    elif not names_secret(reference, report.secret, report.arn):
        report.add("lambda", f"function {function}: {SECRET_ENV} names '{reference}', not {report.secret}",
                   f"set {SECRET_ENV}={report.secret} in {LAMBDA_FIX}")
    else:
        report.lambda_keys = list(report.secret_keys)
    for key in sorted(set(env) & set(report.secret_keys)):
        report.add("lambda", f"function {function} sets {key} directly in its environment, which wins over "
                             "the secret's value", f"remove {key} from the function's environment variables")
    _check_role(clients, report, "lambda", str(configuration.get("Role", "")), ROLE_FIX)


def _check_role(clients: AwsClients, report: CheckReport, target: str, role_arn: str, fix_in: str) -> None:
    """The role that reads the secret (Lambda's role, ECS's task execution role) may read it."""
    role = role_arn.rsplit("/", 1)[-1]
    verdict, policy = policy_verdict(iam_reads.role_policy_documents(clients.client("iam"), role),
                                     READ_ACTION, report.arn)
    if verdict == "deny":
        report.add(target, f"role {role}: {policy} denies {READ_ACTION} on the secret",
                   f"remove the Deny for this secret from {policy}")
    elif verdict == "none":
        report.add(target, f"role {role} has no policy allowing {READ_ACTION} on {report.arn}",
                   f"allow {READ_ACTION} on the secret's ARN in {fix_in}")


def _check_ecs(clients: AwsClients, cluster: str, service: str, report: CheckReport) -> None:
    task = ecs_reads.service_task_definition(clients.client("ecs"), cluster, service)
    family = f"{task.get('family', '?')}:{task.get('revision', '?')}"
    containers = list(task.get("containerDefinitions", []))
    found: set[str] = set()
    home = containers[0]["name"] if containers else "?"
    for container in containers:
        cname = container.get("name", "?")
        if any(item.get("name") == SECRET_ENV for item in container.get("environment", []) or []):
            report.notes.append(f"container {cname} also sets {SECRET_ENV}: at runtime it loads the keys it "
                                "lacks itself if its task role may read the secret")
        for entry in container.get("secrets", []) or []:
            home = _check_entry(report, family, cname, entry, found) or home
    report.ecs_keys = sorted(found)
    if found:
        execution_role = task.get("executionRoleArn")
        if not execution_role:
            report.add("ecs", f"task definition {family} has no executionRoleArn: ECS cannot fetch its secrets",
                       f"set execution_role_arn in {ECS_FIX}")
        else:
            _check_role(clients, report, "ecs", str(execution_role), ECS_EXECUTION_FIX)
    for key in report.secret_keys:
        if key not in found:
            report.add("ecs", f"task definition {family} lacks {key}: the Lambda loads it, no container "
                              "lists it in secrets[]",
                       f"add {{name: {key}, valueFrom: {report.arn}:{key}::}} to container {home} in {ECS_FIX}")


def _check_entry(report: CheckReport, family: str, container: str, entry: dict[str, Any],
                 found: set[str]) -> str | None:
    """Check one `secrets[]` entry; returns the container name when it reads this secret."""
    name, value_from = str(entry.get("name", "?")), str(entry.get("valueFrom", ""))
    where = f"task definition {family}, container {container}: {name}"
    reference = parse_value_from(value_from)
    if reference is None or not names_secret(reference.secret, report.secret, report.arn):
        report.add("ecs", f"{where} comes from {value_from}, not {report.secret}: the Lambda does not get it",
                   f"move {name} into {report.secret} and point valueFrom at {report.arn}:{name}:: in {ECS_FIX}")
        return None
    if not reference.key:
        report.add("ecs", f"{where} receives the whole JSON secret, not one key",
                   f"use valueFrom {report.arn}:{name}:: in {ECS_FIX}")
    elif reference.key not in report.secret_keys:
        report.add("ecs", f"{where} reads key {reference.key}, which the secret does not have",
                   f"add {reference.key} with `shopbot secrets sync`, or fix valueFrom in {ECS_FIX}")
    elif reference.key != name:
        report.add("ecs", f"{where} holds key {reference.key}; the Lambda sees that key as {reference.key}",
                   f"name the variable {reference.key} in {ECS_FIX}")
    elif reference.stage not in ("", sm.CURRENT) or reference.version_id:
        report.add("ecs", f"{where} pins version {reference.stage or reference.version_id}; the Lambda reads "
                          f"{sm.CURRENT}", f"drop the version part of valueFrom in {ECS_FIX}")
    else:
        found.add(name)
    return container
