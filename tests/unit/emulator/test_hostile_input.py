"""Property-based: whatever a client sends, the framing check, the Runtime API's reader and the
event builder answer with a decision or a documented refusal, never a traceback or a loop."""

from __future__ import annotations

import base64
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from shopbot_cli.emulator.events import build_event, decode_path, split_cookies
from shopbot_cli.emulator.httpio import BadRequest, BodyTooLarge, HeadTooLarge, RequestReader, framing_problem

_HEADER_NAME = st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"), min_size=1,
                       max_size=20)
_LATIN1 = st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=60)


@settings(max_examples=300, deadline=None)
@given(head=st.binary(max_size=400))
def test_framing_check_decides_on_any_head(head: bytes) -> None:
    problem = framing_problem(head)
    assert problem is None or (isinstance(problem, BadRequest) and problem.status in (400, 501))


@settings(max_examples=300, deadline=None)
@given(chunks=st.lists(st.binary(max_size=120), max_size=8))
def test_the_runtime_api_reader_refuses_or_waits_but_never_crashes(chunks: list[bytes]) -> None:
    reader = RequestReader(max_head=256, max_body=64)
    try:
        for chunk in chunks:
            reader.feed(chunk)
            for _ in range(len(chunk) + 1):  # each request consumes bytes: this bounds the loop
                request = reader.next_request()
                if request is None:
                    break
                assert request.method and request.target and len(request.body) <= 64
    except (BadRequest, BodyTooLarge, HeadTooLarge) as refusal:
        assert str(refusal) is not None  # refused with its own error type: the worker goes on


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]),
    path=st.text(max_size=40).map(lambda text: "/" + text.replace("?", "")),
    query=st.text(max_size=40),
    headers=st.lists(st.tuples(_HEADER_NAME, _LATIN1), max_size=8),
    body=st.binary(max_size=200),
    stage=st.sampled_from(["$default", "prod"]),
)
def test_the_event_builder_makes_a_valid_event_from_any_request(
        method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes, stage: str) -> None:
    from urllib.parse import quote

    target = quote(path, safe="/%") + ("?" + query if query else "")
    event = build_event(method, target, headers, body, request_id="r", source_ip="203.0.113.9", stage=stage,
                        server_port=3000, trace_id="Root=1-00000000-000000000000000000000000")
    json.dumps(event)  # the gateway serialises it: must be plain JSON
    assert "?" not in event["rawPath"]
    assert event["rawPath"] == event["requestContext"]["http"]["path"]
    assert all(name == name.lower() for name in event["headers"])
    assert "cookie" not in event["headers"]
    if not body:
        assert "body" not in event and event["isBase64Encoded"] is False
    elif event["isBase64Encoded"]:
        assert base64.b64decode(event["body"]) == body
    else:
        assert event["body"].encode("utf-8") == body  # sent as text only when it is exactly the bytes


@settings(max_examples=300, deadline=None)
@given(path=st.text(max_size=60))
def test_decoding_a_path_never_fails(path: str) -> None:
    decoded = decode_path(path)
    assert isinstance(decoded, str)
    if "%" not in path:
        assert decoded == path


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.text(max_size=40), max_size=4))
def test_cookies_never_merge_across_header_lines(lines: list[str]) -> None:
    cookies = split_cookies(*lines)
    assert all(cookie == cookie.strip() and cookie for cookie in cookies)
    assert sum(len([p for p in line.split(";") if p.strip()]) for line in lines) == len(cookies)
