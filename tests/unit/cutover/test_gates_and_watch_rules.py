"""The gates' contract (the parity report; the health check against a loopback server) and the
watch's duration parsing."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from shopbot_cli.cutover.gates import GateResult, enforce, health_gate, parity_gate
from shopbot_cli.cutover.watch import parse_duration
from shopbot_cli.errors import CliError, ExitStatus
from shopbot_cli.settings.environments import Settings

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ALB_URL, API_URL = "https://alb.example.com", "https://api.example.com/"


def _settings(path: Path, max_age: int = 3600) -> Settings:
    return Settings(alb_url=ALB_URL, api_url=API_URL, parity_report=str(path), parity_max_age_seconds=max_age)


def _report(path: Path, **changes: object) -> Path:
    document = {"version": 1, "generated_at": (NOW - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "primary": ALB_URL + "/", "candidate": API_URL.rstrip("/"), "corpus_sha256": "ab" * 32,
                "passed": True, "routes": []}
    document.update(changes)
    path.write_text(json.dumps(document))
    return path


def test_a_fresh_passing_report_for_these_targets_passes(tmp_path: Path) -> None:
    path = _report(tmp_path / "parity-report.json")
    result, report = parity_gate(_settings(path), NOW)
    assert result.passed, result.detail
    assert report.sha256 is not None and len(report.sha256) == 64


@pytest.mark.parametrize(("changes", "reason"), [
    ({"passed": False}, "found differences"),
    ({"generated_at": "2026-11-25T10:00:00Z"}, "7200 s old (limit 3600 s)"),
    ({"primary": API_URL, "candidate": ALB_URL}, "not https://alb.example.com with https://api.example.com"),
    ({"candidate": "https://other.example.com"}, "compares"),
    ({"generated_at": "2026-11-25T11:55:00"}, "no valid generated_at"),
    ({"version": 2}, "not a version 1 parity report"),
])
def test_reports_that_do_not_count(tmp_path: Path, changes: dict[str, object], reason: str) -> None:
    result, _ = parity_gate(_settings(_report(tmp_path / "r.json", **changes)), NOW)
    assert not result.passed
    assert reason in result.detail


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_report_exactly_as_old_as_the_limit_still_counts_and_a_second_more_does_not(tmp_path: Path) -> None:
    at_limit = _report(tmp_path / "r.json", generated_at=_stamp(NOW - timedelta(seconds=3600)))
    assert parity_gate(_settings(at_limit), NOW)[0].detail == f"passed 3600 s ago ({at_limit})"
    too_old = _report(tmp_path / "r.json", generated_at=_stamp(NOW - timedelta(seconds=3601)))
    assert parity_gate(_settings(too_old), NOW)[0].detail.startswith("report is 3601 s old (limit 3600 s)")


def test_a_report_dated_in_the_future_does_not_count_beyond_five_minutes_of_clock_skew(tmp_path: Path) -> None:
    skewed = _report(tmp_path / "r.json", generated_at=_stamp(NOW + timedelta(seconds=300)))
    assert parity_gate(_settings(skewed), NOW)[0].passed  # clocks a few minutes apart
    ahead = _report(tmp_path / "r.json", generated_at=_stamp(NOW + timedelta(seconds=301)))
    result = parity_gate(_settings(ahead), NOW)[0]
    assert not result.passed and result.detail.startswith("report is dated 301 s in the future: check")


@pytest.mark.parametrize("passed", ["true", 1, None])
def test_only_a_report_that_says_passed_true_counts(tmp_path: Path, passed: object) -> None:
    result, _ = parity_gate(_settings(_report(tmp_path / "r.json", passed=passed)), NOW)
    assert not result.passed and "found differences" in result.detail


@pytest.mark.parametrize("stamp", [1764072000, "yesterday", None])
def test_a_report_without_a_readable_time_does_not_count(tmp_path: Path, stamp: object) -> None:
    result, _ = parity_gate(_settings(_report(tmp_path / "r.json", generated_at=stamp)), NOW)
    assert not result.passed and "no valid generated_at" in result.detail


@pytest.fixture
def origin() -> Iterator[dict[str, Any]]:
    """A loopback origin: `/health` answers `status` (200 unless a test changes it); any other path 404."""
    state: dict[str, Any] = {"status": 200, "paths": []}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            return

        def do_GET(self) -> None:
            state["paths"].append(self.path)
            code = state["status"] if self.path == "/health" else 404
            self.send_response(code)
            if code in (301, 302):
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def test_the_health_gate_passes_only_on_a_200_from_the_health_path(origin: dict[str, Any]) -> None:
    result = health_gate("health:lambda", origin["url"] + "/", "/health")
    assert result == GateResult("health:lambda", True, f"{origin['url']}/health answered 200")
    assert origin["paths"] == ["/health"]  # one slash between base and path, whatever each brings
    assert health_gate("health:ecs", origin["url"], "health").passed
    assert result.as_dict() == {"name": "health:lambda", "passed": True,
                                "detail": f"{origin['url']}/health answered 200", "skipped": False}


@pytest.mark.parametrize("status", [503, 302, 204])
def test_the_health_gate_fails_on_any_other_answer_and_follows_no_redirect(origin: dict[str, Any],
                                                                           status: int) -> None:
    origin["status"] = status
    result = health_gate("health:lambda", origin["url"], "/health")
    assert (result.passed, result.detail) == (False, f"{origin['url']}/health answered {status}")
    assert origin["paths"] == ["/health"]


def test_the_health_gate_fails_when_nothing_answers() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = health_gate("health:ecs", f"http://127.0.0.1:{port}", "/health")
    assert (result.passed, result.detail) == (False, f"http://127.0.0.1:{port}/health did not answer (ConnectionError)")


def test_missing_or_garbled_report(tmp_path: Path) -> None:
    missing, report = parity_gate(_settings(tmp_path / "absent.json"), NOW)
    assert not missing.passed and "cannot be read" in missing.detail and report.sha256 is None
    (tmp_path / "bad.json").write_text("{not json")
    garbled, _ = parity_gate(_settings(tmp_path / "bad.json"), NOW)
    assert "is not JSON" in garbled.detail


def test_enforce_stops_at_a_failing_gate_unless_forced() -> None:
    results = [GateResult("health:lambda", True, "ok"), GateResult("parity", False, "old")]
    with pytest.raises(CliError, match="gate 'parity' failed: old") as caught:
        enforce(results, force=False)
    assert caught.value.status == ExitStatus.DIFFERENCES
    forced = enforce(results, force=True)
    assert [(g.name, g.skipped) for g in forced] == [("health:lambda", False), ("parity", True)]


def test_parse_duration() -> None:
    assert parse_duration("90") == 90 and parse_duration("90s") == 90
    assert parse_duration("10m") == 600 and parse_duration("1h") == 3600
    for bad in ("ten minutes", "0", "-5m", ""):
        with pytest.raises(CliError, match="300s, 10m or 1h"):
            parse_duration(bad)
