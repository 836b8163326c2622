"""Lambda entry point: API Gateway HTTP API (payload 2.0) -> serverless-wsgi -> Flask.

Kept lean at import (cold starts): Flask, serverless-wsgi and Powertools Logger/Metrics
only; components are built on first use. Wraps serverless-wsgi 3.1.0 to fix its known
faults with HTTP API 2.0 (FACTS.md):
- several Set-Cookie headers come back as case-permuted names: we return the v2
  `cookies` array instead, and join other repeated headers with commas;
- the `$default` stage leaked into SCRIPT_NAME (url_for, redirects): only a named stage
  on the API's default endpoint, really in the path, becomes SCRIPT_NAME;
- `requestContext.authorizer: null`, missing `headers`/`cookies`/`body` crashed it,
  `rawQueryString: null` became QUERY_STRING=None;
- an answer without Content-Type got `text/plain; charset=utf-8`; API Gateway sends none;
- on a custom domain the stage is not in the path: SCRIPT_NAME follows the domain.
Events that are not HTTP go to `answer_other_event`: an explicit warm-up payload answers
without work, a direct Invoke of a registered management command runs it (shopbot/manage.py),
and anything else (a scheduled job nobody wired, a stray S3 notification) fails loudly
instead of being swallowed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import serverless_wsgi
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from flask import Flask

from . import create_app
from .extensions import EXTENSION_KEY, Components

logger = Logger(service="shopbot")
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Shopbot"), service="shopbot")

NO_CONTENT_TYPE = "x-shopbot-no-content-type"  # internal: never leaves the handler
WARMUP_EVENT = {"warmup": True}  # what deploy/lambda's warm-up schedule sends as its input
HTTP_KEYS = ("requestContext", "httpMethod", "rawPath", "routeKey")
Event = dict[str, Any]
StartResponse = Callable[..., Any]


class StageAwareApp:
    """WSGI middleware: SCRIPT_NAME from the request's own facts, and no invented Content-Type.

    The stage is in the path only on the API's default endpoint
    (`<apiId>.execute-api.<region>.amazonaws.com`) with a named stage; on a custom domain
    the API mapping decides the path, so a route `/dev/reports` stays `/dev/reports`
    there (the mapping's base path is API_GATEWAY_BASE_PATH, which serverless-wsgi
    already takes off). An answer without Content-Type gets a marker header, because
    serverless-wsgi's werkzeug Response adds `text/plain; charset=utf-8` to it and API
    Gateway would pass none: `to_http_api_response` drops both.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        context = (environ.get("serverless.event") or {}).get("requestContext") or {}
        stage = context.get("stage") or "$default"
        if on_default_endpoint(context):
            path = environ.get("PATH_INFO", "")
            prefix = f"/{stage}"
            if stage != "$default" and (path == prefix or path.startswith(prefix + "/")):
                environ["SCRIPT_NAME"], environ["PATH_INFO"] = prefix, path[len(prefix):] or "/"
            else:
                environ["SCRIPT_NAME"] = ""
        elif not os.environ.get("API_GATEWAY_BASE_PATH"):
            environ["SCRIPT_NAME"] = ""  # serverless-wsgi guessed `/<stage>` from an amazonaws.com host

        def marking_start_response(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            if not any(name.lower() == "content-type" for name, _ in headers):
                headers = [*headers, (NO_CONTENT_TYPE, "1")]
            return start_response(status, headers, *exc_info)

        return self.app(environ, marking_start_response)


def on_default_endpoint(context: dict[str, Any]) -> bool:
    """Whether the request came to `<apiId>.execute-api....` (not a custom domain)."""
    api_id = context.get("apiId")
    domain = str(context.get("domainName") or "")
    return bool(api_id) and domain.startswith(f"{api_id}.execute-api.")


def sanitize_event(event: Event) -> Event:
    """Fill what serverless-wsgi assumes present; drop a null authorizer."""
    request_context = event.get("requestContext")
    if (
        event.get("headers") is not None and event.get("body", "") is not None
        and event.get("cookies", []) is not None and request_context
        and request_context.get("authorizer", {}) is not None and event.get("rawQueryString", "") is not None
    ):
        return event  # the common case: nothing to fix, nothing to copy
    context = dict(request_context or {})
    if context.get("authorizer") is None:
        context.pop("authorizer", None)
    return {
        **event,
        "requestContext": context,
        "headers": event.get("headers") or {},
        "cookies": event.get("cookies") or [],
        "body": event.get("body") or "",
        "rawQueryString": event.get("rawQueryString") or "",  # null would be QUERY_STRING=None
    }


def to_http_api_response(response: Event) -> Event:
    """Regroup serverless-wsgi's case-permuted headers: cookies array + comma-joined repeats."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in (response.get("headers") or {}).items():
        key = name.lower()
        if key == "set-cookie":
            cookies.append(value)
        elif key in joined:
            joined[key] = f"{joined[key]}, {value}"
        else:
            joined[key] = value
    if joined.pop(NO_CONTENT_TYPE, None) is not None:
        joined.pop("content-type", None)  # werkzeug's default, not the app's
    response["headers"] = joined
    if cookies:
        response["cookies"] = cookies
    return response


def make_handler(app: Flask) -> Callable[[Event, Any], Event]:
    """A Lambda handler for any Flask app (tests wrap apps of their own with it).

    Powertools' decorators cost ~30 us per warm invocation (context model, metric flush);
    this does the same work only when there is something to say: Lambda context keys and
    the ColdStart metric once, the request id as correlation id always, metrics only on
    errors.
    """
    wsgi_app = StageAwareApp(app)
    cold: bool | None = True  # True: first call; None: second (clear the flag); then False

    def handler(event: Event, context: Any) -> Event:
        nonlocal cold
        if cold:
            _record_cold_start(context)
        elif cold is None:
            logger.append_keys(cold_start=False)
        cold = None if cold else False
        if not isinstance(event, dict) or not any(key in event for key in HTTP_KEYS):
            return answer_other_event(app, event)
        try:
            logger.set_correlation_id((event.get("requestContext") or {}).get("requestId"))
            raw = serverless_wsgi.handle_request(wsgi_app, sanitize_event(event), context)
        except (TypeError, ValueError, AttributeError) as error:  # only the adapter's: Flask answers the app's
            return malformed_event(error)
        response = to_http_api_response(raw)
        if response.get("statusCode", 200) >= 500:
            metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
            metrics.flush_metrics()
        return response

    return handler


def malformed_event(error: Exception) -> Event:
    """An HTTP-shaped event API Gateway would never send (a field of the wrong type: a hand-made direct
    Invoke): a 400 in the service's error shape and one log line, never a stack trace."""
    logger.warning("malformed HTTP event", extra={"error": type(error).__name__})
    body = ('{"error":{"status":400,"code":"malformed_event","message":"the event is not an API Gateway '
            'HTTP API (payload 2.0) request"}}')
    return {"statusCode": 400, "headers": {"content-type": "application/json"}, "body": body,
            "isBase64Encoded": False}


class UnhandledEvent(Exception):
    """An event this function has no handler for: raised so Lambda counts an error (and an
    asynchronous source retries or dead-letters it) rather than dropping it silently."""


def answer_other_event(app: Flask, event: Event) -> Event:
    """A non-HTTP event: an explicit warm-up ping, a management command, or a loud refusal."""
    if not isinstance(event, dict):
        logger.error("unhandled event", extra={"type": type(event).__name__})
        raise UnhandledEvent(f"shopbot has no handler for an event that is not a JSON object ({type(event).__name__})")
    if event == WARMUP_EVENT or event.get("source") == "serverless-plugin-warmup":
        return {"warmed": True}
    from .manage import is_invocation, run_invocation  # only on such an invocation

    if is_invocation(event):
        answer = run_invocation(app, event["shopbot_invoke"])
        logger.info("management command", extra={"command": (answer.get("command") or ["?"])[0],
                                                  "exit_code": answer.get("exit_code"), "error": answer.get("error")})
        return answer
    source, kind = event.get("source"), event.get("detail-type")
    logger.error("unhandled event", extra={"source": source, "detail_type": kind, "keys": sorted(event)[:20]})
    raise UnhandledEvent(f"shopbot has no handler for this event (source={source!r}, detail-type={kind!r}): a "
                         'warm-up schedule must send {"warmup": true} as its input')


def _record_cold_start(context: Any) -> None:
    name = getattr(context, "function_name", "shopbot")
    logger.append_keys(
        function_name=name,
        function_memory_size=getattr(context, "memory_limit_in_mb", None),
        function_arn=getattr(context, "invoked_function_arn", None),
        cold_start=True,
    )
    metrics.add_dimension(name="function_name", value=name)
    metrics.add_metric(name="ColdStart", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()


def _traced(handler: Callable[[Event, Any], Event]) -> Callable[[Event, Any], Event]:
    """X-Ray tracing through Powertools, only when asked (SHOPBOT_TRACING=true): it costs
    ~110 ms of cold start and needs aws-xray-sdk in the package."""
    if os.environ.get("SHOPBOT_TRACING", "").lower() not in {"1", "true", "yes"}:
        return handler
    try:
        from aws_lambda_powertools import Tracer

        tracer = Tracer(service="shopbot")
    except ImportError:
        logger.warning("SHOPBOT_TRACING is set but aws-xray-sdk is not in the package: tracing is off")
        return handler
    traced: Callable[[Event, Any], Event] = tracer.capture_lambda_handler(handler)
    return traced


def _register_snapstart_hooks(parts: Components) -> None:
    """With SnapStart, sockets opened before the snapshot are dead after restore."""
    try:
        from snapshot_restore_py import register_after_restore
    except ImportError:  # not on a SnapStart runtime
        return
    register_after_restore(parts.reconnect)


app = create_app("lambda")
handler = _traced(make_handler(app))
_register_snapstart_hooks(app.extensions[EXTENSION_KEY])
