"""Readers for exports no one here wrote: HAR 1.2 files, ALB access logs, API Gateway HTTP API events.

Each yields `CorpusRequest`s, or `Skipped` for an entry that must not be replayed (a WebSocket
upgrade, a line the ALB answered itself), so the report can count and name what was left out.
Anything malformed stops the load with one line naming the file, the entry and what is wrong.
Imports the corpus model from corpus.py; used only by `corpus.read_entries`.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, quote

from .corpus import (
    HOP_BY_HOP,
    METHODS,
    CorpusError,
    CorpusRequest,
    Skipped,
    checked,
    session_of,
    short_repr,
    split_url,
)

ALB_TYPES = frozenset({"http", "https", "h2", "grpcs", "ws", "wss"})
_ALB_FIELD = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')
# ALB log fields (0-based) of the documented format
_ALB_TARGET, _ALB_TARGET_STATUS, _ALB_REQUEST, _ALB_AGENT, _ALB_ACTIONS = 4, 9, 12, 13, 22
# Headers an edge adds on the way in: a replay must not forge them.
EDGE_HEADERS = frozenset({"x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id",
                          "forwarded"})
_FORM_SAFE = "%/:@!$'()*+,;-._~[]"


def _absolute(url: str, where: str) -> SplitResult:
    parts = split_url(url, where)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise CorpusError(f"{where}: URL {url[:80]!r} is not an absolute http(s) URL")
    return parts


# --------------------------------------------------------------------------- HAR


def is_har(data: Any) -> bool:
    return isinstance(data, dict) and "log" in data


def read_har(path: Path, data: Any) -> Iterator[CorpusRequest | Skipped]:
    """HAR 1.2: bodies from postData.text or postData.params, cookies from request.cookies too."""
    if isinstance(data, dict) and "request" in data and "log" not in data:
        raise CorpusError(f"{path}:1: not a HAR file: it holds a single HAR entry (request/response at the top); "
                          'wrap it as {"log": {"entries": [ ... ]}}')
    log = data.get("log") if isinstance(data, dict) else None
    if not isinstance(log, dict):
        raise CorpusError(f"{path}:1: not a HAR file (`log` must be an object with an `entries` list)")
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise CorpusError(f"{path}:1: not a HAR file (no log.entries list)")
    for index, entry in enumerate(entries):
        yield _har_entry(entry, f"{path}: entry {index}")


def _har_entry(entry: Any, where: str) -> CorpusRequest | Skipped:
    request = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(request, dict) or not isinstance(request.get("url"), str):
        raise CorpusError(f"{where}: entry has no request.url")
    method = str(request.get("method", "GET")).upper()
    headers = _har_pairs(request.get("headers", []), where, "headers")
    if _is_websocket(entry, headers):
        return Skipped(where, "WebSocket upgrade (not replayable as a request)")
    if method not in METHODS:
        raise CorpusError(f"{where}: unknown method {method[:20]!r} (use one of {', '.join(sorted(METHODS))})")
    parts = _absolute(request["url"], where)
    kept = tuple((name, value) for name, value in headers
                 if not name.startswith(":") and name.lower() not in HOP_BY_HOP)
    cookies = _har_pairs(request.get("cookies", []), where, "cookies")
    if cookies and not any(name.lower() == "cookie" for name, _ in kept):
        kept = (*kept, ("Cookie", "; ".join(f"{name}={value}" for name, value in cookies)))
    body, kept = _har_body(request.get("postData"), kept, where)
    if not body and method in ("GET", "HEAD", "OPTIONS"):
        body = None  # an empty postData on a GET (Insomnia) is no body at all
    path = parts.path or "/"
    return checked(CorpusRequest(method, path, parts.query, kept, body, False, where,
                                 session_id=session_of(path, body)))


def _har_pairs(raw: Any, where: str, what: str) -> list[tuple[str, str]]:
    if not isinstance(raw, list):
        raise CorpusError(f"{where}: request.{what} must be a list of {{name, value}} objects "
                          f"(got {type(raw).__name__})")
    pairs = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or "value" not in item:
            raise CorpusError(f"{where}: request.{what}[{index}] must have a `name` and a `value` "
                              f"(got {short_repr(item)})")
        value = item["value"]
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise CorpusError(f"{where}: request.{what}[{index}].value must be a string (got {short_repr(value)})")
        pairs.append((item["name"], str(value)))
    return pairs


def _is_websocket(entry: dict[str, Any], headers: list[tuple[str, str]]) -> bool:
    if entry.get("_resourceType") == "websocket" or "_webSocketMessages" in entry:
        return True
    return any(name.lower() == "upgrade" and value.lower() == "websocket" for name, value in headers)


def _har_body(post: Any, headers: tuple[tuple[str, str], ...],
              where: str) -> tuple[bytes | None, tuple[tuple[str, str], ...]]:
    """postData.text wins; else postData.params as a form (urlencoded) or multipart body."""
    if post is None:
        return None, headers
    if not isinstance(post, dict):
        raise CorpusError(f"{where}: request.postData must be an object with `text` or `params` "
                          f"(got {type(post).__name__})")
    mime = post.get("mimeType") or ""
    if not isinstance(mime, str):
        raise CorpusError(f"{where}: request.postData.mimeType must be a string")
    text = post.get("text")
    if text is not None and not isinstance(text, str):
        raise CorpusError(f"{where}: request.postData.text must be a string (got {type(text).__name__})")
    params = post.get("params")
    if text or not params:
        return (text or "").encode(), headers
    if not isinstance(params, list) or not all(isinstance(p, dict) and isinstance(p.get("name"), str)
                                               for p in params):
        raise CorpusError(f"{where}: request.postData.params must be a list of {{name, value}} objects")
    if mime.lower().startswith("multipart/form-data"):
        return _multipart(params, mime, headers, where)
    form = "&".join(f"{quote(p['name'], safe=_FORM_SAFE)}={quote(str(p.get('value', '')), safe=_FORM_SAFE)}"
                    for p in params)
    return form.encode(), _with_type(headers, mime or "application/x-www-form-urlencoded")


def _multipart(params: list[dict[str, Any]], mime: str, headers: tuple[tuple[str, str], ...],
               where: str) -> tuple[bytes, tuple[tuple[str, str], ...]]:
    match = re.search(r'boundary="?([^";]+)"?', mime)
    boundary = match.group(1) if match else f"shopbot-{uuid.uuid4().hex}"
    parts = []
    for index, param in enumerate(params):
        name = param["name"].replace('"', "%22")
        value = param.get("value", "")
        if not isinstance(value, str):
            raise CorpusError(f"{where}: request.postData.params[{index}].value must be a string")
        disposition = f'form-data; name="{name}"'
        head = ""
        content = value.encode()
        if param.get("fileName") is not None:
            disposition += f'; filename="{str(param["fileName"]).replace(chr(34), "%22")}"'
            head = f"Content-Type: {param.get('contentType') or 'application/octet-stream'}\r\n"
            content = _data_uri(value, f"{where}: request.postData.params[{index}]")
        parts.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n{head}\r\n".encode() + content + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, _with_type(headers, f"multipart/form-data; boundary={boundary}")


def _data_uri(value: str, where: str) -> bytes:
    """A file given as `data:<type>;base64,<data>` (as har-to-k6 writes them), else the text itself."""
    if not value.startswith("data:"):
        return value.encode()
    meta, sep, payload = value.partition(",")
    if not sep:
        raise CorpusError(f"{where}: data: URI without a comma")
    if meta.endswith(";base64"):
        try:
            return base64.b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError) as error:
            raise CorpusError(f"{where}: data: URI is not valid base64 ({error})") from error
    return payload.encode()


def _with_type(headers: tuple[tuple[str, str], ...], content_type: str) -> tuple[tuple[str, str], ...]:
    if any(name.lower() == "content-type" for name, _ in headers):
        return headers
    return (*headers, ("Content-Type", content_type))


# --------------------------------------------------------------------------- ALB access logs


def read_alb(path: Path, lines: Iterable[str]) -> Iterator[CorpusRequest | Skipped]:
    """AWS ALB access log lines (documented space-separated format, quoted fields).

    Skipped and counted: lines with no request ("- - -", a failed TLS handshake), WebSocket
    connections, and lines the ALB answered itself (redirect, fixed-response, or no target at
    all). Bodies are not logged: a mutation is marked `body_unknown` (see iter_corpora).
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        fields = _ALB_FIELD.findall(line)
        if len(fields) < 14 or fields[0] not in ALB_TYPES:
            raise CorpusError(f"{where}: not an ALB access log line (expected 'type time elb client ... "
                              f"\"request\" \"user_agent\" ...', got {len(fields)} fields)")
        entry = _alb_line(fields, where)
        if entry is not None:
            yield entry


