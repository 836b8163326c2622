"""`shopbot deploy --target lambda` waits for the alias' provisioned concurrency (moto lacks the API:
GetProvisionedConcurrencyConfig is answered through a before-call hook, as botocore's Stubber does,
with responses checked against the real service model; every other call goes to moto)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.validate import validate_parameters
from shopbot_cli.aws import AwsClients
from shopbot_cli.deploy import provisioned
from shopbot_cli.deploy.lambda_ import LambdaRequest, load_package, run_lambda_deploy
from shopbot_cli.errors import CliError, ConfigError
from shopbot_cli.settings.environments import load_settings
from shopbot_cli.ui import UI

from .conftest import FUNCTION, Stack


def _config(status: str, allocated: int, reason: str | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"RequestedProvisionedConcurrentExecutions": 2,
                              "AvailableProvisionedConcurrentExecutions": allocated,
                              "AllocatedProvisionedConcurrentExecutions": allocated, "Status": status,
                              "LastModified": "2026-12-01T08:00:00.000+0000"}
    if reason:
        answer["StatusReason"] = reason
    return answer


def _answering(clients: AwsClients, answers: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """Answer GetProvisionedConcurrencyConfig from `answers` in order (None: not found); returns the calls."""
    calls: list[dict[str, Any]] = []
    lam = clients.client("lambda")
    operation = lam.meta.service_model.operation_model("GetProvisionedConcurrencyConfig")

    def record(params: dict[str, Any], **_: Any) -> None:
        validate_parameters(params, operation.input_shape)
        calls.append(dict(params))

    def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        body = answers.pop(0) if len(answers) > 1 else answers[0]
        meta = {"HTTPStatusCode": 200 if body else 404, "HTTPHeaders": {}, "RequestId": "stub"}
        if body is None:
            parsed = {"Error": {"Code": "ProvisionedConcurrencyConfigNotFoundException", "Message": "No config"},
                      "ResponseMetadata": meta}
            return AWSResponse("https://lambda", 404, HTTPHeaders(), None), parsed
        validate_parameters(body, operation.output_shape)  # the real service model's output shape
        return AWSResponse("https://lambda", 200, HTTPHeaders(), None), {**body, "ResponseMetadata": meta}

    lam.meta.events.register("before-parameter-build.lambda.GetProvisionedConcurrencyConfig", record)
    lam.meta.events.register("before-call.lambda.GetProvisionedConcurrencyConfig", answer)
    return calls


@pytest.fixture
def with_provisioned(stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = tmp_path / "shopbot.toml"
    settings.write_text(settings.read_text() + "lambda_provisioned_concurrency = 2\n")
    monkeypatch.setattr(provisioned, "POLL_SECONDS", 0.01)


def test_deploy_waits_until_the_new_version_is_ready(with_provisioned: None, stack: Stack,
                                                     build: Callable[..., Path]) -> None:
    clients = AwsClients(load_settings())
    calls = _answering(clients, [_config("READY", 2), _config("IN_PROGRESS", 0), _config("IN_PROGRESS", 1),
                                 _config("READY", 2)])
    result = run_lambda_deploy(clients, load_settings(), UI(assume_yes=True),
                               LambdaRequest(package=load_package(build("release-2"))))
    assert stack.alias()["FunctionVersion"] == "2"
    assert result["provisioned_concurrency"] == "2/2 provisioned environments allocated (READY)"
    assert len(calls) == 4 and calls[0] == {"FunctionName": FUNCTION, "Qualifier": "live"}
    assert any("provisioned environments are READY" in s["summary"] for s in result["plan"]["steps"])


def test_a_failed_allocation_is_exit_1_with_the_reason(with_provisioned: None, stack: Stack,
                                                       build: Callable[..., Path]) -> None:
    clients = AwsClients(load_settings())
    _answering(clients, [_config("READY", 2), _config("FAILED", 0, "Insufficient concurrency")])
    with pytest.raises(CliError) as raised:
        run_lambda_deploy(clients, load_settings(), UI(assume_yes=True),
                          LambdaRequest(package=load_package(build("release-2"))))
    assert raised.value.status == 1
    assert "provisioned concurrency FAILED: Insufficient concurrency" in str(raised.value)
    assert stack.alias()["FunctionVersion"] == "2"  # the alias moved; the message says what it means


def test_a_setting_without_a_config_stops_before_any_change(with_provisioned: None, stack: Stack,
                                                            build: Callable[..., Path]) -> None:
    clients = AwsClients(load_settings())
    _answering(clients, [None])
    with pytest.raises(ConfigError, match="has no provisioned concurrency"):
        run_lambda_deploy(clients, load_settings(), UI(assume_yes=True),
                          LambdaRequest(package=load_package(build("release-2"))))
    assert stack.versions() == ["1"] and stack.alias()["FunctionVersion"] == "1"


def test_readiness_needs_every_environment() -> None:
    assert provisioned.readiness(_config("READY", 2)).done
    assert not provisioned.readiness(_config("READY", 1)).done
    assert not provisioned.readiness({}).done and not provisioned.readiness({}).failed
