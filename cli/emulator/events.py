"""HTTP request <-> API Gateway HTTP API payload format 2.0, as pure functions.

The rules follow the documented 2.0 format (FACTS.md): header names lower-case, repeated
headers and query keys joined with commas, each Cookie header split on ';' into
`cookies`, `rawQueryString` untouched, `rawPath` percent-decoded once (as a real capture
shows: `/capture/space value`), text bodies as text and anything else base64. The event
says it came through the API's default endpoint (`<apiId>.execute-api.<region>...`), the
one the emulator stands for. The answer side applies API Gateway's inference: a JSON
answer without `statusCode` is a 200 whose body is that JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, unquote_to_bytes

ACCOUNT_ID = "123456789012"
API_ID = "local"
DEFAULT_STAGE = "$default"
ROUTE_KEY = "$default"

# Content types API Gateway hands to the function as text; everything else is base64.
_TEXT_TYPES = {
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-javascript",
    "application/ecmascript",
    "application/graphql",
}


# Hop-by-hop headers end at API Gateway's edge; the function never sees them.
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "upgrade", "transfer-encoding", "expect"}


class MalformedAnswer(ValueError):
    """The function's answer is not something API Gateway can turn into HTTP."""


@dataclass(frozen=True)
class HttpAnswer:
    """What goes back to the client: status, header lines (repeats allowed), body."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def is_text(content_type: str | None) -> bool:
    """Whether API Gateway passes a body of this type as text (not base64)."""
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime.startswith("text/") or mime in _TEXT_TYPES or mime.endswith(("+json", "+xml"))


def join_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-case names; a repeated header becomes one comma-joined value, in order."""
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def query_parameters(raw_query: str) -> dict[str, str] | None:
    """Decoded query parameters; repeated keys comma-joined; None when there are none."""
    if not raw_query:
        return None
    params: dict[str, str] = {}
    for part in raw_query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        key, decoded = unquote_plus(name), unquote_plus(value)
        params[key] = f"{params[key]},{decoded}" if key in params else decoded
    return params or None


def split_cookies(*cookie_headers: str) -> list[str]:
    """The pairs of each Cookie header line, one entry each, as API Gateway lists them.

    Each line is split on its own: joining two lines with ',' first would make `a=1` and
    `b=2` one cookie `a` with the value `1,b=2`.
    """
    return [part.strip() for header in cookie_headers for part in header.split(";") if part.strip()]


def decode_path(raw_path: str) -> str:
    """The path as API Gateway hands it over: percent-decoded once (`/caf%C3%A9` -> `/café`,
    `/a%2541` -> `/a%41`). Bytes that are not UTF-8 stay encoded (AWS's answer unconfirmed)."""
    if "%" not in raw_path:
        return raw_path
    try:
        return unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        return raw_path


def default_domain(region: str) -> str:
    """The API's default endpoint, which is what the emulator stands for."""
    return f"{API_ID}.execute-api.{region}.amazonaws.com"


def request_time(epoch_ms: int) -> str:
    """`requestContext.time` in API Gateway's CLF style: 25/Nov/2026:10:46:10 +0000."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_ms / 1000))


def build_event(
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    request_id: str,
    source_ip: str,
    stage: str = DEFAULT_STAGE,
    epoch_ms: int | None = None,
    protocol: str = "HTTP/1.1",
    server_port: int | None = None,
    trace_id: str | None = None,
    region: str = "us-east-1",
) -> dict[str, Any]:
    """The payload-2.0 event API Gateway would send for this request.

    `target` is the request target as received (path and query, still encoded); with a
    named stage it starts with `/<stage>` and stays that way in `rawPath`, as on AWS.
    With `server_port`, the `x-forwarded-*` headers API Gateway adds are added too, and
    `x-amzn-trace-id` with `trace_id`.
    """
    encoded_path, _, raw_query = target.partition("?")
    raw_path = decode_path(encoded_path)
    headers = list(headers)
    cookie_lines = [value for name, value in headers if name.lower() == "cookie"]
    joined = join_headers(
        (name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP and name.lower() != "cookie"
    )
    if body or "content-length" in joined:
        joined["content-length"] = str(len(body))
    if server_port is not None:
        forwarded_for = joined.get("x-forwarded-for")
        joined["x-forwarded-for"] = f"{forwarded_for}, {source_ip}" if forwarded_for else source_ip
        joined["x-forwarded-port"] = str(server_port)
        joined["x-forwarded-proto"] = "http"
    if trace_id is not None:
        joined.setdefault("x-amzn-trace-id", trace_id)
    epoch_ms = int(time.time() * 1000) if epoch_ms is None else epoch_ms
    domain_name = default_domain(region)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": ROUTE_KEY,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    cookies = split_cookies(*cookie_lines)
    if cookies:
        event["cookies"] = cookies
    event["headers"] = joined
    params = query_parameters(raw_query)
    if params is not None:
        event["queryStringParameters"] = params
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": domain_name,
        "domainPrefix": API_ID,
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": joined.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": ROUTE_KEY,
        "stage": stage,
        "time": request_time(epoch_ms),
        "timeEpoch": epoch_ms,
    }
    if body:
        if is_text(joined.get("content-type")):
            try:
                event["body"] = body.decode("utf-8")
                event["isBase64Encoded"] = False
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(body).decode("ascii")
                event["isBase64Encoded"] = True
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event



def parse_answer(payload: bytes) -> HttpAnswer:
    """Turn the function's answer into HTTP the way HTTP API (format 2.0) does.

    Raises `MalformedAnswer` for an answer API Gateway would reject.
    """
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedAnswer(f"answer is not JSON: {error}") from error
    if not isinstance(document, dict) or "statusCode" not in document:
        # API Gateway's inference: 200, application/json, the answer itself as the body.
        return HttpAnswer(200, [("content-type", "application/json")], payload)
    return _structured_answer(document)


def _structured_answer(document: dict[str, Any]) -> HttpAnswer:
    status = document["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise MalformedAnswer(f"statusCode must be an integer HTTP status, got {status!r}")
    headers: list[tuple[str, str]] = []
    raw_headers = document.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise MalformedAnswer("headers must be an object")
    for name, value in raw_headers.items():
        if isinstance(value, dict | list):
            raise MalformedAnswer(f"header {name!r} must be a single value")
        headers.append((str(name), _header_text(value)))
    cookies = document.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(cookie, str) for cookie in cookies):
        raise MalformedAnswer("cookies must be an array of strings")
    headers.extend(("set-cookie", cookie) for cookie in cookies)
    return HttpAnswer(status, headers, _body_bytes(document))


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _body_bytes(document: dict[str, Any]) -> bytes:
    body = document.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedAnswer("body must be a string")
    if document.get("isBase64Encoded") is True:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise MalformedAnswer(f"isBase64Encoded body is not base64: {error}") from error
    return body.encode("utf-8")
