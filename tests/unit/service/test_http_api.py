"""The HTTP API answer half: whatever a WSGI app answers, API Gateway gets the same status, headers
and bytes (response bodies are outside input too: an upstream can hand the app anything)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopbot.http_api import respond

NAMES = st.sampled_from(["Content-Type", "content-type", "Set-Cookie", "set-cookie", "Vary", "X-Thing",
                         "Content-Encoding", "ETag"])
VALUES = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
TYPES = st.sampled_from(["text/html; charset=utf-8", "application/json", "image/png", "TEXT/PLAIN",
                         "application/xml", "application/octet-stream", ""])


def app_answering(status: str, headers: list[tuple[str, str]], chunks: list[bytes],
                  written: bytes = b"") -> tuple[Callable[..., Any], list[str]]:
    events: list[str] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            events.append("iterated")
            return iter(chunks)

        def close(self) -> None:
            events.append("closed")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Body:
        write = start_response(status, headers)
        if written:
            write(written)
        return Body()

    return app, events


def sent_bytes(response: dict[str, Any]) -> bytes:
    body = response.get("body", "")
    return base64.b64decode(body) if response.get("isBase64Encoded") else body.encode("utf-8")


@given(status=st.integers(100, 599), headers=st.lists(st.tuples(NAMES, VALUES), max_size=6), content_type=TYPES,
       chunks=st.lists(st.binary(max_size=40) | st.text(max_size=20).map(str.encode), max_size=4))
def test_any_answer_reaches_api_gateway_byte_for_byte(status: int, headers: list[tuple[str, str]],
                                                      content_type: str, chunks: list[bytes]) -> None:
    sent = [*headers, ("Content-Type", content_type)] if content_type else headers
    app, events = app_answering(f"{status} WHATEVER", sent, chunks)
    response = respond(app, {})
    assert response["statusCode"] == status
    assert sent_bytes(response) == b"".join(chunks)
    assert ("body" in response) == any(chunks)
    assert response.get("cookies", []) == [value for name, value in sent if name.lower() == "set-cookie"]
    for name in {name.lower() for name, _ in sent} - {"set-cookie"}:
        assert response["headers"][name] == ", ".join(value for n, value in sent if n.lower() == name)
    assert "set-cookie" not in response["headers"] and events == ["iterated", "closed"]


def test_utf8_json_goes_as_text_and_a_compressed_one_as_base64() -> None:
    plain = respond(app_answering("200 OK", [("Content-Type", "application/json")], [b'{"a": "\xc3\xa9"}'])[0], {})
    assert plain["isBase64Encoded"] is False and plain["body"] == '{"a": "é"}'
    zipped = respond(app_answering("200 OK", [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
                                   [b"\x1f\x8b"])[0], {})
    assert zipped["isBase64Encoded"] is True and base64.b64decode(zipped["body"]) == b"\x1f\x8b"


def test_bytes_given_to_write_come_before_the_body_and_the_body_is_closed_even_when_it_fails() -> None:
    app, events = app_answering("201 Created", [("Content-Type", "text/plain")], [b"-rest"], written=b"first")
    assert respond(app, {})["body"] == "first-rest"

    def failing() -> Iterator[bytes]:
        yield b"partial"
        raise RuntimeError("upstream went away")

    class Failing:
        def __iter__(self) -> Iterator[bytes]:
            return failing()

        def close(self) -> None:
            events.append("closed after failure")

    def broken(environ: dict[str, Any], start_response: Callable[..., Any]) -> Failing:
        start_response("200 OK", [])
        return Failing()

    with pytest.raises(RuntimeError, match=r"^upstream went away$"):  # never a 200 with half a body
        respond(broken, {})
    assert events[-1] == "closed after failure"
