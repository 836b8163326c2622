"""Pair files are outside input (an S3 bucket others can write, a file cut short): what `shadow
report` takes from each stored answer and request, and that no stored value crashes it."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shopbot_cli.main import app
from shopbot_cli.shadow.report import answer_of, request_of
from shopbot_cli.ui import UI, set_ui
from typer.testing import CliRunner

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=3), max_leaves=8)
ANSWER_FIELDS = st.dictionaries(st.sampled_from(["status", "headers", "body", "ms", "error"]), JSON)
BODY_FIELDS = st.dictionaries(st.sampled_from(["text", "b64", "size", "sha256", "truncated"]), JSON)


def test_a_stored_answer_is_read_as_it_was_recorded() -> None:
    answer = answer_of({"status": 201, "headers": [["Content-Type", "text/plain"], ["X-N", 7]], "ms": 12.5,
                        "body": {"b64": "aGk=", "size": 2, "sha256": "ab", "truncated": False}, "error": None})
    assert (answer.status, answer.headers, answer.body, answer.size, answer.sha256, answer.truncated,
            answer.latency_ms, answer.error) == (201, [("Content-Type", "text/plain"), ("X-N", "7")], b"hi", 2,
                                                 "ab", False, 12.5, None)
    text = answer_of({"status": 200, "body": {"text": "héllo", "truncated": True}})
    assert (text.body, text.size, text.truncated) == ("héllo".encode(), 6, True)  # size: the body's own
    failed = answer_of({"error": "timeout: no answer within 2s", "ms": 2000})
    assert (failed.status, failed.error, failed.latency_ms) == (None, "timeout: no answer within 2s", 2000.0)


@pytest.mark.parametrize("status", [None, True, "200", 99, 600, 200.0])
def test_an_answer_without_a_real_status_is_an_error_answer_never_a_status(status: object) -> None:
    answer = answer_of({"status": status, "body": {"text": "{}"}})
    assert (answer.status, answer.error) == (None, "no answer recorded")


@pytest.mark.parametrize(("field", "value"), [("ms", "slow"), ("ms", [1]), ("ms", math.nan), ("ms", -3), ("ms", -0.5),
                                              ("ms", True), ("size", "abc"), ("size", json.loads("Infinity"))])
def test_a_number_of_the_wrong_kind_is_left_out(field: str, value: object) -> None:
    stored: dict[str, Any] = {"status": 200, "body": {"text": "abc"}}
    if field == "ms":
        stored["ms"] = value
    else:
        stored["body"]["size"] = value
    answer = answer_of(stored)
    assert (answer.latency_ms, answer.size, answer.status) == (0.0, 3, 200)


@pytest.mark.parametrize("headers", ["Content-Type: text/plain", [["a"]], [["a", "b", "c"]], {"a": "b"}, 5])
def test_headers_of_another_shape_are_left_out(headers: object) -> None:
    assert answer_of({"status": 200, "headers": headers}).headers == []


def test_a_stored_request_is_rebuilt_with_its_body_and_session() -> None:
    request = request_of({"method": "post", "path": "/api/chat", "query": "lang=en",
                          "headers": [["Content-Type", "application/json"]],
                          "body": {"text": '{"session_id": "s-1234567", "message": "hi"}'}}, 4)
    assert (request.method, request.path, request.query, request.headers, request.body, request.source) == (
        "POST", "/api/chat", "lang=en", (("Content-Type", "application/json"),),
        b'{"session_id": "s-1234567", "message": "hi"}', "live pair 5")
    assert request.safe is True and request.session_id == "s-1234567"
    bare = request_of({"path": "/health", "method": None, "query": None, "body": {"text": None}}, 0)
    assert (bare.method, bare.query, bare.body) == ("GET", "", b"")
    assert request_of({"path": "/health", "body": "not an object"}, 0).body is None


@settings(max_examples=200, deadline=None)
@given(ANSWER_FIELDS, BODY_FIELDS)
def test_no_stored_answer_escapes_as_an_exception(stored: dict[str, Any], body: dict[str, Any]) -> None:
    answer = answer_of({**stored, "body": body} if body else stored)
    assert answer.status is None or 100 <= answer.status <= 599
    assert answer.status is not None or answer.error
    assert math.isfinite(answer.latency_ms) and answer.latency_ms >= 0 and answer.size >= 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(ANSWER_FIELDS, ANSWER_FIELDS, JSON, JSON), min_size=1, max_size=4))
def test_a_pair_file_of_any_values_gives_a_report_or_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             pairs: list[tuple[Any, ...]]) -> None:
    folder = tmp_path / "pairs"
    folder.mkdir(exist_ok=True)
    lines = [json.dumps({"kind": "pair", "at": 1_790_000_000, "path": "/api/products/search", "method": method,
                         "query": query, "answers": {"P1": primary, "P2": primary, "C1": candidate,
                                                     "C2": candidate}}) for primary, candidate, method, query in pairs]
    (folder / "shadow-task-1-20261201T000000.jsonl").write_text("\n".join(lines) + "\n")
    settings_file = tmp_path / "shopbot.toml"
    settings_file.write_text('[environments.local]\nalb_url = "https://alb.example.com"\n'
                             'api_url = "https://abc.execute-api.us-east-1.amazonaws.com"\n')
    monkeypatch.setenv("SHOPBOT_CONFIG", str(settings_file))
    set_ui(UI())
    result = CliRunner().invoke(app, ["shadow", "report", "--from", str(folder), "--since", "100000d",
                                      "--output", str(tmp_path / "reports")])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert (tmp_path / "reports" / "parity-report.json").is_file()
