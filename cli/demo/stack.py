"""What `shopbot demo` stands up on one machine: a local AWS (moto), Redis if it can,
and the demo's AWS resources: a ledger bucket, the Lambda function and ECS service
(as records; moto runs neither), and a CloudFront distribution with both origins.
Everything binds to loopback and is stopped by `Stack.close()`.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import socket
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..aws import AwsClients

DEMO_BUCKET = "shopbot-demo-ledger"
SECRET_NAME = "flean-services/shopbot"
FUNCTION = "shopbot-service"
CLUSTER, SERVICE = "shopbot", "shopbot-service"
ALB_ORIGIN, API_ORIGIN = "alb", "apigw"
# AWS-managed policies: CachingDisabled, AllViewerExceptHostHeader (API Gateway rejects a foreign Host).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


@dataclass
class Stack:
    """Things started, each with how to stop it; closed in reverse order."""

    stops: list[Callable[[], object]] = field(default_factory=list)

    def on_close(self, stop: Callable[[], object]) -> None:
        self.stops.append(stop)

    def close(self) -> None:
        while self.stops:
            stop = self.stops.pop()
            try:
                stop()
            except Exception:  # keep stopping the rest
                continue


def start_local_aws(stack: Stack, port: int) -> str:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log lines in the story
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    stack.on_close(server.stop)
    return f"http://127.0.0.1:{port}"


def start_redis(stack: Stack, port: int, workdir: Path) -> str | None:
    """A redis-server of the demo's own, or None when none is installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )

    def stop() -> None:
        process.terminate()
        process.wait(10)

    stack.on_close(stop)
    return f"redis://127.0.0.1:{port}/0"


def origin(origin_id: str, port: int) -> dict[str, Any]:
    return {
        "Id": origin_id, "DomainName": "127.0.0.1", "OriginPath": "",
        "CustomOriginConfig": {"HTTPPort": port, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"},
    }


def distribution_config(alb_port: int, api_port: int) -> dict[str, Any]:
    methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    return {
        "CallerReference": "shopbot-demo",
        "Comment": "shopbot demo: ALB (ECS) and API Gateway (Lambda) behind one edge",
        "Enabled": True,
        "Origins": {"Quantity": 2, "Items": [origin(ALB_ORIGIN, alb_port), origin(API_ORIGIN, api_port)]},
        "DefaultCacheBehavior": {
            "TargetOriginId": ALB_ORIGIN,
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": CACHING_DISABLED,
            "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
            "AllowedMethods": {"Quantity": 7, "Items": methods,
                               "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}},
        },
    }


def create_edge(clients: AwsClients, alb_port: int, api_port: int) -> str:
    """The demo distribution; returns its id."""
    created = clients.client("cloudfront").create_distribution(
        DistributionConfig=distribution_config(alb_port, api_port))
    return str(created["Distribution"]["Id"])


def create_ledger_bucket(clients: AwsClients) -> str:
    clients.client("s3").create_bucket(Bucket=DEMO_BUCKET)
    return f"s3://{DEMO_BUCKET}/ledger.json"


def create_targets(clients: AwsClients, secret_arn: str, secret_keys: list[str]) -> None:
    """The Lambda function and ECS service as AWS records, wired to the secret as in production."""
    lambda_role = role_reading_secret(clients, "shopbot-lambda", "lambda.amazonaws.com", secret_arn)
    execution_role = role_reading_secret(clients, "shopbot-ecs-execution", "ecs-tasks.amazonaws.com", secret_arn)
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("shopbot/lambda_handler.py", "def handler(event, context):\n    return {}\n")
    clients.client("lambda").create_function(
        FunctionName=FUNCTION, Runtime="python3.12", Role=lambda_role, Handler="shopbot.lambda_handler.handler",
        Code={"ZipFile": code.getvalue()}, Timeout=30, MemorySize=512,
        Environment={"Variables": {"APP_ENV": "lambda", "FLASK_ENV": "lambda", "SECRETS_MANAGER_SECRET": SECRET_NAME}},
    )
    ecs = clients.client("ecs")
    ecs.create_cluster(clusterName=CLUSTER)
    task = ecs.register_task_definition(
        family="shopbot", executionRoleArn=execution_role, requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc", cpu="512", memory="1024",
        containerDefinitions=[{
            "name": "shopbot", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/shopbot:demo", "essential": True,
            "portMappings": [{"containerPort": 8000}],
            "environment": [{"name": "APP_ENV", "value": "production"}],
            "secrets": [{"name": key, "valueFrom": f"{secret_arn}:{key}::"} for key in secret_keys],
        }],
    )
    ecs.create_service(cluster=CLUSTER, serviceName=SERVICE, desiredCount=1, launchType="FARGATE",
                       taskDefinition=task["taskDefinition"]["taskDefinitionArn"])


def role_reading_secret(clients: AwsClients, name: str, service: str, secret_arn: str) -> str:
    """An IAM role `service` can assume, allowed to read this one secret; returns its ARN."""
    iam = clients.client("iam")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}}]}))
    iam.put_role_policy(RoleName=name, PolicyName="read-shopbot-secret", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret_arn}]}))
    return str(role["Role"]["Arn"])


def write_settings(path: Path, values: dict[str, Any]) -> None:
    """A shopbot.toml with one `demo` environment (flat strings, numbers and lists only)."""
    lines = ['default_env = "demo"', "", "[environments.demo]"]
    for key, value in values.items():
        lines.append(f"{key} = {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
