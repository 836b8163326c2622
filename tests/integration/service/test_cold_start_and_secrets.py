"""Cold-start discipline (nothing heavy at import), secrets from Secrets Manager, SnapStart."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import boto3
import pytest
import redis

from tests.apigw_events import FakeLambdaContext, http_api_event
from tests.conftest import RedisServer
from tests.integration.service.conftest import AppFactory
from tests.support import clean_env

# Powertools imports the top of `botocore` (0.4 ms) for its user agent; clients are what cost.
HEAVY = ("anthropic", "elasticsearch", "boto3", "botocore.client", "redis", "sqlite3")


def test_importing_the_lambda_handler_imports_no_heavy_client() -> None:
    code = (
        "import sys, shopbot.lambda_handler; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env=clean_env(ANTHROPIC_API_KEY="sk-ant-test", REDIS_URL="redis://127.0.0.1:1/0",
                                          ELASTICSEARCH_URL="http://127.0.0.1:1"))
    assert result.stdout.strip() == "[]"


CANARY = "sk-ant-canary-5b1e0d9c"


def test_secret_is_loaded_lazily_once_and_environment_wins(
    aws: str, make_app: AppFactory, redis_url: str, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name="flean-services/shopbot", SecretString=json.dumps(
        {"REDIS_URL": redis_url, "ANTHROPIC_MODEL": "from-secret", "CONTEXT_MAX_TURNS": "6",
         "SOME_TOKEN": CANARY}))
    monkeypatch.setenv("CONTEXT_MAX_TURNS", "8")  # already set: wins over the secret
    for key in ("REDIS_URL", "ANTHROPIC_MODEL", "SOME_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    import os

    app = make_app("lambda", SECRETS_MANAGER_SECRET="flean-services/shopbot", CONTEXT_MAX_TURNS="8")
    parts = app.extensions["shopbot"]
    assert parts._context is None  # nothing built at start-up on Lambda
    service_log = logging.getLogger("shopbot")  # it does not propagate: listen on it directly
    service_log.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.DEBUG, logger="shopbot"):
            answer = app.test_client().post("/api/chat", json={"message": "socks", "session_id": "secret-session"})
    finally:
        service_log.removeHandler(caplog.handler)
    assert answer.status_code == 200 and answer.json["context_available"] is True
    assert parts.config.redis_url == redis_url  # the store was built from the secret's value
    assert parts.config.context_max_turns == 8
    assert os.environ["SOME_TOKEN"] == CANARY
    assert redis.Redis.from_url(redis_url).exists("shopbot:ctx:secret-session")
    assert CANARY not in caplog.text and "SOME_TOKEN" in caplog.text


def test_unreachable_secrets_manager_is_a_503_not_a_crash(make_app: AppFactory,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    app = make_app("lambda", SECRETS_MANAGER_SECRET="flean-services/shopbot")
    response = app.test_client().post("/api/chat", json={"message": "socks"})
    assert response.status_code == 503
    assert response.json["error"]["message"] == "configuration secrets could not be loaded"
    assert app.test_client().get("/health").status_code == 200


def test_snapstart_eager_mode_builds_at_init_and_reconnects_after_restore(disposable_redis: RedisServer) -> None:
    redis_url = disposable_redis.url  # its own server: the test counts client connections
    code = f"""
import json, redis, snapshot_restore_py as hooks
import shopbot.lambda_handler as lh
from tests.conftest import RedisServer
from tests.apigw_events import FakeLambdaContext, http_api_event
parts = lh.app.extensions["shopbot"]
built = parts._context is not None and parts._bot is not None
ask = lambda: lh.handler(http_api_event("GET", "/health/ready"), FakeLambdaContext())["statusCode"]
observer = redis.Redis.from_url({redis_url!r})
others = lambda: len(observer.client_list()) - 1
before = ask()
open_before = others()
for hook, args, kwargs in hooks.get_after_restore():
    hook(*args, **kwargs)
open_after = others()
print(json.dumps([built, before, open_before, open_after, ask()]))
"""
    env = clean_env(EAGER_INIT="true", REDIS_URL=redis_url, PYTHONPATH=".")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, 200, 1, 0, 200]


def test_lambda_answers_use_the_remaining_time_as_deadline(make_app: AppFactory) -> None:
    from shopbot.lambda_handler import make_handler

    handler = make_handler(make_app("lambda"))
    context = FakeLambdaContext(remaining_ms=200)
    response = handler(http_api_event("POST", "/api/chat", headers={"content-type": "application/json"},
                                      body=json.dumps({"message": "socks"})), context)
    assert response["statusCode"] == 200  # the offline responder needs no time budget


@pytest.mark.parametrize("sdk_present", [True, False], ids=["xray-sdk", "no-xray-sdk"])
def test_opt_in_tracing(sdk_present: bool) -> None:
    block = "" if sdk_present else "import sys; sys.modules['aws_xray_sdk'] = None\n"
    code = (
        block + "import shopbot.lambda_handler as lh\n"
        "from tests.apigw_events import FakeLambdaContext, http_api_event\n"
        "print('traced', hasattr(lh.handler, '__wrapped__'))\n"
        "print(lh.handler(http_api_event('GET', '/health'), FakeLambdaContext())['statusCode'])\n"
    )
    env = clean_env(SHOPBOT_TRACING="true", AWS_LAMBDA_FUNCTION_NAME="shopbot-service", PYTHONPATH=".",
                    POWERTOOLS_TRACE_DISABLED="false")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "200"
    assert f"traced {sdk_present}" in lines  # traced only when the SDK is there
    said = "aws-xray-sdk is not in the package" in result.stdout + result.stderr
    assert said is not sdk_present
