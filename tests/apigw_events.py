"""API Gateway HTTP API payload-2.0 events, built as AWS documents them.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl


def http_api_event(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    cookies: list[str] | None = None,
    body: bytes | str | None = None,
    binary: bool = False,
    stage: str = "$default",
    authorizer: Any = "absent",
) -> dict[str, Any]:
    raw_path = path if stage == "$default" else f"/{stage}{path}"
    lower = {name.lower(): value for name, value in (headers or {}).items()}
    lower.setdefault("host", "abc123.execute-api.us-east-1.amazonaws.com")
    lower.setdefault("user-agent", "test-agent/1.0")
    lower.setdefault("x-forwarded-proto", "https")
    lower.setdefault("x-forwarded-port", "443")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": lower,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": lower["host"],
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": lower["user-agent"],
            },
            "requestId": uuid.uuid4().hex[:16] + "=",
            "routeKey": "$default",
            "stage": stage,
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        params: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            params[key] = f"{params[key]},{value}" if key in params else value
        event["queryStringParameters"] = params
    if authorizer != "absent":
        event["requestContext"]["authorizer"] = authorizer
    if body is not None:
        if binary:
            raw = body.encode() if isinstance(body, str) else body
            event["body"] = base64.b64encode(raw).decode()
            event["isBase64Encoded"] = True
        else:
            event["body"] = body if isinstance(body, str) else body.decode()
    return event


@dataclass
class FakeLambdaContext:
    """The attributes Lambda's context object has (Powertools reads them)."""

    function_name: str = "shopbot-service"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:shopbot-service"
    memory_limit_in_mb: int = 512
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name: str = "/aws/lambda/shopbot-service"
    log_stream_name: str = "2026/11/25/[$LATEST]abc"
    remaining_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms
