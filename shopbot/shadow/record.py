"""One shadow record: a request and its four answers, masked before it leaves the process.

Sensitive request headers are never stored; Set-Cookie keeps its name and attributes but
not its value; sensitive query parameters and JSON body fields are masked. Bodies over
`MAX_BODY` are cut (their size and sha256 still cover all of it).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

MAX_BODY = 256 * 1024
MASK = "••••"
DROP_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key", "x-amz-security-token"})
SENSITIVE = re.compile(r"token|secret|password|passwd|api[-_]?key|signature|session[-_]?key|credential", re.I)


def stored_headers(headers: list[tuple[str, str]]) -> list[list[str]]:
    kept: list[list[str]] = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in DROP_HEADERS or (lowered != "x-shopbot-shadow" and SENSITIVE.search(lowered)):
            continue
        if lowered == "set-cookie":
            cookie, _, attributes = value.partition(";")
            value = f"{cookie.partition('=')[0]}={MASK}" + (f";{attributes}" if attributes else "")
        kept.append([name, value])
    return kept


def masked_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(SENSITIVE.search(key) for key, _ in pairs):
        return query
    return urlencode([(key, MASK if SENSITIVE.search(key) else value) for key, value in pairs])


def _mask_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (MASK if isinstance(k, str) and SENSITIVE.search(k) else _mask_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_json(item) for item in value]
    return value


def stored_body(body: bytes, content_type: str) -> dict[str, Any]:
    """The body as text (JSON masked) or base64, capped, with the full size and hash."""
    out: dict[str, Any] = {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    if "json" in content_type.lower():
        with contextlib.suppress(ValueError, RecursionError):  # not JSON after all: stored as sent
            body = json.dumps(_mask_json(json.loads(body)), separators=(",", ":")).encode()
    cut = body[:MAX_BODY]
    out["truncated"] = len(body) > MAX_BODY
    try:
        out["text"] = cut.decode("utf-8")
    except UnicodeDecodeError:
        out["b64"] = base64.b64encode(cut).decode("ascii")
    return out


def content_type_of(headers: list[tuple[str, str]]) -> str:
    return next((value for name, value in headers if name.lower() == "content-type"), "")


def answer(status: int | None, headers: list[tuple[str, str]], body: bytes, ms: float,
           error: str | None = None) -> dict[str, Any]:
    return {
        "status": status,
        "headers": stored_headers(headers),
        "body": stored_body(body, content_type_of(headers)),
        "ms": round(ms, 2),
        "error": error,
    }