def _alb_line(fields: list[str], where: str) -> CorpusRequest | Skipped | None:
    request_line = fields[_ALB_REQUEST].strip('"').split(" ")
    if request_line[0] == "-":
        return Skipped(where, "no request: the client never sent one (e.g. a failed TLS handshake)")
    if fields[0] in ("ws", "wss"):
        return Skipped(where, "WebSocket connection (not replayable as a request)")
    answered = _answered_by_alb(fields)
    if answered:
        return Skipped(where, f"answered by the ALB itself ({answered})")
    if len(request_line) != 3:
        raise CorpusError(f"{where}: request field is not 'METHOD URL PROTOCOL' ({fields[_ALB_REQUEST][:80]})")
    method, url = request_line[0].upper(), request_line[1]
    if method not in METHODS:
        raise CorpusError(f"{where}: unknown method {method[:20]!r}")
    parts = _absolute(url, where)
    agent = fields[_ALB_AGENT].strip('"')
    headers = (("User-Agent", agent),) if agent and agent != "-" else ()
    path = parts.path or "/"
    return checked(CorpusRequest(method, path, parts.query, headers, None, False, where,
                                 session_id=session_of(path, None), body_unknown=method in ("POST", "PUT", "PATCH")))


def _answered_by_alb(fields: list[str]) -> str:
    """Why the ALB answered this line itself ('' when a target did): actions without forward, or no target."""
    actions = fields[_ALB_ACTIONS].strip('"') if len(fields) > _ALB_ACTIONS else ""
    if actions and actions != "-" and "forward" not in actions.split(","):
        return actions
    no_target = fields[_ALB_TARGET] == "-" and fields[_ALB_TARGET_STATUS] == "-"
    if no_target and "forward" not in actions.split(","):
        return f"{fields[8]}, no target"
    return ""


