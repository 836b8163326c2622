"""The function's answer -> HTTP, with API Gateway's inference and its error answers."""

from __future__ import annotations

import base64
import json

import pytest
from shopbot_cli.emulator.events import HttpAnswer, MalformedAnswer, parse_answer
from shopbot_cli.emulator.gateway import answer_for, request_id
from shopbot_cli.emulator.workers import Outcome


def answer(document: object) -> HttpAnswer:
    return parse_answer(json.dumps(document).encode())


def test_structured_answer_keeps_status_headers_and_body() -> None:
    result = answer({"statusCode": 201, "headers": {"Content-Type": "application/json", "X-Count": 3},
                     "body": '{"ok":true}'})
    assert result.status == 201
    assert ("Content-Type", "application/json") in result.headers
    assert ("X-Count", "3") in result.headers
    assert result.body == b'{"ok":true}'


def test_cookies_become_one_set_cookie_line_each() -> None:
    result = answer({"statusCode": 200, "cookies": ["a=1; Path=/", "b=2; HttpOnly"], "body": ""})
    assert [value for name, value in result.headers if name == "set-cookie"] == ["a=1; Path=/", "b=2; HttpOnly"]


def test_base64_bodies_are_decoded_to_bytes() -> None:
    raw = bytes(range(256))
    result = answer({"statusCode": 200, "isBase64Encoded": True, "body": base64.b64encode(raw).decode()})
    assert result.body == raw


def test_missing_body_is_empty() -> None:
    assert answer({"statusCode": 204}).body == b""


@pytest.mark.parametrize("value", [{"hello": "world"}, [1, 2, 3], "just text", 42])
def test_bare_json_is_inferred_as_200_application_json(value: object) -> None:
    payload = json.dumps(value).encode()
    result = parse_answer(payload)
    assert result.status == 200
    assert result.headers == [("content-type", "application/json")]
    assert result.body == payload


@pytest.mark.parametrize("document", [
    {"statusCode": "200"},
    {"statusCode": 99},
    {"statusCode": True},
    {"statusCode": 200, "headers": {"x": ["a", "b"]}},
    {"statusCode": 200, "cookies": "a=1"},
    {"statusCode": 200, "body": {"not": "a string"}},
    {"statusCode": 200, "isBase64Encoded": True, "body": "***"},
])
def test_malformed_answers_are_rejected(document: object) -> None:
    with pytest.raises(MalformedAnswer):
        answer(document)


def test_non_json_answer_is_rejected() -> None:
    with pytest.raises(MalformedAnswer):
        parse_answer(b"not json")


def internal_error() -> HttpAnswer:
    return HttpAnswer(500, [("content-type", "application/json")], b'{"message":"Internal Server Error"}')


@pytest.mark.parametrize("outcome", [
    Outcome("error", b'{"errorType":"RuntimeError"}', "RuntimeError"),
    Outcome("timeout", b"{}", "Sandbox.Timedout"),
    Outcome("init_error", b"{}", "Runtime.ImportModuleError"),
    Outcome("crash", error_type="Runtime.ExitError"),
    Outcome("ok", b'{"statusCode": "nope"}'),
])
def test_failures_answer_http_api_internal_server_error(outcome: Outcome) -> None:
    assert answer_for(outcome) == internal_error()


def test_oversized_response_answers_502() -> None:
    result = answer_for(Outcome("too_large", error_type="Function.ResponseSizeTooLarge"))
    assert result.status == 502
    assert json.loads(result.body) == {"message": "Internal Server Error"}


def test_request_ids_look_like_api_gateways() -> None:
    ids = {request_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(len(value) == 16 and value.endswith("=") for value in ids)
