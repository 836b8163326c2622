"""Per-environment configuration, every setting read from the environment.

`get_config()` picks the class from APP_ENV (or FLASK_ENV, as the seed's Lambda sets
both): development, testing, production, lambda. A value that does not parse stops
start-up with a message naming the variable.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar


class ConfigError(ValueError):
    """A setting from the environment is missing or invalid (names the variable)."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true or false)")


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name}={value!r} must be one of: {', '.join(choices)}")
    return value


@dataclass
class Config:
    """Settings shared by every environment; subclasses change defaults only."""

    name: ClassVar[str] = "base"
    default_target: ClassVar[str] = "ecs"
    default_log_level: ClassVar[str] = "INFO"
    lazy_init: ClassVar[bool] = False

    target: str = "ecs"                    # which deployment target serves (response header)
    log_level: str = "INFO"
    log_json: bool = True
    # HTTP
    max_content_length: int = 1_048_576    # bytes; larger bodies answer 413
    max_message_chars: int = 4_000
    request_deadline_seconds: float = 25.0  # under API Gateway's hard 30 s
    rate_limit_per_minute: int = 0          # chat requests per viewer address; 0 = off
    rate_limit_max_clients: int = 10_000    # per-process limiter: clients remembered per window
    client_address_header: str | None = None  # a header only the trusted edge sets (CloudFront-Viewer-Address)
    trusted_proxy_count: int = 0            # proxies that append to X-Forwarded-For in front of us
    # Conversation context
    redis_url: str | None = None
    redis_password: str | None = field(default=None, repr=False)  # secrets stay out of repr/logs
    redis_timeout_seconds: float = 0.5
    context_ttl_seconds: int = 86_400
    context_max_turns: int = 40
    context_max_sessions: int = 10_000     # in-memory store only: oldest sessions forgotten beyond it
    # Product search
    elasticsearch_url: str | None = None
    elasticsearch_api_key: str | None = field(default=None, repr=False)
    elasticsearch_index: str = "products"
    search_timeout_seconds: float = 2.0
    # The bot
    anthropic_api_key: str | None = field(default=None, repr=False)
    anthropic_base_url: str | None = None
    anthropic_model: str = "claude-sonnet-5-5"
    anthropic_max_tokens: int = 1024
    llm_timeout_seconds: float = 20.0
    llm_max_retries: int = 4
    # AWS
    secrets_manager_secret: str | None = None
    secrets_ttl_seconds: float = 300.0  # issue 17: re-read the secret this often (0 = once per cold start)
    eager_init: bool = False
    instance_path: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        redis_url = env.get("REDIS_URL") or None
        if not redis_url and env.get("REDIS_HOST"):
            port = _int(env, "REDIS_PORT", 6379, minimum=1)
            scheme = "rediss" if _bool(env, "REDIS_TLS", False) else "redis"
            redis_url = f"{scheme}://{env['REDIS_HOST']}:{port}/{_int(env, 'REDIS_DB', 0)}"
        return cls(
            target=_choice(env, "SHOPBOT_TARGET", cls.default_target, ("ecs", "lambda")),
            log_level=_choice(env, "LOG_LEVEL", cls.default_log_level,
                              ("debug", "info", "warning", "error")).upper(),
            log_json=_bool(env, "LOG_JSON", cls.name != "development"),
            max_content_length=_int(env, "MAX_CONTENT_LENGTH", 1_048_576, minimum=1024),
            max_message_chars=_int(env, "MAX_MESSAGE_CHARS", 4_000, minimum=1),
            request_deadline_seconds=_float(env, "REQUEST_DEADLINE_SECONDS", 25.0, minimum=1.0),
            rate_limit_per_minute=_int(env, "RATE_LIMIT_PER_MINUTE", 0),
            rate_limit_max_clients=_int(env, "RATE_LIMIT_MAX_CLIENTS", 10_000, minimum=1),
            client_address_header=(env.get("CLIENT_ADDRESS_HEADER") or "").strip() or None,
            trusted_proxy_count=_int(env, "TRUSTED_PROXY_COUNT", 0),
            redis_url=redis_url,
            redis_password=env.get("REDIS_PASSWORD") or None,
            redis_timeout_seconds=_float(env, "REDIS_TIMEOUT_SECONDS", 0.5, minimum=0.01),
            context_ttl_seconds=_int(env, "CONTEXT_TTL_SECONDS", 86_400, minimum=1),
            context_max_turns=_int(env, "CONTEXT_MAX_TURNS", 40, minimum=2),
            context_max_sessions=_int(env, "CONTEXT_MAX_SESSIONS", 10_000, minimum=1),
            elasticsearch_url=env.get("ELASTICSEARCH_URL") or env.get("ES_URL") or None,
            elasticsearch_api_key=env.get("ES_API_KEY") or env.get("ELASTIC_API_KEY") or None,
            elasticsearch_index=env.get("ES_INDEX") or "products",
            search_timeout_seconds=_float(env, "SEARCH_TIMEOUT_SECONDS", 2.0, minimum=0.01),
            anthropic_api_key=env.get("ANTHROPIC_API_KEY") or None,
            anthropic_base_url=env.get("ANTHROPIC_BASE_URL") or None,
            anthropic_model=env.get("ANTHROPIC_MODEL") or "claude-sonnet-5-5",
            anthropic_max_tokens=_int(env, "ANTHROPIC_MAX_TOKENS", 1024, minimum=1),
            llm_timeout_seconds=_float(env, "LLM_TIMEOUT_SECONDS", 20.0, minimum=0.1),
            llm_max_retries=_int(env, "LLM_MAX_RETRIES", 4),
            secrets_manager_secret=env.get("SECRETS_MANAGER_SECRET") or None,
            secrets_ttl_seconds=_float(env, "SECRETS_TTL_SECONDS", 300.0),
            eager_init=_bool(env, "EAGER_INIT", False),
            instance_path=tempfile.gettempdir() if cls.name == "lambda" else None,
        )


