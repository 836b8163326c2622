"""Fixtures for `shopbot secrets` against the moto server: settings, a CLI runner whose
AWS clients carry test hooks, canned AWS error responses, and Lambda/ECS wiring."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.retries.standard
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from shopbot_cli.aws import AwsClients
from shopbot_cli.commands import secrets as secrets_command
from shopbot_cli.main import app
from shopbot_cli.settings.environments import Settings
from shopbot_cli.ui import UI, set_ui
from typer.testing import CliRunner, Result

SECRET = "flean-services/shopbot"
REGION = "us-east-1"
CANARY = "canary.secret.7f3d9c2e41b8a6d0f5e3"


@dataclass
class Cli:
    """Runs `shopbot ...` in-process; hooks registered here apply to the clients commands build."""

    hooks: list[tuple[str, Callable[..., Any]]] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)

    def __call__(self, *args: str, input: str | None = None) -> Result:
        set_ui(UI())  # a fresh console state per invocation, as a new process would have
        result: Result = CliRunner().invoke(app, list(args), input=input)
        self.results.append(result)
        return result

    def json(self, *args: str) -> dict[str, Any]:
        result = self(*args, "--json")
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
        return dict(json.loads(result.stdout))

    def hook(self, event: str, handler: Callable[..., Any]) -> None:
        self.hooks.append((event, handler))


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "shopbot.toml"
    path.write_text(f"""
[environments.local]
region = "{REGION}"
secret_name = "{SECRET}"
required_secret_keys = ["ANTHROPIC_API_KEY"]
kms_key_id = "alias/shopbot-secrets"
secret_tags = {{ team = "flean", service = "shopbot" }}
lambda_function = "shopbot"
ecs_cluster = "shop"
ecs_service = "shopbot"
""")
    monkeypatch.setenv("SHOPBOT_CONFIG", str(path))
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture(scope="session")
def shared_session() -> boto3.Session:
    """One boto3 session for every invocation: it caches the parsed service models, which a
    fresh session per command would re-read from disk (most of a command's time here)."""
    return boto3.Session(region_name=REGION)


@pytest.fixture
def cli(aws: str, settings_file: Path, monkeypatch: pytest.MonkeyPatch, shared_session: boto3.Session) -> Cli:
    runner = Cli()

    class HookedClients(AwsClients):  # type: ignore[misc]
        def client(self, service: str) -> Any:
            client = super().client(service)
            if not getattr(client, "_test_hooks", False):
                model = client.meta.service_model
                names = {service, model.endpoint_prefix, model.service_id.hyphenize()}
                for event, handler in runner.hooks:
                    if event.split(".")[1] in names:
                        client.meta.events.register(event, handler)
                client._test_hooks = True
            return client

    def make_clients(settings: Settings) -> AwsClients:
        return HookedClients(settings, session=shared_session)

    monkeypatch.setattr(secrets_command, "make_clients", make_clients)
    return runner


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep botocore's retries (the attempts still happen) but skip the sleeps between them."""
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 0.0)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def error_response(status: int, code: str, message: str) -> AWSResponse:
    """What AWS sends for a JSON-protocol error (Secrets Manager speaks JSON 1.1)."""
    body = json.dumps({"__type": code, "message": message}).encode()
    headers = HTTPHeaders()
    headers["Content-Type"] = "application/x-amz-json-1.1"
    headers["x-amzn-RequestId"] = "test-request"
    return AWSResponse("https://secretsmanager.us-east-1.amazonaws.com/", status, headers, _Raw(body))


@pytest.fixture
def sm(aws: str) -> Any:
    """A plain client for arranging and inspecting the secret (no hooks)."""
    return boto3.client("secretsmanager", region_name=REGION)


def write_env(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f'{key}="{value}"\n' for key, value in values.items()))
    return path


def current(sm: Any) -> tuple[str, dict[str, Any]]:
    response = sm.get_secret_value(SecretId=SECRET, VersionStage="AWSCURRENT")
    return response["VersionId"], json.loads(response["SecretString"])


def version_count(sm: Any) -> int:
    return len(sm.list_secret_version_ids(SecretId=SECRET, IncludeDeprecated=True)["Versions"])


def wire_targets(secret_arn: str, *, lambda_secret: str, policy_resource: str | None,
                 ecs_secrets: list[dict[str, str]], lambda_env: dict[str, str] | None = None,
                 execution_role: bool = True) -> None:
    """Create the IAM role (with an inline read policy on `policy_resource`), the Lambda function
    and the ECS cluster/task definition/service in moto. One role serves as the Lambda's role and
    the task execution role."""
    iam = boto3.client("iam", region_name=REGION)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="shopbot-lambda", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    logs = iam.create_policy(PolicyName="shopbot-logs", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}))["Policy"]
    iam.attach_role_policy(RoleName="shopbot-lambda", PolicyArn=logs["Arn"])
    if policy_resource is not None:
        iam.put_role_policy(RoleName="shopbot-lambda", PolicyName="read-secret", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
                           "Resource": policy_resource}]}))
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="shopbot", Runtime="python3.12", Role=role["Arn"], Handler="handler.handler",
        Code={"ZipFile": package.getvalue()},
        Environment={"Variables": {"SECRETS_MANAGER_SECRET": lambda_secret, "LOG_LEVEL": "INFO",
                                   **(lambda_env or {})}})
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName="shop")
    roles = {"executionRoleArn": role["Arn"]} if execution_role else {}
    ecs.register_task_definition(family="shopbot", **roles, containerDefinitions=[
        {"name": "app", "image": "shopbot:latest", "memory": 512, "essential": True,
         "secrets": ecs_secrets,
         "environment": [{"name": "SECRETS_MANAGER_SECRET", "value": SECRET}]},
        {"name": "log-router", "image": "fluent-bit", "memory": 64, "essential": False},
    ])
    ecs.create_service(cluster="shop", serviceName="shopbot", taskDefinition="shopbot", desiredCount=1)
