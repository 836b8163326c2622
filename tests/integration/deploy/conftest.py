"""Fixtures for `shopbot deploy` against the moto server: a Lambda function with alias
`live`, an ECS service, a ledger bucket, built packages with manifests, and a CLI runner."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from shopbot_cli.main import app
from shopbot_cli.package.manifest import Archive, Bytecode, Manifest, write_manifest, zip_digests
from shopbot_cli.ui import UI, set_ui
from typer.testing import CliRunner, Result

REGION = "us-east-1"
FUNCTION = "shopbot-service-test"
CLUSTER = "shopbot-test"
SERVICE = "shopbot-service"
LEDGER_BUCKET = "shopbot-ops"
ARTIFACTS = "shopbot-artifacts"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shopbot-Ab"
REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shopbot"


def run(*args: str) -> Result:
    """`shopbot ...` in-process, with the console state a new process would have."""
    set_ui(UI())
    return CliRunner().invoke(app, list(args))


def run_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return dict(json.loads(result.stdout))


def make_zip(marker: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("shopbot/__init__.py", f"BUILD = {marker!r}\n")
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.fixture
def build(tmp_path: Path) -> Callable[..., Path]:
    """Write dist/shopbot-lambda-3.12-x86_64.zip and the manifest `shopbot build` writes beside it."""

    def write(marker: str, *, python: str = "3.12", arch: str = "x86_64") -> Path:
        dist = tmp_path / "dist"
        dist.mkdir(exist_ok=True)
        data = make_zip(marker)
        path = dist / "shopbot-lambda-3.12-x86_64.zip"
        path.write_bytes(data)
        hex_digest, b64_digest = zip_digests(path)
        manifest = Manifest(
            target="lambda", python=python, arch=arch, platform=f"manylinux2014_{arch}", git_commit="test",
            requirements="requirements/runtime.txt", requirements_sha256="0" * 64, bundle_sdk=False, packages=[],
            runtime_provided={}, bytecode=Bytecode(False, None, None, 0, "test package"),
            archive=Archive(str(path), hex_digest, b64_digest, len(data), len(data), 2), inputs_sha256="0" * 64,
        )
        write_manifest(manifest, path.with_suffix(".manifest.json"))
        return path

    return write


@dataclass
class Stack:
    """Handles on the moto resources the deploy changes."""

    lam: Any
    ecs: Any
    s3: Any

    def alias(self) -> dict[str, Any]:
        return dict(self.lam.get_alias(FunctionName=FUNCTION, Name="live"))

    def versions(self) -> list[str]:
        answer = self.lam.list_versions_by_function(FunctionName=FUNCTION)
        return [v["Version"] for v in answer["Versions"] if v["Version"] != "$LATEST"]

    def service_task_definition(self) -> str:
        return str(self.ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]["taskDefinition"])

    def task_definition(self, name: str) -> dict[str, Any]:
        return dict(self.ecs.describe_task_definition(taskDefinition=name)["taskDefinition"])

    def revisions(self) -> list[str]:
        return list(self.ecs.list_task_definitions(familyPrefix=CLUSTER)["taskDefinitionArns"])

    def ledger(self) -> list[dict[str, Any]]:
        body = self.s3.get_object(Bucket=LEDGER_BUCKET, Key="ledger.json")["Body"].read()
        return list(json.loads(body)["entries"])

    def ledger_exists(self) -> bool:
        return bool(self.s3.list_objects_v2(Bucket=LEDGER_BUCKET).get("KeyCount"))


@pytest.fixture
def stack(aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Stack:
    """What Terraform would have made: function v1 + alias live, an ECS service on revision 1."""
    iam = boto3.client("iam", region_name=REGION)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="shopbot-lambda", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    lam = boto3.client("lambda", region_name=REGION)
    lam.create_function(
        FunctionName=FUNCTION, Runtime="python3.12", Role=role["Arn"], Handler="handler.handler",
        Code={"ZipFile": make_zip("terraform")}, Publish=True,
    )
    lam.create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion="1")

    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName=CLUSTER)
    ecs.register_task_definition(
        family=CLUSTER, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="512", memory="1024",
        executionRoleArn="arn:aws:iam::123456789012:role/shopbot-ecs-execution",
        containerDefinitions=[{
            "name": "shopbot", "image": f"{REPOSITORY}:v1", "essential": True,
            "portMappings": [{"containerPort": 8000, "protocol": "tcp"}],
            "environment": [{"name": "APP_ENV", "value": "ecs"}],
            "secrets": [{"name": "ANTHROPIC_API_KEY", "valueFrom": f"{SECRET_ARN}:ANTHROPIC_API_KEY::"}],
        }],
        tags=[{"key": "team", "value": "flean"}],
    )
    ecs.create_service(cluster=CLUSTER, serviceName=SERVICE, taskDefinition=f"{CLUSTER}:1", desiredCount=2,
                       launchType="FARGATE")

    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=LEDGER_BUCKET)
    s3.create_bucket(Bucket=ARTIFACTS)

    settings = tmp_path / "shopbot.toml"
    settings.write_text(f"""
[environments.local]
region = "{REGION}"
lambda_function = "{FUNCTION}"
artifact_bucket = "{ARTIFACTS}"
ecs_cluster = "{CLUSTER}"
ecs_service = "{SERVICE}"
ecr_repository = "shopbot"
ledger = "s3://{LEDGER_BUCKET}/ledger.json"
deploy_timeout_seconds = 2
""")
    monkeypatch.setenv("SHOPBOT_CONFIG", str(settings))
    monkeypatch.chdir(tmp_path)
    return Stack(lam, ecs, s3)