class DevelopmentConfig(Config):
    name: ClassVar[str] = "development"
    default_log_level: ClassVar[str] = "DEBUG"


class TestingConfig(Config):
    name: ClassVar[str] = "testing"


class ProductionConfig(Config):
    name: ClassVar[str] = "production"


class LambdaConfig(ProductionConfig):
    """Production settings; components built lazily on first use (cold starts)."""

    name: ClassVar[str] = "lambda"
    default_target: ClassVar[str] = "lambda"
    lazy_init: ClassVar[bool] = True


# The subclasses change class-level defaults only, so they inherit the generated __init__,
# __repr__ and __eq__: decorating each again would cost ~1.3 ms of cold start apiece.
CONFIGS: dict[str, type[Config]] = {
    cls.name: cls for cls in (DevelopmentConfig, TestingConfig, ProductionConfig, LambdaConfig)
}


def per_process_store_problem(env: Mapping[str, str], workers: int) -> str | None:
    """Why `workers` gunicorn processes cannot serve these settings, or None if they can.

    Without Redis each worker keeps its own conversations: a history written through one
    worker answers 404 through the other (measured: 38 of 60 reads with 2 workers).
    """
    if workers <= 1 or env.get("REDIS_URL") or env.get("REDIS_HOST"):
        return None
    return (f"{workers} gunicorn workers with the in-memory conversation store: each worker would "
            "keep its own conversations (history 404s across workers); set REDIS_URL (or REDIS_HOST) "
            "for a shared store, or run 1 worker")


def get_config(name: str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Build the config named by `name`, APP_ENV or FLASK_ENV (default: development)."""
    env = os.environ if env is None else env
    chosen = (name or env.get("APP_ENV") or env.get("FLASK_ENV") or "development").strip().lower()
    if chosen not in CONFIGS:
        raise ConfigError(f"APP_ENV={chosen!r} must be one of: {', '.join(CONFIGS)}")
    return CONFIGS[chosen].from_env(env)
