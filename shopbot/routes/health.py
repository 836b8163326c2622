"""Liveness (no I/O) and readiness (Redis and search, with short timeouts)."""

from __future__ import annotations

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
    checks: dict[str, str] = {}
    parts = components()
    for name in ("context", "search"):
        try:
            parts.context.ping() if name == "context" else parts.search.ping()
            checks[name] = "ok"
        except ShopbotError as error:
            checks[name] = error.message
    failed = [name for name, result in checks.items() if result != "ok"]
    if failed:
        body: dict[str, Any] = {
            "error": {"status": 503, "code": "not_ready", "message": f"unavailable: {', '.join(failed)}"},
            "checks": checks,
        }
        return jsonify(body), 503
    return jsonify(status="ready", checks=checks), 200
