"""The Lambda Invoke API on `serve --target lambda`, and `shopbot invoke` against it (real processes)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest
import requests
from shopbot_cli.main import app
from shopbot_cli.ui import UI, set_ui
from typer.testing import CliRunner

from tests.support import SHOPBOT, clean_env

from .conftest import Served, StartLambda, _starter

SHOPBOT_HANDLER = "shopbot.lambda_handler.handler"
SLOW = '''
import time

def handler(event, context):
    time.sleep(float(event.get("sleep", 5)) if "sleep" in event else 5)
    return {"slept": True}
'''


def _lambda(served: Served) -> Any:
    return boto3.client("lambda", endpoint_url=served.url, region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="x",
                        config=botocore.config.Config(retries={"max_attempts": 1}, read_timeout=30))


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def _shopbot(served: Served, tmp_path: Path, *args: str) -> Ran:
    """`shopbot invoke --endpoint-url <emulator> ...` in-process (a CLI process costs seconds here;
    test_unknown_function_from_shopbot_invoke_is_exit_3 runs the console script itself)."""
    settings = tmp_path / "shopbot.toml"
    settings.write_text('[environments.local]\nregion = "us-east-1"\nlambda_function = "shopbot"\n')
    set_ui(UI())
    result = CliRunner().invoke(app, ["invoke", "--endpoint-url", served.url, *args], env={
        "SHOPBOT_CONFIG": str(settings), "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": None, "AWS_PROFILE": None})
    return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def shopbot_lambda(handler_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One emulator running the real service handler for the module (a cold start costs seconds)."""
    started: list[Served] = []
    served = _starter(handler_dir, tmp_path_factory.mktemp("invoke"), started)("--timeout", "20",
                                                                                handler=SHOPBOT_HANDLER)
    yield served
    served.running.stop()
    served.log.close()


def test_boto3_invoke_runs_a_management_command_and_http_still_answers(shopbot_lambda: Served) -> None:
    response = _lambda(shopbot_lambda).invoke(
        FunctionName="shopbot", Qualifier="live",
        Payload=json.dumps({"shopbot_invoke": {"argv": ["flask", "routes"]}}))
    answer = json.loads(response["Payload"].read())
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert answer["exit_code"] == 0 and "/api/chat" in answer["output"]
    assert requests.get(f"{shopbot_lambda.url}/health", timeout=20).json() == {"status": "ok"}


def test_shopbot_invoke_returns_output_and_status(shopbot_lambda: Served, tmp_path: Path) -> None:
    ran = _shopbot(shopbot_lambda, tmp_path, "--", "flask", "routes")
    assert ran.returncode == 0, ran.stderr
    assert "/api/products/search" in ran.stdout

    as_json = _shopbot(shopbot_lambda, tmp_path, "--json", "--", "flask", "check-ready")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["output"] == "context: ok\nsearch: ok\n"

    failed = _shopbot(shopbot_lambda, tmp_path, "--", "flask", "load-catalog")     # no Elasticsearch configured
    assert failed.returncode == 1
    assert "ELASTICSEARCH_URL is not set" in failed.stdout
    assert failed.stderr.strip() == "error: `flask load-catalog` exited with status 2 in Lambda shopbot"


def test_unregistered_command_is_one_line_exit_2(shopbot_lambda: Served, tmp_path: Path) -> None:
    ran = _shopbot(shopbot_lambda, tmp_path, "--", "flask", "shell")
    assert ran.returncode == 2
    assert ran.stderr.strip().splitlines() == [
        "error: Lambda shopbot refused `flask shell`: command 'shell' is not registered as safe to invoke "
        "(registered: check-ready, load-catalog, routes)"]


def test_raw_event_and_its_faults(shopbot_lambda: Served, tmp_path: Path) -> None:
    event = tmp_path / "warm.json"
    event.write_text('{"warmup": true}')
    ran = _shopbot(shopbot_lambda, tmp_path, "--raw", str(event), "--json")
    assert ran.returncode == 0 and json.loads(ran.stdout)["payload"] == {"warmed": True}

    scheduled = tmp_path / "scheduled.json"
    scheduled.write_text('{"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}')
    loud = _shopbot(shopbot_lambda, tmp_path, "--raw", str(scheduled))
    assert loud.returncode == 1
    assert loud.stderr.startswith("error: Lambda shopbot raised UnhandledEvent: shopbot has no handler")

    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "warmup": tru\n}')
    bad = _shopbot(shopbot_lambda, tmp_path, "--raw", str(broken))
    assert bad.returncode == 2 and bad.stderr.startswith(f"error: {broken}:2: not JSON")


def test_a_function_without_the_hook_is_one_line_exit_2(start_lambda: StartLambda, tmp_path: Path) -> None:
    served = start_lambda()  # the test handler reads event["rawPath"]: no invoke hook
    ran = _shopbot(served, tmp_path, "--", "flask", "routes")
    assert ran.returncode == 2
    assert ran.stderr.startswith("error: Lambda shopbot failed before running `flask routes` (KeyError:")
    assert "without the invoke hook" in ran.stderr and len(ran.stderr.strip().splitlines()) == 1


def test_a_lambda_timeout_is_one_line_exit_2(start_lambda: StartLambda, handler_dir: Path, tmp_path: Path) -> None:
    (handler_dir / "slow_invoke.py").write_text(SLOW)
    served = start_lambda("--timeout", "1", handler="slow_invoke.handler")
    ran = _shopbot(served, tmp_path, "--", "flask", "check-ready")
    assert ran.returncode == 2
    assert ran.stderr.startswith("error: Lambda shopbot timed out running `flask check-ready`")


def test_invoke_api_errors_read_as_lambdas(shopbot_lambda: Served) -> None:
    client = _lambda(shopbot_lambda)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="someone-else", Payload=b"{}")
    with pytest.raises(client.exceptions.InvalidRequestContentException):
        client.invoke(FunctionName="shopbot", Payload=b"{not json")
    assert client.invoke(FunctionName="shopbot", InvocationType="DryRun")["StatusCode"] == 204
    arn = "arn:aws:lambda:us-east-1:123456789012:function:shopbot:live"
    answer = client.invoke(FunctionName=arn, Payload=b'{"warmup": true}')
    assert json.loads(answer["Payload"].read()) == {"warmed": True}


def test_unknown_function_from_shopbot_invoke_is_exit_3(shopbot_lambda: Served, tmp_path: Path) -> None:
    settings = tmp_path / "other.toml"
    settings.write_text('[environments.local]\nlambda_function = "not-here"\n')
    env = clean_env(SHOPBOT_CONFIG=str(settings), AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
                    AWS_DEFAULT_REGION="us-east-1")
    ran = subprocess.run([SHOPBOT, "invoke", "--endpoint-url", shopbot_lambda.url, "--", "flask", "routes"],
                         capture_output=True, text=True, env=env, timeout=60, check=False)
    assert ran.returncode == 3
    assert ran.stderr.strip() == ("error: Lambda function not-here:live not found: check "
                                  "`lambda_function`/`lambda_alias` (or --qualifier)")
