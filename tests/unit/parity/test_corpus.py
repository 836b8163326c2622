"""Corpus readers: YAML/JSON/JSONL, HAR, ALB access logs (plain and gzipped), sessions, routes."""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
from pathlib import Path

import pytest
from flask import Flask
from shopbot_cli.parity import corpus
from shopbot_cli.parity.corpus import (
    CorpusError,
    assign_route,
    expand_paths,
    iter_corpora,
    read_corpus,
    side_session,
    validate_corpora,
)
from shopbot_cli.parity.routes import MAX_CACHED_PATHS, RouteTable
from shopbot_cli.parity.runner import units

ALB_LINE = ('{type} 2026-11-25T10:00:00.186641Z app/shop/50dc6c495c0c9188 192.0.2.10:2817 10.0.0.1:80 0.000 0.001 '
            '0.000 200 200 34 366 "{request}" "curl/8.4.0" - - '
            'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/shop/73e2d6bc24d8a067 '
            '"Root=1-58337262-36d228ad5d99923122bbe354" "shop.example.com" "-" 0 2026-11-25T10:00:00.000000Z '
            '"forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1')


def table() -> RouteTable:
    app = Flask("t")
    app.add_url_rule("/api/chat/<session_id>", "history", lambda session_id: "", methods=["GET", "DELETE"])
    app.add_url_rule("/api/products/search", "search", lambda: "")
    return RouteTable.from_map(app.url_map)


def test_yaml_corpus_with_query_json_headers_and_route_rules(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "version: 1\n"
        "rules:\n"
        "  GET /api/products/search: {shape_only: ['$.products']}\n"
        "requests:\n"
        "  - path: /api/products/search?q=a\n"
        "    query: {limit: 3}\n"
        "    headers: {Accept: application/json}\n"
        "  - method: post\n"
        "    path: /api/chat\n"
        "    json: {message: hi, session_id: abcdefgh1}\n"
        "    safe: true\n"
        "    rules: {ignore: ['$.debug']}\n"
    )
    first, second = (assign_route(r, table()) for r in read_corpus(path))
    assert first.target == "/api/products/search?q=a&limit=3"
    assert first.route == "GET /api/products/search" and first.rules.shape_only == ("$.products",)
    assert first.source == f"{path}:5" and first.headers == (("Accept", "application/json"),)
    assert second.method == "POST" and second.safe and second.mutating
    assert json.loads(second.body or b"") == {"message": "hi", "session_id": "abcdefgh1"}
    assert ("Content-Type", "application/json") in second.headers
    assert second.session_id == "abcdefgh1" and second.rules.ignore == ("$.debug",)
    assert second.source == f"{path}:8"


@pytest.mark.parametrize(("text", "message"), [
    ("requests:\n  - {path: no-slash}\n", ":2: `path` must be a string starting with '/'"),
    ("requests:\n  - {path: /x, json: {}, body: y}\n", ":2: give either `json` or `body`"),
    ("requests:\n  - {path: /x, colour: red}\n", ":2: unknown key(s) ['colour']"),
    ("requests:\n  - {path: /x, safe: maybe}\n", ":2: `safe` must be true or false"),
    ("requests:\n  - {path: /x, rules: {skip: []}}\n", ":2: `rules` takes only ignore, shape_only, relative, absolute, "
                                                  "min_samples, min_requests"),
    ("just text\n", ":1: expected a list of requests"),
    ("requests: [\n", ":2: not valid YAML"),
])
def test_malformed_yaml_entries(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CorpusError) as raised:
        list(read_corpus(path))
    assert f"{path}{message}" in str(raised.value)


