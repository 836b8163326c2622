"""`shopbot shadow report`: live pairs decide parity through the same engine as `parity-check`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from shopbot_cli.main import app
from shopbot_cli.ui import UI, set_ui
from typer.testing import CliRunner, Result


def answer(price: float, target: str, ms: float = 5.0) -> dict[str, Any]:
    body = json.dumps({"query": "tent", "products": [{"sku": "T-1", "price": price}]})
    return {"status": 200, "headers": [["Content-Type", "application/json"], ["X-Shopbot-Target", target]],
            "body": {"text": body, "size": len(body), "sha256": "", "truncated": False}, "ms": ms, "error": None}


def write_pairs(folder: Path, count: int, candidate_extra: float) -> None:
    lines = []
    for n in range(count):
        lines.append(json.dumps({
            "kind": "pair", "at": 1_790_000_000 + n, "method": "GET", "path": "/api/products/search",
            "query": "q=tent", "headers": [], "body": {"text": "", "size": 0},
            "answers": {"P1": answer(10.0, "ecs"), "P2": answer(10.0, "ecs"),
                        "C1": answer(10.0 + candidate_extra, "lambda"), "C2": answer(10.0 + candidate_extra, "lambda")},
        }))
    lines.append("not json")  # a torn line from a crashed process: skipped and counted
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shadow-task-1-20261201T000000.jsonl").write_text("\n".join(lines) + "\n")


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    settings = tmp_path / "shopbot.toml"
    settings.write_text('[environments.local]\nalb_url = "https://alb.example.com"\n'
                        'api_url = "https://abc.execute-api.us-east-1.amazonaws.com"\n')
    monkeypatch.setenv("SHOPBOT_CONFIG", str(settings))
    set_ui(UI())
    return CliRunner().invoke(app, ["shadow", "report", "--from", str(tmp_path / "pairs"), "--since", "100000d",
                                    "--output", str(tmp_path / "reports"), *args])


def test_live_pairs_that_agree_pass_and_say_where_the_evidence_came_from(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    write_pairs(tmp_path / "pairs", 30, candidate_extra=0.0)
    result = run(tmp_path, monkeypatch, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "reports" / "parity-report.json").read_text())
    assert report["passed"] is True and report["requests"] == 30
    assert report["evidence"]["kind"] == "live traffic" and report["evidence"]["pairs"] == 30
    assert report["evidence"]["skipped_lines"] == 1
    assert (report["evidence"]["oldest"], report["evidence"]["newest"]) == ("2026-09-21T14:13:20Z",
                                                                            "2026-09-21T14:13:49Z")
    assert report["candidate"] == "https://abc.execute-api.us-east-1.amazonaws.com"  # what the cutover gate checks


def test_a_systematic_price_difference_on_live_traffic_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_pairs(tmp_path / "pairs", 30, candidate_extra=1.0)
    result = run(tmp_path, monkeypatch)
    assert result.exit_code == 1
    report = json.loads((tmp_path / "reports" / "parity-report.json").read_text())
    assert report["passed"] is False
    assert any(d["key"].endswith("price") for d in report["differences"])


def test_no_pairs_is_not_a_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pairs").mkdir()
    result = run(tmp_path, monkeypatch)
    assert result.exit_code == 1 and "no shadow pairs found" in result.stderr
    assert not (tmp_path / "reports" / "parity-report.json").exists()


def test_the_report_goes_into_a_folder_made_for_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_pairs(tmp_path / "pairs", 3, candidate_extra=0.0)
    nested = tmp_path / "reports" / "shadow" / "today"
    result = run(tmp_path, monkeypatch, "--output", str(nested))
    assert result.exit_code in (0, 1), result.output
    assert sorted(p.name for p in nested.iterdir()) == ["parity-junit.xml", "parity-report.html", "parity-report.json",
                                                       "parity-results.jsonl"]


def test_an_output_folder_that_cannot_be_made_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_pairs(tmp_path / "pairs", 3, candidate_extra=0.0)
    (tmp_path / "file.txt").write_text("not a folder")
    result = run(tmp_path, monkeypatch, "--output", str(tmp_path / "file.txt" / "reports"))
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: --output {tmp_path / 'file.txt' / 'reports'}: cannot write the "
                                     "reports (Not a directory)")
