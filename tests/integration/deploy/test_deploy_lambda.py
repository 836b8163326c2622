"""`shopbot deploy --target lambda` against the moto server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from shopbot_cli.aws import AwsClients
from shopbot_cli.deploy import lambda_ as deploy_lambda
from shopbot_cli.deploy.lambda_ import LambdaRequest, load_package, run_lambda_deploy
from shopbot_cli.settings.environments import load_settings
from shopbot_cli.ui import UI

from .conftest import ARTIFACTS, FUNCTION, Stack, run, run_json, sha256_b64


def test_deploy_publishes_a_version_and_moves_live(stack: Stack, build: Callable[..., Path]) -> None:
    package = build("release-2")

    result = run_json("deploy", "--target", "lambda", "--yes")

    assert result["from_version"] == "1" and result["to_version"] == "2"
    assert stack.alias()["FunctionVersion"] == "2"
    assert stack.versions() == ["1", "2"]
    published = stack.lam.get_function_configuration(FunctionName=FUNCTION, Qualifier="2")
    assert published["CodeSha256"] == sha256_b64(package.read_bytes())
    entry = stack.ledger()[-1]
    assert entry["kind"] == "deploy" and entry["target"] == "lambda"
    assert (entry["from_version"], entry["to_version"]) == ("1", "2")
    assert entry["code_sha256"] == published["CodeSha256"]


def test_to_version_moves_the_alias_back(stack: Stack, build: Callable[..., Path]) -> None:
    build("release-2")
    run_json("deploy", "--target", "lambda", "--yes")

    result = run_json("deploy", "--target", "lambda", "--to-version", "1", "--yes")

    assert (result["from_version"], result["to_version"]) == ("2", "1")
    assert stack.alias()["FunctionVersion"] == "1"
    assert stack.versions() == ["1", "2"]  # nothing new published
    assert [(e["from_version"], e["to_version"]) for e in stack.ledger()] == [("1", "2"), ("2", "1")]


def test_weighted_canary_keeps_live_on_the_current_version(stack: Stack, build: Callable[..., Path]) -> None:
    build("release-2")

    run_json("deploy", "--target", "lambda", "--weight", "0.1", "--yes")

    alias = stack.alias()
    assert alias["FunctionVersion"] == "1"
    assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.1}

    run_json("deploy", "--target", "lambda", "--to-version", "2", "--yes")  # promote
    alias = stack.alias()
    assert alias["FunctionVersion"] == "2"
    assert not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights")


def test_dry_run_changes_nothing(stack: Stack, build: Callable[..., Path]) -> None:
    build("release-2")
    before = stack.lam.get_function_configuration(FunctionName=FUNCTION)["CodeSha256"]

    result = run("deploy", "--target", "lambda", "--dry-run")

    assert result.exit_code == 0, result.stderr
    assert "Publish a new version" in result.stdout and "nothing was changed" in result.stdout
    assert stack.lam.get_function_configuration(FunctionName=FUNCTION)["CodeSha256"] == before
    assert stack.alias()["FunctionVersion"] == "1" and stack.versions() == ["1"]
    assert not stack.ledger_exists()


def test_declining_the_plan_changes_nothing(stack: Stack, build: Callable[..., Path]) -> None:
    build("release-2")

    result = run("deploy", "--target", "lambda")  # no --yes, no terminal: the answer is no

    assert result.exit_code == 6
    assert stack.versions() == ["1"] and stack.alias()["FunctionVersion"] == "1"


def test_large_package_goes_through_the_artifact_bucket(
    stack: Stack, build: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    package = build("release-2")
    monkeypatch.setattr(deploy_lambda, "DIRECT_UPLOAD_LIMIT", 100)  # the zip is a few hundred bytes

    run_json("deploy", "--target", "lambda", "--yes")

    keys = [o["Key"] for o in stack.s3.list_objects_v2(Bucket=ARTIFACTS)["Contents"]]
    assert len(keys) == 1 and keys[0].startswith(f"shopbot/{FUNCTION}/")
    assert stack.s3.get_object(Bucket=ARTIFACTS, Key=keys[0])["Body"].read() == package.read_bytes()
    assert stack.alias()["FunctionVersion"] == "2"


def test_code_sha_mismatch_is_refused_before_publishing(
    stack: Stack, build: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The artifact is replaced in S3 between upload and UpdateFunctionCode: Lambda's
    CodeSha256 no longer matches the manifest, so nothing is published and live stays."""
    package = load_package(build("release-2"))
    monkeypatch.setattr(deploy_lambda, "DIRECT_UPLOAD_LIMIT", 100)
    settings = load_settings()
    clients = AwsClients(settings)
    s3 = boto3.client("s3", region_name="us-east-1")

    def tamper(params: dict[str, Any], **_: Any) -> None:
        s3.put_object(Bucket=params["S3Bucket"], Key=params["S3Key"], Body=b"PK\x05\x06" + b"\0" * 18)

    clients.client("lambda").meta.events.register("before-parameter-build.lambda.UpdateFunctionCode", tamper)
    ui = UI(assume_yes=True)

    with pytest.raises(deploy_lambda.CliError) as caught:
        run_lambda_deploy(clients, settings, ui, LambdaRequest(package=package))

    assert "CodeSha256" in str(caught.value) and package.sha256 in str(caught.value)
    assert caught.value.status == 1
    assert stack.versions() == ["1"] and stack.alias()["FunctionVersion"] == "1"
    assert not stack.ledger_exists()


def test_programmatic_deploy_as_the_demo_calls_it(stack: Stack, build: Callable[..., Path]) -> None:
    settings = load_settings()
    ui = UI(assume_yes=True)

    result = run_lambda_deploy(AwsClients(settings), settings, ui, LambdaRequest(package=load_package(build("demo"))))

    assert result["changed"] and result["published_version"] == "2" and result["to_version"] == "2"
    assert stack.alias()["FunctionVersion"] == "2"