def test_json_and_jsonl(tmp_path: Path) -> None:
    document = tmp_path / "c.json"
    document.write_text(json.dumps([{"path": "/a"}, {"path": "/b", "method": "DELETE"}], indent=1))
    assert [(r.method, r.path) for r in read_corpus(document)] == [("GET", "/a"), ("DELETE", "/b")]
    broken = tmp_path / "broken.json"
    broken.write_text('[\n {"path": "/a"},\n {"path": }\n]')
    with pytest.raises(CorpusError, match=r"broken.json:3: not valid JSON"):
        list(read_corpus(broken))
    lines = tmp_path / "c.jsonl"
    lines.write_text('{"path": "/a"}\n\n{"path": "/b"}\nnot json\n')
    with pytest.raises(CorpusError, match=r"c.jsonl:4: not valid JSON"):
        list(read_corpus(lines))


def test_har(tmp_path: Path) -> None:
    har = {"log": {"entries": [
        {"request": {"method": "GET", "url": "https://shop.example.com/api/products/search?q=tent",
                     "headers": [{"name": ":authority", "value": "x"}, {"name": "Host", "value": "x"},
                                 {"name": "Accept", "value": "application/json"}]}},
        {"request": {"method": "POST", "url": "https://shop.example.com/api/chat", "headers": [],
                     "postData": {"mimeType": "application/json", "text": '{"message": "hi"}'}}},
    ]}}
    path = tmp_path / "session.har"
    path.write_text(json.dumps(har))
    first, second = read_corpus(path)
    assert first.target == "/api/products/search?q=tent" and first.headers == (("Accept", "application/json"),)
    assert second.method == "POST" and second.body == b'{"message": "hi"}' and not second.safe
    path.write_text(json.dumps({"log": {"entries": [{"request": {}}]}}))
    with pytest.raises(CorpusError, match=r"entry 0: entry has no request\.url"):
        list(read_corpus(path))


def test_alb_access_log_plain_and_gzipped(tmp_path: Path) -> None:
    lines = [ALB_LINE.format(type="https", request="GET https://shop.example.com:443/api/products/search?q=a HTTP/2.0"),
             ALB_LINE.format(type="http", request="GET http://shop.example.com:80/api/chat/abcdefgh12 HTTP/1.1")]
    plain = tmp_path / "access.log"
    plain.write_text("\n".join(lines) + "\n")
    gz = tmp_path / "000001_elasticloadbalancing_us-east-2_app.shop.log.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    for path in (plain, gz):
        first, second = iter_corpora([path], table())
        assert first.target == "/api/products/search?q=a" and first.route == "GET /api/products/search"
        assert ("User-Agent", "curl/8.4.0") in first.headers
        assert second.route == "GET /api/chat/<session_id>" and second.session_id == "abcdefgh12"
    with_failed_handshake = tmp_path / "handshake.log"
    with_failed_handshake.write_text(lines[0] + "\n" + ALB_LINE.format(type="https", request="- - -") + "\n")
    assert len(list(read_corpus(with_failed_handshake))) == 1
    bad = tmp_path / "bad.log"
    bad.write_text(lines[0] + "\n" + ALB_LINE.format(type="http", request="GET /only-two") + "\n")
    with pytest.raises(CorpusError, match=r"bad.log:2: request field is not 'METHOD URL PROTOCOL'"):
        list(read_corpus(bad))