# --------------------------------------------------------------------------- API Gateway events


def is_apigw_event(data: Any) -> bool:
    return isinstance(data, dict) and data.get("version") == "2.0" and isinstance(data.get("requestContext"), dict)


def read_apigw_event(path: Path, event: dict[str, Any]) -> Iterator[CorpusRequest]:
    """One API Gateway HTTP API (payload 2.0) event, as logged from a Lambda: the request it carried.

    API Gateway has already decoded the path's percent-encoding (a space arrives as a space);
    it is encoded again for the wire. Cookies come back as one Cookie header.
    """
    where = f"{path}: event"
    http = event["requestContext"].get("http")
    if not isinstance(http, dict) or not isinstance(http.get("method"), str):
        raise CorpusError(f"{where}: requestContext.http.method is missing")
    method = http["method"].upper()
    if method not in METHODS:
        raise CorpusError(f"{where}: unknown method {method[:20]!r}")
    raw_path, query = event.get("rawPath"), event.get("rawQueryString") or ""
    if not isinstance(raw_path, str) or not raw_path.startswith("/") or not isinstance(query, str):
        raise CorpusError(f"{where}: rawPath must be a string starting with '/' and rawQueryString a string")
    raw_headers = event.get("headers") or {}
    cookies = event.get("cookies") or []
    if not isinstance(raw_headers, dict) or not isinstance(cookies, list):
        raise CorpusError(f"{where}: headers must be an object and cookies a list")
    headers = tuple((str(k), str(v)) for k, v in raw_headers.items()
                    if str(k).lower() not in HOP_BY_HOP | EDGE_HEADERS)
    if cookies:
        headers = (*headers, ("Cookie", "; ".join(str(c) for c in cookies)))
    body_text = event.get("body")
    body: bytes | None = None
    if body_text is not None:
        if not isinstance(body_text, str):
            raise CorpusError(f"{where}: body must be a string")
        try:
            body = base64.b64decode(body_text, validate=True) if event.get("isBase64Encoded") else body_text.encode()
        except (binascii.Error, ValueError) as error:
            raise CorpusError(f"{where}: body is marked isBase64Encoded but is not base64 ({error})") from error
    target = quote(raw_path, safe="/%:@!$&'()*+,;=-._~")
    yield checked(CorpusRequest(method, target, query, headers, body, False, where,
                                session_id=session_of(target, body)))
