"""The emulator's event against a real HTTP API event captured from AWS (read in place from
../shared/corpora, never copied): the same request, sent again, must give the same event."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from shopbot_cli.emulator.events import build_event

CAPTURE = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "aws-live" / "apigwv2-request.json"
# Fields the capture shows only because it was logged through Go's typed struct (SOURCES.md):
# absent on the wire without path parameters, stage variables, authorizer or mTLS.
GO_STRUCT_NULLS = {"pathParameters", "stageVariables"}
GO_STRUCT_CONTEXT = {"authentication", "authorizer"}
# Added by API Gateway from the connection: the emulator is plain HTTP on its own port.
CONNECTION_HEADERS = {"x-forwarded-proto", "x-forwarded-port"}


@pytest.fixture(scope="module")
def captured() -> dict[str, Any]:
    if not CAPTURE.is_file():
        pytest.skip(f"the real capture is not at {CAPTURE} (the shared corpora are not mounted)")
    document: dict[str, Any] = json.loads(CAPTURE.read_text())
    return document


def replay(captured: dict[str, Any]) -> dict[str, Any]:
    """The request the capture came from, as a client sent it, through the emulator's builder."""
    context = captured["requestContext"]
    target = quote(captured["rawPath"]) + "?" + captured["rawQueryString"]
    added_by_gateway = {"x-amzn-trace-id", "x-forwarded-for", *CONNECTION_HEADERS}
    headers: list[tuple[str, str]] = []
    for name, value in captured["headers"].items():
        if name in added_by_gateway:
            continue
        # The probe header was sent twice and arrives comma-joined: send it as two lines again.
        parts = value.split(",") if name == "x-voker-probe" else [value]
        headers.extend((name, part) for part in parts)
    headers.append(("cookie", "; ".join(captured["cookies"])))
    event: dict[str, Any] = build_event(
        context["http"]["method"], target, headers, captured["body"].encode(),
        request_id=context["requestId"], source_ip=context["http"]["sourceIp"],
        epoch_ms=context["timeEpoch"], server_port=443, trace_id=captured["headers"]["x-amzn-trace-id"],
        region="us-west-2",
    )
    return event


def test_the_replayed_request_gives_the_captured_top_level_fields(captured: dict[str, Any]) -> None:
    event = replay(captured)
    assert set(event) == set(captured) - GO_STRUCT_NULLS
    for key in ("version", "routeKey", "rawPath", "rawQueryString", "cookies", "queryStringParameters",
                "body", "isBase64Encoded"):
        assert event[key] == captured[key], key
    assert event["rawPath"] == "/capture/space value"  # decoded, as AWS hands it over


def test_the_replayed_request_gives_the_captured_headers(captured: dict[str, Any]) -> None:
    event = replay(captured)
    assert set(event["headers"]) == set(captured["headers"])
    for name, value in captured["headers"].items():
        if name not in CONNECTION_HEADERS:
            assert event["headers"][name] == value, name


def test_the_replayed_request_gives_the_captured_request_context(captured: dict[str, Any]) -> None:
    event = replay(captured)
    context, real = event["requestContext"], captured["requestContext"]
    assert set(context) == set(real) - GO_STRUCT_CONTEXT
    assert context["http"] == real["http"]
    for key in ("requestId", "routeKey", "stage", "time", "timeEpoch"):
        assert context[key] == real[key], key
    assert re.fullmatch(r"[a-z0-9]+\.execute-api\.us-west-2\.amazonaws\.com", context["domainName"])
    assert context["domainName"].split(".", 1)[0] == context["domainPrefix"] == context["apiId"]