def test_validate_counts_and_hashes_before_anything_is_sent(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("- {path: /a}\n- {path: /b}\n")
    loaded = validate_corpora([path])
    assert (loaded.count, loaded.digest) == (2, hashlib.sha256(path.read_bytes()).hexdigest())
    empty = tmp_path / "empty.yaml"
    empty.write_text("[]\n")
    with pytest.raises(CorpusError, match="has no requests"):
        validate_corpora([empty])
    with pytest.raises(CorpusError, match="corpus file not found"):
        validate_corpora([tmp_path / "missing.yaml"])


@pytest.mark.parametrize("keep_bytes", [corpus.KEEP_BYTES, 0])
def test_the_replay_sends_what_was_validated_and_reads_again_only_past_the_budget(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep_bytes: int) -> None:
    monkeypatch.setattr(corpus, "KEEP_BYTES", keep_bytes)
    path = tmp_path / "c.yaml"
    path.write_text("- {path: /api/chat/sess-0001}\n- {method: DELETE, path: /api/chat/sess-0001, safe: true}\n")
    loaded = validate_corpora([path], table())
    path.write_text("- {path: /health}\n")  # edited after validation
    replayed = [(r.method, r.target, r.route) for r in iter_corpora([path], table(), loaded)]
    if keep_bytes:
        assert replayed == [("GET", "/api/chat/sess-0001", "GET /api/chat/<session_id>"),
                            ("DELETE", "/api/chat/sess-0001", "DELETE /api/chat/<session_id>")]
    else:  # past the budget nothing is kept: the files are read again
        assert loaded.kept is None and replayed == [("GET", "/health", "GET /health")]


def test_side_sessions_keep_the_original_format() -> None:
    assert side_session("parity-1234", "p1") == "parity-1234-p1"
    hexed = side_session("6f1c2a4e5b7d4c3e9a8b0123456789ab", "c2")
    assert len(hexed) == 32 and "-" not in hexed
    dashed = side_session("6f1c2a4e-5b7d-4c3e-9a8b-0123456789ab", "c2")
    assert dashed == str(uuid.uuid5(uuid.NAMESPACE_URL, "6f1c2a4e-5b7d-4c3e-9a8b-0123456789ab/c2"))
    assert len({side_session("6f1c2a4e-5b7d-4c3e-9a8b-0123456789ab", tag) for tag in ("p1", "c1", "p2", "c2")}) == 4


def test_consecutive_requests_of_one_session_form_one_unit(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("- {path: /api/chat/sess-0001}\n- {path: /api/chat/sess-0001, method: DELETE}\n"
                    "- {path: /health}\n- {path: /health}\n- {path: /api/chat/sess-0002}\n")
    grouped = [[r.target for r in unit] for unit in units(read_corpus(path))]
    assert grouped == [["/api/chat/sess-0001", "/api/chat/sess-0001"], ["/health"], ["/health"],
                       ["/api/chat/sess-0002"]]


def test_unmatched_paths_are_kept_but_bounded() -> None:
    routes = table()
    assert routes.match("GET", "/nope") == "GET /nope"
    for i in range(300):
        routes.match("GET", f"/x/{i}")
    assert routes.match("GET", "/x/9999") == "GET (other unmatched paths)"


def test_route_keys_do_not_change_when_the_match_cache_fills_and_restarts() -> None:
    routes = table()
    first = [routes.match("GET", "/health"), routes.match("GET", "/x/0"), routes.match("GET", "/api/chat/a")]
    for i in range(MAX_CACHED_PATHS + 50):  # more one-off paths than the cache holds: it starts again
        routes.match("GET", f"/api/chat/s-{i}")
    for i in range(300):
        routes.match("GET", f"/x/{i}")
    assert [routes.match("GET", "/health"), routes.match("GET", "/x/0"), routes.match("GET", "/api/chat/a")] == first
    assert routes.match("GET", "/x/9999") == "GET (other unmatched paths)"
    assert routes.match("GET", "/api/chat/s-1") == first[2]


def test_a_folder_of_alb_logs_is_read_file_by_file(tmp_path: Path) -> None:
    folder = tmp_path / "AWSLogs" / "123456789012" / "elasticloadbalancing" / "us-east-2" / "2026" / "11" / "25"
    folder.mkdir(parents=True)
    for minute in ("1000", "1005"):
        line = ALB_LINE.format(type="https", request=f"GET https://shop.example.com:443/health?m={minute} HTTP/1.1")
        (folder / f"123456789012_elasticloadbalancing_us-east-2_app.shop_2026112{minute}Z.log.gz").write_bytes(
            gzip.compress(line.encode() + b"\n"))
    files = expand_paths([tmp_path / "AWSLogs"])
    assert [r.target for r in iter_corpora(files, None)] == ["/health?m=1000", "/health?m=1005"]
    assert validate_corpora(files).count == 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="folder has no corpus files"):
        expand_paths([tmp_path / "empty"])
