"""`shopbot status` shows both targets: the Lambda alias and its weights, provisioned
concurrency, the ECS deployments and the last deploys (moto; it lacks provisioned
concurrency, which status must then call unknown, not leave out)."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from dataclasses import replace

import boto3
from shopbot_cli.cutover.ledger import Ledger, LedgerLocation
from shopbot_cli.cutover.status import read_status
from shopbot_cli.cutover.targets_status import summarize_alias, summarize_deployments

from tests.integration.cutover.conftest import LEDGER, Stage


def _targets_in_moto() -> None:
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17",
                           "Statement": []}))["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("h.py", "def handler(e, c):\n    return {}\n")
    lam = boto3.client("lambda")
    lam.create_function(FunctionName="shop-fn", Runtime="python3.12", Role=role, Handler="h.handler",
                        Code={"ZipFile": package.getvalue()}, Publish=True)
    lam.update_function_code(FunctionName="shop-fn", ZipFile=package.getvalue(), Publish=True)
    lam.create_alias(FunctionName="shop-fn", Name="live", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="shop")
    ecs.register_task_definition(family="shopbot", containerDefinitions=[
        {"name": "web", "image": "shopbot:v1", "memory": 512}])
    ecs.create_service(cluster="shop", serviceName="web", taskDefinition="shopbot:1", desiredCount=2)
    ledger = Ledger(boto3.client("s3"), LedgerLocation.parse(LEDGER), "alice")
    ledger.append("deploy", target="lambda", from_version="1", to_version="2", weights={"2": 0.1})
    ledger.append("deploy", target="ecs", from_task_definition="shopbot:0", to_task_definition="shopbot:1")


def test_status_shows_alias_weights_provisioned_concurrency_and_ecs_deployments(stage: Stage) -> None:
    _targets_in_moto()
    settings = dataclasses.replace(stage.settings, lambda_function="shop-fn", ecs_cluster="shop", ecs_service="web")

    targets = read_status(settings, clients=stage.clients(), ui=stage.ui)["targets"]

    lam, ecs = targets["lambda"], targets["ecs"]
    assert (lam["alias"], lam["version"], lam["weights"]) == ("live", "1", {"1": 0.9, "2": 0.1})
    assert lam["provisioned_concurrency"].startswith("unknown: ")          # moto has no such API
    assert lam["last_deploy"]["who"] == "alice" and lam["last_deploy"]["to_version"] == "2"
    assert ecs["task_definition"] == "shopbot:1" and ecs["last_deploy"]["to_task_definition"] == "shopbot:1"
    assert [(d["status"], d["task_definition"], d["desired"]) for d in ecs["deployments"]] == [
        ("PRIMARY", "shopbot:1", 2)]
    shown = stage.output()
    assert "v1 90%, v2 10%" in shown and "Lambda shop-fn" in shown and "ECS web (runs shopbot:1)" in shown


def test_status_without_targets_configured_shows_only_the_edge(stage: Stage) -> None:
    bare = replace(stage.settings, lambda_function=None, ecs_cluster=None, ecs_service=None)
    assert read_status(bare, clients=stage.clients(), ui=stage.ui)["targets"] == {}


def test_summaries() -> None:
    assert summarize_alias({"Name": "live", "FunctionVersion": "7"})["weights"] == {"7": 1.0}
    rows = summarize_deployments({"deployments": [
        {"id": "ecs-svc/2", "status": "PRIMARY", "rolloutState": "IN_PROGRESS", "desiredCount": 2,
         "runningCount": 1, "pendingCount": 1, "taskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/s:9"},
        {"id": "ecs-svc/1", "status": "ACTIVE", "desiredCount": 0, "runningCount": 1,
         "taskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/s:8"}]})
    assert [(r["rollout"], r["task_definition"], r["running"], r["pending"]) for r in rows] == [
        ("IN_PROGRESS", "s:9", 1, 1), ("-", "s:8", 1, 0)]
