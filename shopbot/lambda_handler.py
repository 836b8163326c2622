"""Lambda entry point: API Gateway HTTP API (payload 2.0) -> Flask, with Powertools logging.

Kept lean at import (cold starts): Flask, serverless-wsgi and Powertools Logger/Metrics
only; components are built on first use. HTTP API 2.0 events go through `http_api`, which
fixes serverless-wsgi 3.1.0's known v2 faults (FACTS.md) and costs less per warm request;
other HTTP payloads (1.0, REST API, ALB) go to serverless-wsgi as they are. A field of the
wrong type is a 400 `malformed_event`, never a stack trace.
Events that are not HTTP go to `answer_other_event`: an explicit warm-up payload answers
without work, a direct Invoke of a registered management command runs it (shopbot/manage.py),
and anything else (a scheduled job nobody wired, a stray S3 notification) fails loudly
instead of being swallowed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import serverless_wsgi
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from flask import Flask

from . import create_app, http_api
from .extensions import EXTENSION_KEY, Components

logger = Logger(service="shopbot")
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Shopbot"), service="shopbot")

WARMUP_EVENT = {"warmup": True}  # what deploy/lambda's warm-up schedule sends as its input
HTTP_KEYS = ("requestContext", "httpMethod", "rawPath", "routeKey")
Event = dict[str, Any]


def make_handler(app: Flask) -> Callable[[Event, Any], Event]:
    """A Lambda handler for any Flask app (tests wrap apps of their own with it).

    Powertools' decorators cost ~30 us per warm invocation (context model, metric flush);
    this does the same work only when there is something to say: Lambda context keys and
    the ColdStart metric once, the request id as correlation id always, metrics only on
    errors.
    """
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
        if event.get("version") == "2.0":
            try:
                environ = http_api.environ_for(event, context)
            except http_api.MalformedEvent as error:
                return malformed_event(error)
            logger.set_correlation_id((event.get("requestContext") or {}).get("requestId"))  # a checked object
            response = http_api.respond(app, environ)
        else:
            try:
                response = serverless_wsgi.handle_request(app, event, context)
            except (TypeError, ValueError, AttributeError, KeyError) as error:  # the adapter's: Flask answers the app's
                return malformed_event(error)
        if response.get("statusCode", 200) >= 500:
            metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
            metrics.flush_metrics()
        return response

    return handler


def malformed_event(error: Exception) -> Event:
    """An HTTP-shaped event API Gateway would never send (a field of the wrong type: a hand-made direct
    Invoke): a 400 in the service's error shape and one log line, never a stack trace."""
    field = str(error) if isinstance(error, http_api.MalformedEvent) else type(error).__name__
    logger.warning("malformed HTTP event", extra={"error": field})
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
