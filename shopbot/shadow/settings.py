"""Shadow settings, read from the environment (the ECS task definition sets them).

| variable | meaning (default) |
| --- | --- |
| `SHADOW_TARGET_URL` | the candidate's base URL; shadowing is off when unset |
| `SHADOW_PRIMARY_URL` | this service as the worker reaches it for the second primary answer (http://127.0.0.1:$PORT) |
| `SHADOW_SAMPLE_RATE` | share of eligible requests shadowed, 0-1 (0.01) |
| `SHADOW_ROUTES` | comma-separated path prefixes eligible (/api/) |
| `SHADOW_METHODS` | comma-separated methods eligible (GET,POST) |
| `SHADOW_MAX_PER_MINUTE` | budget: at most this many shadowed requests a minute per process (60) |
| `SHADOW_QUEUE_SIZE` | requests waiting for the worker before new ones are dropped (200) |
| `SHADOW_TIMEOUT_SECONDS` | per shadow request (10) |
| `SHADOW_SINK` | `file:///folder` or `s3://bucket/prefix` (file:///tmp/shopbot-shadow) |
| `SHADOW_MAX_OBJECT_BYTES` | a batch object is closed early past this size (5 MB) |
| `SHADOW_BATCH_SECONDS` | one batch object per process per this many seconds (60) |
| `SHADOW_SIGNING_KEY` | the HMAC key (from Secrets Manager on both targets) |
| `SHADOW_MAX_AGE_SECONDS` | a signed header older than this is refused (60) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


class ShadowConfigError(ValueError):
    """A SHADOW_* variable does not parse (names the variable)."""


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ShadowConfigError(f"{name}={raw!r} is not a number") from None
    if not low <= value <= high:
        raise ShadowConfigError(f"{name}={raw} must be between {low:g} and {high:g}")
    return value


def _list(env: Mapping[str, str], name: str, default: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in (env.get(name) or default).split(",") if item.strip())


@dataclass(frozen=True)
class ShadowSettings:
    target_url: str
    primary_url: str
    sample_rate: float
    routes: tuple[str, ...]
    methods: tuple[str, ...]
    max_per_minute: int
    queue_size: int
    timeout_seconds: float
    sink: str
    max_object_bytes: int
    batch_seconds: float
    signing_key: bytes

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ShadowSettings | None:
        """None when shadowing is not configured (no SHADOW_TARGET_URL)."""
        env = os.environ if env is None else env
        target = (env.get("SHADOW_TARGET_URL") or "").strip().rstrip("/")
        if not target:
            return None
        if not target.startswith(("http://", "https://")):
            raise ShadowConfigError(f"SHADOW_TARGET_URL={target!r} must start with http:// or https://")
        key = env.get("SHADOW_SIGNING_KEY") or ""
        if len(key) < 16:
            raise ShadowConfigError("SHADOW_SIGNING_KEY must be set (16+ characters) when SHADOW_TARGET_URL is set")
        sink = env.get("SHADOW_SINK") or "file:///tmp/shopbot-shadow"
        if not sink.startswith(("file://", "s3://")):
            raise ShadowConfigError(f"SHADOW_SINK={sink!r} must be file:///folder or s3://bucket/prefix")
        port = env.get("PORT", "8000")
        return cls(
            target_url=target,
            primary_url=(env.get("SHADOW_PRIMARY_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
            sample_rate=_number(env, "SHADOW_SAMPLE_RATE", 0.01, 0.0, 1.0),
            routes=_list(env, "SHADOW_ROUTES", "/api/"),
            methods=tuple(m.upper() for m in _list(env, "SHADOW_METHODS", "GET,POST")),
            max_per_minute=int(_number(env, "SHADOW_MAX_PER_MINUTE", 60, 0, 1_000_000)),
            queue_size=int(_number(env, "SHADOW_QUEUE_SIZE", 200, 1, 100_000)),
            timeout_seconds=_number(env, "SHADOW_TIMEOUT_SECONDS", 10.0, 0.1, 30.0),
            sink=sink,
            max_object_bytes=int(_number(env, "SHADOW_MAX_OBJECT_BYTES", 5_000_000, 1_000, 100_000_000)),
            batch_seconds=_number(env, "SHADOW_BATCH_SECONDS", 60.0, 1.0, 3600.0),
            signing_key=key.encode(),
        )


def max_age_seconds(env: Mapping[str, str] | None = None) -> float:
    env = os.environ if env is None else env
    return _number(env, "SHADOW_MAX_AGE_SECONDS", 60.0, 1.0, 3600.0)
