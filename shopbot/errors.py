"""The service's error tree and the one JSON shape every error answers with.

`{"error": {"code": "...", "message": "...", "status": 400}}` for 400, 404, 405, 413,
429, 500 and 503 alike: no HTML pages, no tracebacks.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger("shopbot")


class ShopbotError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class BadRequest(ShopbotError):
    status = 400
    code = "bad_request"


class Forbidden(ShopbotError):
    status = 403
    code = "forbidden"


class NotFound(ShopbotError):
    status = 404
    code = "not_found"


class TooManyRequests(ShopbotError):
    status = 429
    code = "rate_limited"


class DependencyUnavailable(ShopbotError):
    """Redis, search or the LLM cannot be reached in time."""

    status = 503
    code = "dependency_unavailable"


class UpstreamError(ShopbotError):
    """The LLM answered, but not usefully (after retries)."""

    status = 502
    code = "upstream_error"


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify(error={"status": status, "code": code, "message": message}), status


_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "rate_limited",
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ShopbotError)
    def _domain(error: ShopbotError) -> tuple[Response, int]:
        if error.status >= 500:
            log.warning("request failed: %s (%s)", error.code, error.message)
        return error_response(error.status, error.code, error.message)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[Response, int]:
        status = error.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"request body is larger than the {limit} byte limit"
        else:
            message = error.description or error.name
        response, _ = error_response(status, code, message)
        if status == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "internal error")
