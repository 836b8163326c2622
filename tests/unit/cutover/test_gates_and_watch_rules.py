"""The parity gate's contract and the watch's duration parsing (pure logic, no sockets)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from shopbot_cli.cutover.gates import GateResult, enforce, parity_gate
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
