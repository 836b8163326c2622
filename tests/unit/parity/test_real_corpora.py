"""Every real export in ../shared/corpora (third-party files, never copied here) loads, is refused with a
clear reason, or loads with its skipped parts counted and named - exactly as listed below."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from shopbot_cli.parity.corpus import CorpusError, CorpusRequest, Skipped, iter_corpora, read_entries, validate_corpora

REPO = Path(__file__).resolve().parents[3]
CORPORA = REPO.parent / "shared" / "corpora"
needs_corpora = pytest.mark.skipif(not CORPORA.is_dir(), reason=f"the shared real-world corpora are absent ({CORPORA})")


def load(relative: str) -> tuple[list[CorpusRequest], list[Skipped]]:
    entries = list(read_entries(CORPORA / relative))
    return ([e for e in entries if isinstance(e, CorpusRequest)], [e for e in entries if isinstance(e, Skipped)])


def header(request: CorpusRequest, name: str) -> str | None:
    return next((v for k, v in request.headers if k.lower() == name), None)


@needs_corpora
def test_every_file_in_the_shared_corpora_is_listed_here() -> None:
    files = {str(p.relative_to(CORPORA)) for p in CORPORA.rglob("*") if p.is_file() and p.name != "SOURCES.md"}
    assert files == set(EXPECTED) | set(REFUSED)


# file -> (requests, [(method, path, body bytes or None)] for the first ones, skipped reasons)
EXPECTED: dict[str, tuple[int, list[tuple[str, str, int | None]], list[str]]] = {
    "alb/aws-docs-2019-format.log": (1, [("GET", "/", None)], []),
    "alb/aws-docs-examples.log": (4, [("GET", "/", None)] * 4, [
        "answered by the ALB itself (redirect)", "WebSocket connection (not replayable as a request)",
        "WebSocket connection (not replayable as a request)"]),
    "alb/real-world.log": (3, [("GET", "/", None), ("POST", "/api/deposits/transactions:search", None),
                               ("POST", "/api/deposits/transactions:search", None)], [
        "no request: the client never sent one (e.g. a failed TLS handshake)",
        "answered by the ALB itself (400, no target)"]),
    "aws-live/apigwv2-request.json": (1, [("POST", "/capture/space%20value", 66)], []),
    "har/har-to-k6-multipart-formdata.har": (5, [("POST", "/value-pairs", 87), ("POST", "/image", 228),
                                                 ("POST", "/value-pairs-chars", 95), ("POST", "/csv", 183),
                                                 ("POST", "/multiple-value-pairs", 228)], []),
    "har/har-to-k6-x-www-form-url-encoded.har": (3, [("POST", "/post", 77), ("POST", "/post", 77),
                                                     ("POST", "/post", 179)], []),
    "har/har-validator-valid.json": (1, [("GET", "/", None)], []),
    "har/mitmproxy-charles.har": (1, [("GET", "/", None)], []),
    "har/mitmproxy-chrome.har": (3, [("GET", "/", None), ("GET", "/", None)], []),
    "har/mitmproxy-flows-event_stream.har": (2, [], []),
    "har/mitmproxy-flows-incomplete_log.har": (4, [("GET", "/", None), ("GET", "/", None), ("POST", "/", 0),
                                                   ("POST", "/", 0)], []),
    "har/mitmproxy-flows-successful_log.har": (2, [("GET", "/", None), ("POST", "/post", 23)], []),
    "har/mitmproxy-flows-websocket.har": (0, [], ["WebSocket upgrade (not replayable as a request)"] * 3),
    "har/mitmproxy-head-content-length.har": (1, [("HEAD", "/packages/00/e5/f12a80907d0884e6dff9c16d0", None)], []),
    "har/mitmproxy-insomnia.har": (1, [("GET", "/", None)], []),
    "har/mitmproxy-postdata.har": (1, [("POST", "/metrics", 1310)], []),
    "har/mitmproxy-with-bom.har": (1, [("POST", "/metrics", 1310)], []),
}
REFUSED = {
    "har/haralyzer-single_entry.har": ":1: not a HAR file: it holds a single HAR entry",
    "har/mitmproxy-corrupted-brokenfile.har": ":5: not valid HAR JSON (Expecting ',' delimiter)",
}


@needs_corpora
@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_each_real_file_loads_with_its_skipped_parts_named(relative: str) -> None:
    count, first, reasons = EXPECTED[relative]
    requests, skipped = load(relative)
    assert len(requests) == count
    shown = [(r.method, r.path if len(r.path) < 60 else r.path[:41], None if r.body is None else len(r.body))
             for r in requests[:len(first)]]
    assert shown == first
    assert [s.reason for s in skipped] == reasons
    for request in requests:  # nothing that cannot go on the wire, and no hop-by-hop or pseudo header
        assert not re.search(r"[\x00-\x1f\x7f ]", request.target)
        names = [name.lower() for name, _ in request.headers]
        assert not any(name.startswith(":") or name in ("host", "content-length") for name in names)


@needs_corpora
@pytest.mark.parametrize("relative", sorted(REFUSED))
def test_each_broken_real_file_is_refused_with_a_reason(relative: str) -> None:
    with pytest.raises(CorpusError) as raised:
        load(relative)
    assert str(raised.value) == str(raised.value).splitlines()[0]
    assert f"{CORPORA / relative}{REFUSED[relative]}" in str(raised.value)


@needs_corpora
def test_form_and_multipart_params_become_the_body() -> None:
    form, _ = load("har/har-to-k6-x-www-form-url-encoded.har")
    assert form[0].body == b"field%5B1%5D=value%5B1%5D&field%5B2%5D=value%5B2%5D&field%5B3%5D=value%5B3%5D"
    assert header(form[0], "content-type") == "application/x-www-form-urlencoded"
    multipart, _ = load("har/har-to-k6-multipart-formdata.har")
    assert multipart[0].body == (b'-----boundary\r\nContent-Disposition: form-data; name="hello"\r\n\r\nworld\r\n'
                                 b"-----boundary--\r\n")
    image = multipart[1].body or b""
    assert b'name="file"; filename="jpeg-quality-30.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff' in image
    assert header(multipart[1], "content-type") == "multipart/form-data; boundary=---boundary"
    # text wins over params when a HAR gives both (mitmproxy writes both)
    _, post = load("har/mitmproxy-flows-successful_log.har")[0]
    assert post.body == b"key1=value1&key2=value2"


@needs_corpora
def test_cookies_only_in_request_cookies_are_sent_and_a_bom_is_not_a_problem() -> None:
    [request], _ = load("har/har-validator-valid.json")     # a HAR named .json: detected by content
    assert header(request, "cookie") == "foo=bar"
    assert header(request, "host") is None and header(request, "connection") is None
    with_bom, plain = load("har/mitmproxy-with-bom.har")[0], load("har/mitmproxy-postdata.har")[0]
    assert [(r.method, r.target, r.headers, r.body) for r in with_bom] == [
        (r.method, r.target, r.headers, r.body) for r in plain]


@needs_corpora
def test_api_gateway_event_is_the_request_it_carried() -> None:
    [request], _ = load("aws-live/apigwv2-request.json")
    assert request.query.startswith("repeat=one&repeat=two&redirect=https%3A%2F%2Fexample.com")
    assert request.body == b'{"message":"hello from the public internet","unicode":"lambda-\xce\xbb"}'
    assert header(request, "cookie") == "session=abc123; theme=dark"
    assert header(request, "x-forwarded-for") is None and header(request, "x-amzn-trace-id") is None
    assert header(request, "x-voker-probe") == "first,second"


@needs_corpora
def test_alb_mutations_without_bodies_are_counted_and_can_borrow_bodies(tmp_path: Path) -> None:
    alb = CORPORA / "alb" / "real-world.log"
    loaded = validate_corpora([alb])
    assert (loaded.count, loaded.skipped) == (3, {
        "no request: the client never sent one (e.g. a failed TLS handshake)": 1,
        "answered by the ALB itself (400, no target)": 1})
    assert [r.body_unknown for r in iter_corpora([alb], None, loaded)] == [False, True, True]
    bodies = tmp_path / "bodies.yaml"
    bodies.write_text("- {method: POST, path: '/api/deposits/transactions:search', json: {query: all}, safe: true}\n")
    loaded = validate_corpora([alb, bodies])
    merged = list(iter_corpora([alb, bodies], None, loaded))
    lent = [r for r in merged if "body from" in r.source]
    assert len(lent) == 2 and all(r.body == b'{"query": "all"}' and not r.body_unknown for r in lent)
    assert all(header(r, "content-type") == "application/json" for r in lent)
    assert f"(body from {bodies}:1)" in lent[0].source


@needs_corpora
def test_a_corpus_of_only_websockets_says_what_was_skipped() -> None:
    with pytest.raises(CorpusError) as raised:
        validate_corpora([CORPORA / "har" / "mitmproxy-flows-websocket.har"])
    assert "no requests to replay (3 entries skipped: 3 WebSocket upgrade (not replayable as a request))" in str(
        raised.value)
