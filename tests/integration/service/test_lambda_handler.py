"""The Lambda handler against HTTP API 2.0 events written from AWS's documented format.

Each case is one of serverless-wsgi's known faults (FACTS.md) or an HTTP API detail a
shopper or a parity check would notice.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from flask import Flask, Response, jsonify, redirect, request, url_for
from shopbot_cli.emulator.events import decode_path

from shopbot.lambda_handler import make_handler
from tests.apigw_events import FakeLambdaContext, http_api_event
from tests.integration.service.conftest import AppFactory

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def with_probe_routes(app: Flask) -> Flask:
    """Routes that expose what the app saw, and answers the service itself never gives."""

    @app.route("/probe/<path:rest>", methods=["GET", "POST"])
    def probe(rest: str) -> Response:
        return jsonify(
            rest=rest, args={k: request.args.getlist(k) for k in request.args},
            cookies=dict(request.cookies), script_root=request.script_root,
            self_url=url_for("probe", rest=rest), body_sha=hashlib.sha256(request.get_data()).hexdigest(),
            remote=request.remote_addr,
        )

    @app.get("/probe-cookies")
    def set_two_cookies() -> Response:
        response = jsonify(ok=True)
        response.set_cookie("a", "1", httponly=True)
        response.set_cookie("b", "2", path="/api")
        response.headers.add("Vary", "Accept")
        response.headers.add("Vary", "Cookie")
        return response

    @app.get("/probe-png")
    def png() -> Response:
        return Response(PNG, mimetype="image/png")

    @app.get("/probe-slash/")
    def slash() -> Response:
        return jsonify(ok=True)

    @app.get("/probe-redirect")
    def go() -> Response:
        return redirect(url_for("slash"))  # type: ignore[return-value]

    return app


@pytest.fixture
def invoke(make_app: AppFactory) -> Any:
    handler = make_handler(with_probe_routes(make_app("lambda", MAX_CONTENT_LENGTH="2048")))

    def call(event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = handler(event, FakeLambdaContext())
        return result

    return call


def body(response: dict[str, Any]) -> Any:
    raw = response.get("body", "")
    if response.get("isBase64Encoded"):
        raw = base64.b64decode(raw)
    return json.loads(raw)


def test_get_with_query_string_and_repeated_keys(invoke: Any) -> None:
    response = invoke(http_api_event("GET", "/probe/x", query="tag=a&tag=b&q=running+shoes&e=%C3%A9"))
    assert response["statusCode"] == 200
    assert body(response)["args"] == {"tag": ["a", "b"], "q": ["running shoes"], "e": ["é"]}


def test_post_json_reaches_the_chat_route(invoke: Any) -> None:
    event = http_api_event("POST", "/api/chat", headers={"content-type": "application/json"},
                           body=json.dumps({"message": "running shoes", "session_id": "probe-session-1"}))
    response = invoke(event)
    assert response["statusCode"] == 200, response
    answer = body(response)
    assert answer["session_id"] == "probe-session-1" and answer["products"]
    assert response["headers"]["x-shopbot-target"] == "lambda"
    assert response["headers"]["content-type"] == "application/json"


def test_base64_request_body_is_decoded(invoke: Any) -> None:
    response = invoke(http_api_event("POST", "/probe/bin", body=PNG, binary=True,
                                     headers={"content-type": "application/octet-stream"}))
    assert body(response)["body_sha"] == hashlib.sha256(PNG).hexdigest()


def test_binary_response_is_base64_encoded(invoke: Any) -> None:
    response = invoke(http_api_event("GET", "/probe-png"))
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == PNG


def test_cookies_in_and_two_set_cookies_out_as_the_v2_array(invoke: Any) -> None:
    seen = body(invoke(http_api_event("GET", "/probe/c", cookies=["a=1", "b=x%20y"])))
    assert seen["cookies"] == {"a": "1", "b": "x%20y"}

    response = invoke(http_api_event("GET", "/probe-cookies"))
    assert sorted(response["cookies"]) == ["a=1; HttpOnly; Path=/", "b=2; Path=/api"]
    names = [name for name in response["headers"]]
    assert all(name == name.lower() for name in names), names
    assert "set-cookie" not in response["headers"]
    assert response["headers"]["vary"] == "Accept, Cookie"


def test_default_stage_does_not_leak_into_urls_or_redirects(invoke: Any) -> None:
    seen = body(invoke(http_api_event("GET", "/probe/here")))
    assert seen["script_root"] == "" and seen["self_url"] == "/probe/here"
    redirected = invoke(http_api_event("GET", "/probe-redirect"))
    assert redirected["statusCode"] == 302
    assert redirected["headers"]["location"] == "/probe-slash/"


def test_named_stage_routes_and_prefixes_urls(invoke: Any) -> None:
    seen = body(invoke(http_api_event("GET", "/probe/here", stage="prod")))
    assert seen["rest"] == "here" and seen["script_root"] == "/prod"
    assert seen["self_url"] == "/prod/probe/here"
    health = invoke(http_api_event("GET", "/health", stage="prod"))
    assert health["statusCode"] == 200


def test_trailing_slash_redirect_keeps_the_stage_right(invoke: Any) -> None:
    plain = invoke(http_api_event("GET", "/probe-slash"))
    assert plain["statusCode"] == 308 and plain["headers"]["location"].endswith("/probe-slash/")
    assert "$default" not in plain["headers"]["location"]
    staged = invoke(http_api_event("GET", "/probe-slash", stage="prod"))
    assert staged["headers"]["location"].endswith("/prod/probe-slash/")


def test_a_percent_encoded_path_reaches_flask_as_it_does_on_ecs(make_app: AppFactory) -> None:
    """API Gateway decodes the path once (a real capture: `/capture/space value`); decoding it again
    made `/a%2541` reach the app as `/aA` on Lambda and `/a%41` on ECS."""
    app = with_probe_routes(make_app("lambda"))
    handler, direct = make_handler(app), app.test_client()
    for url in ("/probe/caf%C3%A9/%E2%9C%93", "/probe/a%2541", "/probe/100%25%20off", "/probe/x%2Fy"):
        on_ecs = direct.get(url).get_json()["rest"]
        on_lambda = body(handler(http_api_event("GET", decode_path(url)), FakeLambdaContext()))["rest"]
        assert on_lambda == on_ecs, url
    assert on_ecs == "x/y" and direct.get("/probe/a%2541").get_json()["rest"] == "a%41"


def test_null_authorizer_does_not_crash(invoke: Any) -> None:
    response = invoke(http_api_event("GET", "/health", authorizer=None))
    assert response["statusCode"] == 200 and body(response) == {"status": "ok"}


def test_oversized_body_answers_413_in_the_error_shape(invoke: Any) -> None:
    event = http_api_event("POST", "/api/chat", headers={"content-type": "application/json"},
                           body=json.dumps({"message": "x" * 5000}))
    response = invoke(event)
    assert response["statusCode"] == 413
    assert body(response)["error"]["code"] == "payload_too_large"


def test_unknown_route_and_wrong_method_answer_json(invoke: Any) -> None:
    missing = invoke(http_api_event("GET", "/nope"))
    assert missing["statusCode"] == 404 and body(missing)["error"]["code"] == "not_found"
    wrong = invoke(http_api_event("PUT", "/api/chat"))
    assert wrong["statusCode"] == 405 and body(wrong)["error"]["code"] == "method_not_allowed"


def test_warm_up_event_answers_without_touching_the_app(invoke: Any) -> None:
    assert invoke({"warmup": True}) == {"warmed": True}
    assert invoke({"source": "serverless-plugin-warmup"}) == {"warmed": True}


def test_a_scheduled_job_is_never_swallowed_as_a_warm_up(invoke: Any) -> None:
    from shopbot.lambda_handler import UnhandledEvent

    scheduled = {"version": "0", "id": "7bf7", "detail-type": "Scheduled Event", "source": "aws.events",
                 "account": "123456789012", "time": "2026-12-01T08:00:00Z", "region": "us-east-1",
                 "resources": ["arn:aws:events:us-east-1:123456789012:rule/nightly-reindex"], "detail": {}}
    with pytest.raises(UnhandledEvent, match=r"source='aws\.events', detail-type='Scheduled Event'"):
        invoke(scheduled)
    with pytest.raises(UnhandledEvent):
        invoke({"warmup": True, "extra": "not the explicit payload"})


def test_an_answer_without_content_type_gets_none_invented(make_app: AppFactory) -> None:
    app = make_app("lambda")

    @app.get("/no-type")
    def no_type() -> Response:
        response = Response(b"plain bytes")
        del response.headers["Content-Type"]
        return response

    response = make_handler(app)(http_api_event("GET", "/no-type"), FakeLambdaContext())
    assert response["statusCode"] == 200
    assert "content-type" not in response["headers"]  # API Gateway passes none either
    assert not any(name.startswith("x-shopbot-no-") for name in response["headers"])
    assert response["body"] == "plain bytes"


def test_a_named_stage_on_a_custom_domain_is_not_taken_out_of_the_path(make_app: AppFactory) -> None:
    app = make_app("lambda")

    @app.get("/dev/reports")
    def reports() -> Response:
        return jsonify(path=request.path, script_root=request.script_root)

    handler = make_handler(app)
    event = http_api_event("GET", "/dev/reports", headers={"host": "shop.example.com"})
    event["requestContext"]["stage"] = "dev"  # custom domain: the API mapping, not the path, names the stage
    response = handler(event, FakeLambdaContext())
    assert response["statusCode"] == 200, response
    assert body(response) == {"path": "/dev/reports", "script_root": ""}


def test_a_named_stage_on_the_default_endpoint_is_still_taken_out(invoke: Any) -> None:
    seen = body(invoke(http_api_event("GET", "/probe/here", stage="dev")))
    assert seen["rest"] == "here" and seen["script_root"] == "/dev"


def test_a_null_raw_query_string_is_an_empty_query(invoke: Any) -> None:
    event = http_api_event("GET", "/probe/q")
    event["rawQueryString"] = None
    response = invoke(event)
    assert response["statusCode"] == 200, response
    assert body(response)["args"] == {}


def test_a_text_answer_that_is_not_utf8_keeps_every_byte(make_app: AppFactory) -> None:
    """serverless-wsgi raised UnicodeDecodeError here (FACTS.md); API Gateway must get the bytes ECS sends."""
    app = make_app("lambda")
    latin1 = "prix: 12 € - café".encode("cp1252")

    @app.get("/latin1")
    def latin1_text() -> Response:
        return Response(latin1, content_type="text/plain; charset=windows-1252")

    response = make_handler(app)(http_api_event("GET", "/latin1"), FakeLambdaContext())
    assert response["statusCode"] == 200 and response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == latin1
    assert response["headers"]["content-type"] == "text/plain; charset=windows-1252"


def test_a_payload_1_0_event_is_answered_by_serverless_wsgi(invoke: Any) -> None:
    """An HTTP API route set to payload 1.0 (or a REST API) still works: that shape stays serverless-wsgi's."""
    event = {"version": "1.0", "httpMethod": "GET", "path": "/probe/v1", "headers": {"Host": "shop.example.com"},
             "multiValueHeaders": None, "queryStringParameters": {"q": "shoes"}, "body": None,
             "isBase64Encoded": False, "requestContext": {"stage": "$default", "identity": {"sourceIp": "1.2.3.4"}}}
    response = invoke(event)
    assert response["statusCode"] == 200, response
    seen = body(response)
    assert seen["rest"] == "v1" and seen["args"] == {"q": ["shoes"]} and seen["remote"] == "1.2.3.4"


def test_a_payload_1_0_event_missing_its_path_is_a_400(invoke: Any) -> None:
    response = invoke({"version": "1.0", "httpMethod": "GET", "headers": {}})
    assert response["statusCode"] == 400 and json.loads(response["body"])["error"]["code"] == "malformed_event"
