"""The incremental request reader both servers use: framing, limits, 100-continue."""

from __future__ import annotations

import pytest
from shopbot_cli.emulator.httpio import BadRequest, BodyTooLarge, HeadTooLarge, RequestReader, encode_response


def test_a_request_split_across_packets_comes_out_whole() -> None:
    reader = RequestReader(max_head=1024, max_body=1024)
    raw = b"POST /api/chat?x=1 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 5\r\n\r\nhello"
    for index in range(len(raw) - 1):
        reader.feed(raw[index : index + 1])
        assert reader.next_request() is None
    reader.feed(raw[-1:])
    request = reader.next_request()
    assert request is not None
    assert (request.method, request.target, request.version) == ("POST", "/api/chat?x=1", "HTTP/1.1")
    assert request.headers == [("Host", "h"), ("X-A", "1"), ("x-a", "2"), ("Content-Length", "5")]
    assert request.body == b"hello"
    assert request.keep_alive


def test_keep_alive_requests_follow_each_other() -> None:
    reader = RequestReader(max_head=1024, max_body=1024)
    reader.feed(b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nConnection: close\r\n\r\n")
    first, second = reader.next_request(), reader.next_request()
    assert first is not None and second is not None
    assert (first.target, second.target) == ("/a", "/b")
    assert not second.keep_alive
    assert reader.next_request() is None


def test_chunked_bodies_are_joined_and_trailers_skipped() -> None:
    reader = RequestReader(max_head=1024, max_body=1024)
    reader.feed(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
    request = reader.next_request()
    assert request is not None and request.body == b"hello world"


def test_expect_100_continue_is_answered_before_the_body() -> None:
    continued: list[bool] = []
    reader = RequestReader(max_head=1024, max_body=1024, on_continue=lambda: continued.append(True))
    reader.feed(b"PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
    assert reader.next_request() is None
    assert continued == [True]
    reader.feed(b"abc")
    request = reader.next_request()
    assert request is not None and request.body == b"abc"


@pytest.mark.parametrize(("raw", "error"), [
    (b"POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", BodyTooLarge),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n", BodyTooLarge),
    (b"GET / HTTP/1.1\r\nX: " + b"y" * 200 + b"\r\n\r\n", HeadTooLarge),
    (b"GET / HTTP/1.1\r\nX: " + b"y" * 200, HeadTooLarge),
    (b"NONSENSE\r\n\r\n", BadRequest),
    (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", BadRequest),
    (b"POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n", BadRequest),
])
def test_limits_and_garbage_are_refused(raw: bytes, error: type[Exception]) -> None:
    reader = RequestReader(max_head=128, max_body=10)
    reader.feed(raw)
    with pytest.raises(error):
        while reader.next_request() is not None:
            pass


def test_responses_are_one_buffer_and_head_drops_the_body() -> None:
    encoded = encode_response(201, [("a", "1")], b"body")
    assert encoded == b"HTTP/1.1 201 Created\r\na: 1\r\n\r\nbody"
    assert encode_response(200, [], b"body", head_only=True) == b"HTTP/1.1 200 OK\r\n\r\n"
