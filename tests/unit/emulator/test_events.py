"""The request -> payload-2.0 event translation, field by field against the documented format."""

from __future__ import annotations

import base64
import re
from typing import Any

from shopbot_cli.emulator.events import build_event, decode_path, is_text, query_parameters

EPOCH_MS = 1_795_603_963_585  # 25/Nov/2026:10:52:43 UTC


def event_for(method: str = "GET", target: str = "/", headers: list[tuple[str, str]] | None = None,
              body: bytes = b"", stage: str = "$default") -> dict[str, Any]:
    event: dict[str, Any] = build_event(
        method, target, headers or [("Host", "abc.execute-api.us-east-1.amazonaws.com")], body,
        request_id="req-1", source_ip="203.0.113.9", stage=stage, epoch_ms=EPOCH_MS,
    )
    return event


def test_top_level_fields_follow_the_2_0_format() -> None:
    event = event_for("GET", "/api/products/search?q=trail%20shoes&limit=3")
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/api/products/search"
    assert event["rawQueryString"] == "q=trail%20shoes&limit=3"  # untouched, still encoded
    assert event["queryStringParameters"] == {"q": "trail shoes", "limit": "3"}
    assert event["isBase64Encoded"] is False
    assert "body" not in event and "cookies" not in event


def test_request_context_carries_every_documented_field() -> None:
    headers = [("Host", "abc.execute-api.us-east-1.amazonaws.com"), ("User-Agent", "curl/8.5")]
    context = event_for("POST", "/api/chat", headers)["requestContext"]
    assert context["accountId"] == "123456789012"
    assert context["apiId"] == "local"
    # The emulator stands for the API's default endpoint, whatever host the client used.
    assert context["domainName"] == "local.execute-api.us-east-1.amazonaws.com"
    assert context["domainPrefix"] == "local"
    assert context["http"] == {"method": "POST", "path": "/api/chat", "protocol": "HTTP/1.1",
                               "sourceIp": "203.0.113.9", "userAgent": "curl/8.5"}
    assert context["requestId"] == "req-1"
    assert context["routeKey"] == "$default"
    assert context["stage"] == "$default"
    assert context["time"] == "25/Nov/2026:10:52:43 +0000"
    assert re.fullmatch(r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000", context["time"])
    assert context["timeEpoch"] == EPOCH_MS


def test_header_names_are_lower_case_and_repeats_comma_joined() -> None:
    headers = [("Host", "h"), ("X-Multi", "a"), ("x-multi", "b"), ("Accept", "text/html")]
    event = event_for(headers=headers)
    assert event["headers"] == {"host": "h", "x-multi": "a,b", "accept": "text/html"}


def test_repeated_query_keys_are_comma_joined_and_plus_decodes_to_space() -> None:
    assert query_parameters("a=1&a=2&b=x+y&c=") == {"a": "1,2", "b": "x y", "c": ""}
    assert query_parameters("") is None


def test_cookie_header_moves_into_the_cookies_array() -> None:
    event = event_for(headers=[("Host", "h"), ("Cookie", "session=abc; theme=dark")])
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert "cookie" not in event["headers"]


def test_named_stage_stays_in_raw_path() -> None:
    event = event_for("GET", "/prod/api/chat/s1", stage="prod")
    assert event["rawPath"] == "/prod/api/chat/s1"
    assert event["requestContext"]["stage"] == "prod"
    assert event["requestContext"]["http"]["path"] == "/prod/api/chat/s1"


def test_json_and_text_bodies_arrive_as_text() -> None:
    event = event_for("POST", "/api/chat", [("Host", "h"), ("Content-Type", "application/json")],
                      '{"message":"héllo"}'.encode())
    assert event["body"] == '{"message":"héllo"}'
    assert event["isBase64Encoded"] is False


def test_binary_bodies_arrive_base64() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\xff"
    event = event_for("POST", "/upload", [("Host", "h"), ("Content-Type", "image/png")], png)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == png


def test_a_text_type_that_is_not_utf8_falls_back_to_base64() -> None:
    event = event_for("POST", "/x", [("Host", "h"), ("Content-Type", "text/plain")], b"\xff\xfe")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\xfe"


def test_which_content_types_count_as_text() -> None:
    assert is_text("application/json; charset=utf-8")
    assert is_text("text/csv")
    assert is_text("application/vnd.api+json")
    assert not is_text("application/x-www-form-urlencoded")
    assert not is_text("application/octet-stream")
    assert not is_text(None)


def test_api_gateway_adds_forwarding_headers_and_drops_hop_by_hop_ones() -> None:
    headers = [("Host", "h"), ("Connection", "keep-alive"), ("Transfer-Encoding", "chunked"),
               ("X-Forwarded-For", "198.51.100.7")]
    event = build_event("POST", "/x", headers, b"abc", request_id="r", source_ip="203.0.113.9",
                        server_port=3000, trace_id="Root=1-00000000-000000000000000000000000")
    assert event["headers"] == {
        "host": "h",
        "content-length": "3",
        "x-forwarded-for": "198.51.100.7, 203.0.113.9",
        "x-forwarded-port": "3000",
        "x-forwarded-proto": "http",
        "x-amzn-trace-id": "Root=1-00000000-000000000000000000000000",
    }


def test_paths_are_percent_decoded_once_as_api_gateway_does() -> None:
    cafe = event_for("GET", "/caf%C3%A9?x=%C3%A9")
    assert cafe["rawPath"] == "/café"
    assert cafe["requestContext"]["http"]["path"] == "/café"
    assert cafe["rawQueryString"] == "x=%C3%A9"  # the query string stays as sent
    double = event_for("GET", "/a%2541")
    assert double["rawPath"] == "/a%41"  # once: serverless-wsgi decodes the second time, to /aA
    assert event_for("GET", "/space%20value")["rawPath"] == "/space value"


def test_a_path_that_is_not_utf8_once_decoded_stays_encoded() -> None:
    assert decode_path("/bad%FF") == "/bad%FF"
    assert decode_path("/plain") == "/plain"


def test_named_stage_is_checked_on_the_decoded_path() -> None:
    event = event_for("GET", "/%70rod/api", stage="prod")
    assert event["rawPath"] == "/prod/api"


def test_two_cookie_header_lines_are_split_each_on_semicolons() -> None:
    event = event_for(headers=[("Host", "h"), ("Cookie", "a=1"), ("Cookie", "b=2; c=3")])
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]
