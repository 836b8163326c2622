"""The runtime's environment and the ECS command line, as the platforms set them."""

from __future__ import annotations

from pathlib import Path

import pytest
from shopbot_cli.emulator.targets import gunicorn_command
from shopbot_cli.emulator.workers import FunctionConfig, lambda_environment


def config(**user_env: str) -> FunctionConfig:
    return FunctionConfig(
        handler="shopbot.lambda_handler.handler", code_dir=Path("/code"), tmp_dir=Path("/scratch/tmp"),
        function_name="shopbot-prod", memory_mb=1024, timeout_s=10, region="eu-west-1", user_env=user_env,
    )


def test_lambda_variables_are_set() -> None:
    env = lambda_environment(config(), "127.0.0.1:9001")
    assert env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "shopbot-prod"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "1024"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/shopbot-prod"
    assert "[$LATEST]" in env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert env["LAMBDA_TASK_ROOT"] == "/code"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["_HANDLER"] == "shopbot.lambda_handler.handler"
    assert env["APP_ENV"] == "lambda"
    assert env["TMPDIR"] == "/scratch/tmp"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"


def test_user_variables_pass_through_but_cannot_override_reserved_ones() -> None:
    env = lambda_environment(config(REDIS_URL="redis://r:6379/0", AWS_REGION="us-west-2", APP_ENV="dev",
                                    PYTHONPATH="/extra"), "127.0.0.1:1")
    assert env["REDIS_URL"] == "redis://r:6379/0"
    assert env["AWS_REGION"] == "eu-west-1"
    assert env["APP_ENV"] == "lambda"
    assert env["PYTHONPATH"].split(":") == ["/code", "/extra"]  # the task root comes first, as on Lambda


@pytest.mark.parametrize(("workers", "threads", "expected"), [
    (None, None, {"PORT": "8080", "GUNICORN_BIND": "127.0.0.1:8080"}),
    (3, 8, {"PORT": "8080", "GUNICORN_BIND": "127.0.0.1:8080", "WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "8"}),
])
def test_ecs_flags_reach_gunicorn_through_the_containers_variables(
    workers: int | None, threads: int | None, expected: dict[str, str]
) -> None:
    command, env = gunicorn_command("127.0.0.1", 8080, workers, threads)
    assert command[1:3] == ["-m", "gunicorn"]
    assert command[-1] == "shopbot.wsgi:app"
    assert command[command.index("-c") + 1].endswith("deploy/ecs/gunicorn.conf.py")
    assert env == expected
