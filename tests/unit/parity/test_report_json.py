"""The JSON report's verdict and the reasons it gives per route: what a reader of
parity-report.json (and the cutover's parity gate) is told, line by line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shopbot_cli.parity.latency import Budget
from shopbot_cli.parity.report_json import build_report, write_json
from shopbot_cli.parity.runner import RunResult


def report_of(result: RunResult, **options: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {"primary": "http://alb", "candidate": "http://api", "corpus_sha256": "ab" * 32,
                                 "budget": Budget(), "table": None, "table_note": "no app"}
    return build_report(result, **{**arguments, **options})


def one_route(requests: int, **state: Any) -> tuple[RunResult, dict[str, Any]]:
    result = RunResult()
    route = result.route("GET /health")
    route.requests = result.requests = requests
    for name, value in state.items():
        setattr(route, name, value)
    report = report_of(result)
    return result, report


def test_one_request_answered_alike_passes_where_one_is_enough() -> None:
    _, report = one_route(1)
    [entry] = report["routes"]
    assert report["passed"] is True and entry["verdict"] == "pass"
    assert entry["why"] == [
        "1 request(s) answered alike on both sides (x2 each)",
        "confidence: with 1 request(s), a difference touching up to 73.0% of this route's requests could go "
        "unseen (95% bound)"]
    assert entry["confidence"] == {"requests": 1, "unseen_difference_rate_95": 0.7301}


def test_nothing_replayed_never_passes() -> None:
    report = report_of(RunResult())
    assert report["passed"] is False and report["routes"] == [] and report["requests"] == 0


def test_a_route_no_request_reached_says_why() -> None:
    _, report = one_route(0)
    assert report["routes"][0]["verdict"] == "not_covered"
    assert report["routes"][0]["why"] == ["no request in the corpus reached this route"]
    _, report = one_route(0, skipped=2)
    assert report["routes"][0]["why"] == [
        "2 mutating request(s) skipped: mark them `safe: true` or pass --allow-mutations"]
    _, report = one_route(0, no_body=3)
    assert report["routes"][0]["why"] == [
        "3 mutating request(s) without bodies: not compared (the log carries no bodies; add a HAR or YAML corpus "
        "with bodies for this route and they are lent)"]


def test_a_replayed_route_names_its_skipped_requests_and_cold_starts() -> None:
    result = RunResult()
    route = result.route("GET /health")
    route.requests = result.requests = 4
    route.skipped = 2
    for value in (900.4, 10.0, 11.0, 10.0):
        route.primary.add(value)
        route.candidate.add(value / 2)
    [entry] = report_of(result)["routes"]
    assert entry["verdict"] == "pass"
    assert entry["why"][0] == "4 request(s) answered alike on both sides (x2 each)"  # the verdict's reason first
    assert entry["why"][2:5] == [
        "primary: 1 cold start(s) kept out of the latency comparison (slowest 900 ms)",
        "candidate: 1 cold start(s) kept out of the latency comparison (slowest 450 ms)",
        "2 mutating request(s) skipped"]


def test_report_header_fields() -> None:
    result, _ = one_route(3)
    result.seconds = 1.23456
    report = report_of(result)
    assert report["duration_seconds"] == 1.235
    assert report["coverage"]["route_table"] == "unavailable (no app)"
    assert report["budget"] == {"p95_ratio": 1.5, "min_ms": 25.0}


def test_the_report_file_is_written_whole_into_a_new_folder(tmp_path: Path) -> None:
    _, report = one_route(3)
    path = write_json(report, tmp_path / "reports" / "today")
    text = path.read_text()
    assert path.name == "parity-report.json" and text.startswith('{\n  "version": 1,') and text.endswith("}\n")
    assert json.loads(text)["passed"] is True
    assert [p.name for p in path.parent.iterdir()] == ["parity-report.json"]  # no temporary left behind
