"""API Gateway HTTP API (payload 2.0) to WSGI and back, without serverless-wsgi's v2 faults.

serverless-wsgi 3.1.0's v2 path has six faults (FACTS.md): case-permuted Set-Cookie names,
an invented `text/plain` Content-Type, the stage leaking into SCRIPT_NAME, crashes on null
fields, a UnicodeDecodeError on a text answer that is not UTF-8, and a second percent-decoding
of the path API Gateway has already decoded (`/a%2541` reached Flask as `/aA`; ECS: `/a%41`).
It also built a werkzeug Response only to read it back, about a sixth of a warm request.
So the v2 path is done here: the request half keeps serverless-wsgi's own helpers (body
decoding, the latin-1 environ), and the answer is read straight from `start_response`.
Other payloads (1.0, REST, ALB) stay with serverless-wsgi (`lambda_handler`).
"""

from __future__ import annotations

import base64
import io
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from serverless_wsgi import TEXT_MIME_TYPES, get_body_bytes, setup_environ_items
from werkzeug.datastructures import Headers

Event = dict[str, Any]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
TEXT_TYPES = frozenset(TEXT_MIME_TYPES)


class MalformedEvent(ValueError):
    """An HTTP-shaped event API Gateway would never send: a field of the wrong type."""


def environ_for(event: Event, context: Any) -> dict[str, Any]:
    """The WSGI environ for one v2 event; null fields read as empty, wrong types raise MalformedEvent."""
    request_context = _object(event.get("requestContext"), "requestContext")
    http = _object(request_context.get("http"), "requestContext.http")
    authorizer = _object(request_context.get("authorizer"), "requestContext.authorizer")
    raw_headers = _object(event.get("headers"), "headers")
    cookies = event.get("cookies") or []
    path = event.get("rawPath")
    if not isinstance(path, str):
        raise MalformedEvent("rawPath")
    if not (isinstance(cookies, list) and all(isinstance(cookie, str) for cookie in cookies)):
        raise MalformedEvent("cookies")
    if not all(isinstance(name, str) and isinstance(value, str) for name, value in raw_headers.items()):
        raise MalformedEvent("headers")
    headers = Headers(raw_headers)
    headers["Cookie"] = "; ".join(cookies)
    try:
        body = get_body_bytes(event, _text(event.get("body"), "body"))
    except ValueError as error:  # not base64 (binascii.Error), or not ASCII
        raise MalformedEvent("body") from error
    script_name, path_info = _script_name(request_context, path.split("?")[0])
    environ = {
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": headers.get("Content-Type", ""),
        "PATH_INFO": path_info,  # API Gateway decoded it already: a second unquote made `%2541` reach Flask as `A`
        "QUERY_STRING": _text(event.get("rawQueryString"), "rawQueryString"),
        "REMOTE_ADDR": _text(http.get("sourceIp"), "requestContext.http.sourceIp"),
        "REMOTE_USER": _text(authorizer.get("principalId"), "requestContext.authorizer.principalId"),
        "REQUEST_METHOD": _text(http.get("method"), "requestContext.http.method"),
        "SCRIPT_NAME": script_name,
        "SERVER_NAME": headers.get("Host", "lambda"),
        "SERVER_PORT": headers.get("X-Forwarded-Port", "443"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.errors": sys.stderr,
        "wsgi.input": io.BytesIO(body),
        "wsgi.multiprocess": False,
        "wsgi.multithread": False,
        "wsgi.run_once": False,
        "wsgi.url_scheme": headers.get("X-Forwarded-Proto", "https"),
        "wsgi.version": (1, 0),
        "serverless.authorizer": request_context.get("authorizer"),
        "serverless.event": event,
        "serverless.context": context,
    }
    result: dict[str, Any] = setup_environ_items(environ, headers)
    return result


def _object(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedEvent(name)
    return value


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedEvent(name)
    return value


def _script_name(request_context: Event, path: str) -> tuple[str, str]:
    """(SCRIPT_NAME, PATH_INFO) from the request's own facts.

    The stage is in the path only on the API's default endpoint (`<apiId>.execute-api....`)
    with a named stage; on a custom domain the API mapping decides the path, and its base path
    is API_GATEWAY_BASE_PATH (serverless-wsgi's setting, kept).
    """
    if on_default_endpoint(request_context):
        stage = str(request_context.get("stage") or "$default")
        prefix = f"/{stage}"
        if stage != "$default" and (path == prefix or path.startswith(prefix + "/")):
            return prefix, path[len(prefix):] or "/"
        return "", path
    base_path = os.environ.get("API_GATEWAY_BASE_PATH")
    if not base_path:
        return "", path
    script_name = "/" + base_path
    return script_name, path[len(script_name):] if path.startswith(script_name) else path


def on_default_endpoint(request_context: Event) -> bool:
    """Whether the request came to `<apiId>.execute-api....` (not a custom domain)."""
    api_id = request_context.get("apiId")
    return bool(api_id) and str(request_context.get("domainName") or "").startswith(f"{api_id}.execute-api.")


def respond(app: WsgiApp, environ: dict[str, Any]) -> Event:
    """Run the app and give its answer as a v2 response: `cookies` for Set-Cookie, repeated
    headers comma-joined, no Content-Type the app did not set, text bodies as text when UTF-8."""
    started: list[Any] = []
    chunks: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        if exc_info and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, app_headers = started
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in app_headers:
        key = name.lower()
        if key == "set-cookie":
            cookies.append(value)
        elif key in headers:
            headers[key] = f"{headers[key]}, {value}"
        else:
            headers[key] = value
    response: Event = {"statusCode": int(status[:3]), "headers": headers}
    if cookies:
        response["cookies"] = cookies
    body = b"".join(chunks)
    if body:
        response["body"], response["isBase64Encoded"] = _body(body, headers)
    return response


def _body(body: bytes, headers: dict[str, str]) -> tuple[str, bool]:
    """Text as text (serverless-wsgi's rule: text/*, JSON, XML... not content-encoded), else base64."""
    mimetype = headers.get("content-type", "").split(";")[0].strip().lower() or "text/plain"
    if (mimetype.startswith("text/") or mimetype in TEXT_TYPES) and not headers.get("content-encoding"):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass  # not UTF-8 after all: base64 keeps every byte
    return base64.b64encode(body).decode("ascii"), True
