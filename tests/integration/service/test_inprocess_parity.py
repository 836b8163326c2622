"""The same requests through the WSGI app (as gunicorn calls it) and through the Lambda
handler give the same status, headers and body, for every route."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from shopbot.lambda_handler import make_handler
from tests.apigw_events import FakeLambdaContext, http_api_event
from tests.integration.service.conftest import AppFactory

JSON = {"content-type": "application/json"}
REQUESTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/health", None),
    ("GET", "/health/ready", None),
    ("POST", "/api/chat", {"message": "running shoes under $150", "session_id": "parity-session-1"}),
    ("POST", "/api/chat", {"message": "anything cheaper?", "session_id": "parity-session-1"}),
    ("GET", "/api/chat/parity-session-1", None),
    ("GET", "/api/products/search?q=wireless+headphones&limit=4", None),
    ("GET", "/api/products/search?q=tent&q=stove&limit=2", None),
    ("DELETE", "/api/chat/parity-session-1", None),
    ("GET", "/api/chat/parity-session-1", None),
    ("POST", "/api/chat", {"message": ""}),
    ("POST", "/api/chat", None),
    ("GET", "/api/products/search?q=", None),
    ("PATCH", "/api/chat", None),
    ("GET", "/does/not/exist", None),
]
PLATFORM_HEADERS = {"x-shopbot-target"}


def without_noise(value: Any) -> Any:
    """Turn timestamps differ by the clock, not by the platform."""
    if isinstance(value, dict):
        return {k: ("<time>" if k == "at" else without_noise(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [without_noise(v) for v in value]
    return value


@pytest.mark.parametrize("redis_backed", [False, True], ids=["memory", "redis"])
def test_every_route_answers_alike_on_both_targets(
    make_app: AppFactory, redis_backed: bool, request: pytest.FixtureRequest
) -> None:
    # Each side its own Redis database, as parity-check keeps each side's sessions apart.
    url = request.getfixturevalue("redis_url") if redis_backed else ""
    wsgi = make_app("production", **({"REDIS_URL": url} if url else {})).test_client()
    handler = make_handler(make_app("lambda", **({"REDIS_URL": url[:-1] + "1"} if url else {})))
    for method, url, payload in REQUESTS:
        _, _, query = url.partition("?")
        data = json.dumps(payload) if payload is not None else None
        direct = wsgi.open(url, method=method, data=data, headers=JSON if data else {})
        event = http_api_event(method, urlsplit(url).path, query=query, headers=JSON if data else {}, body=data)
        lambda_answer = handler(event, FakeLambdaContext())

        where = f"{method} {url}"
        assert lambda_answer["statusCode"] == direct.status_code, where
        direct_headers = {k.lower(): v for k, v in direct.headers.items()}
        lambda_headers = dict(lambda_answer["headers"])
        assert direct_headers["x-shopbot-target"] == "ecs" and lambda_headers["x-shopbot-target"] == "lambda"
        for name in PLATFORM_HEADERS:
            direct_headers.pop(name), lambda_headers.pop(name)
        raw = lambda_answer.get("body", "")
        if lambda_answer.get("isBase64Encoded"):
            raw = base64.b64decode(raw).decode()
        # Lengths follow the bodies, whose turn timestamps differ by the clock.
        assert int(lambda_headers.pop("content-length")) == len(raw.encode()), where
        assert int(direct_headers.pop("content-length")) == len(direct.data), where
        assert lambda_headers == direct_headers, where
        assert without_noise(json.loads(raw)) == without_noise(direct.json), where
