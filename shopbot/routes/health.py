"""Liveness (no I/O) and readiness (Redis and search, with short timeouts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify

from ..errors import ShopbotError
from ..extensions import components

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@bp.get("/health/ready")
def ready() -> tuple[Response, int]:
    parts = components()
    checks = {"context": _check(lambda: parts.context.ping()), "search": _check(lambda: parts.search.ping())}
    failed = [name for name, result in checks.items() if result != "ok"]
    if failed:
        body: dict[str, Any] = {
            "error": {"status": 503, "code": "not_ready", "message": f"unavailable: {', '.join(failed)}"},
            "checks": checks,
        }
        return jsonify(body), 503
    return jsonify(status="ready", checks=checks), 200


def _check(ping: Callable[[], None]) -> str:
    """"ok", or what went wrong (building the component counts: it may load a secret)."""
    try:
        ping()
    except ShopbotError as error:
        return error.message
    return "ok"
