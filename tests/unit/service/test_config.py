"""Config classes chosen from APP_ENV/FLASK_ENV; invalid values name the variable."""

from __future__ import annotations

import tempfile

import pytest

from shopbot import config as configs
from shopbot.config import ConfigError, DevelopmentConfig, LambdaConfig, ProductionConfig, get_config


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, DevelopmentConfig),
        ({"APP_ENV": "testing"}, configs.TestingConfig),
        ({"APP_ENV": "production"}, ProductionConfig),
        ({"FLASK_ENV": "lambda"}, LambdaConfig),
        ({"APP_ENV": "production", "FLASK_ENV": "lambda"}, ProductionConfig),
    ],
)
def test_config_class_follows_app_env_then_flask_env(env: dict[str, str], expected: type) -> None:
    assert type(get_config(env=env)) is expected


def test_lambda_inherits_production_and_is_lazy_with_temp_instance_path() -> None:
    config = get_config("lambda", env={})
    assert isinstance(config, ProductionConfig)
    assert config.lazy_init and config.target == "lambda"
    assert config.instance_path == tempfile.gettempdir()
    assert get_config("production", env={}).target == "ecs"


def test_settings_come_from_the_environment() -> None:
    config = get_config("production", env={
        "REDIS_HOST": "cache.internal", "REDIS_PORT": "6380", "CONTEXT_TTL_SECONDS": "60",
        "ANTHROPIC_MODEL": "claude-x", "ES_API_KEY": "k", "MAX_MESSAGE_CHARS": "10",
    })
    assert config.redis_url == "redis://cache.internal:6380/0"
    assert config.context_ttl_seconds == 60
    assert config.anthropic_model == "claude-x"
    assert config.elasticsearch_api_key == "k"
    assert config.max_message_chars == 10


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"REDIS_PORT": "six", "REDIS_HOST": "h"}, "REDIS_PORT"),
        ({"CONTEXT_TTL_SECONDS": "0"}, "CONTEXT_TTL_SECONDS"),
        ({"LLM_TIMEOUT_SECONDS": "soon"}, "LLM_TIMEOUT_SECONDS"),
        ({"EAGER_INIT": "maybe"}, "EAGER_INIT"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"APP_ENV": "staging"}, "APP_ENV"),
    ],
)
def test_invalid_value_stops_start_up_naming_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        get_config(env=env)


def test_secret_values_stay_out_of_the_config_repr() -> None:
    config = get_config("production", env={"ANTHROPIC_API_KEY": "sk-ant-canary-123", "REDIS_PASSWORD": "pw-canary",
                                            "ES_API_KEY": "es-canary"})
    assert config.anthropic_api_key == "sk-ant-canary-123"
    shown = repr(config) + str(config)
    assert "canary" not in shown and "anthropic_model" in shown
