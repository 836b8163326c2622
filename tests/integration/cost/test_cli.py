"""`shopbot cost` as a user runs it: the report, --json, --html, --memory, and bad input as one line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from shopbot_cli.cost.traffic import alb_line
from shopbot_cli.errors import ExitStatus
from shopbot_cli.main import app
from shopbot_cli.ui import UI, set_ui
from typer.testing import CliRunner

# The hand-computed case of tests/unit/cost/test_arithmetic.py plus the default 400 log bytes a request:
# 2,628,000 requests x 400 B / 2^30 x $0.50 = $0.4895 on each side.
LOGS = 2_628_000 * 400 / 2**30 * 0.50
FACTS = ["--region", "us-east-1", "--ecs-vcpu", "1", "--ecs-memory-gb", "2", "--ecs-tasks", "1", "--ecs-nat", "0",
         "--lambda-memory", "1024", "--lambda-nat", "0"]
CORPORA = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "alb"


def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], toml: str = "") -> Any:
    config = tmp_path / "shopbot.toml"
    config.write_text("[environments.test]\n" + toml)
    monkeypatch.setenv("SHOPBOT_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    set_ui(UI())
    return CliRunner().invoke(app, ["--env", "test", "cost", *args])


def one_error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.output
    return str(lines[0])


def chat_hour(tmp_path: Path) -> Path:
    """An hour of 60 chats a minute, 5 s each (the hand-computed case where ECS is cheaper)."""
    log = tmp_path / "alb" / "chat.log"
    log.parent.mkdir()
    start = 1_767_225_600.0
    log.write_text("".join(alb_line(start + minute * 60 + i, 5.0, "POST", "/api/chat", 0, 0) + "\n"
                           for minute in range(60) for i in range(60)))
    return log


def test_the_json_report_has_both_sides_and_the_break_even(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chat_hour(tmp_path)
    result = invoke(tmp_path, monkeypatch, ["--alb-logs", "alb", *FACTS, "--json"], "cost_cpu_fraction = 0.0\n")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ecs"]["total"] == pytest.approx(56.3487 + LOGS, abs=0.01)
    assert report["lambda"]["total"] == pytest.approx(222.543 + LOGS, abs=0.01)
    assert report["cheaper"] == "ecs"
    assert report["break_even"]["factor"] < 1                     # Lambda only wins at a fraction of this traffic
    assert report["routes"][0]["route"] == "POST /api/chat" and report["routes"][0]["share"] == 1.0
    assert report["peak"]["p99_concurrency"] == pytest.approx(5.0)   # 1 chat/s x 5 s
    assert report["prices"]["date"] == "2026-12-01"


def test_memory_sizes_separate_waiting_from_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chat_hour(tmp_path)
    result = invoke(tmp_path, monkeypatch, ["--alb-logs", "alb", *FACTS, "--memory", "512,1769,3008", "--json"])
    assert result.exit_code == 0, result.output
    sizes = {m["memory_mb"]: m for m in json.loads(result.stdout)["memory"]}
    # default cost_cpu_fraction 0.2 of 5 s: 4 s waiting on the network at every size, 1 s of CPU on a full vCPU
    assert {size: m["wait_ms"] for size, m in sizes.items()} == {512: 4000.0, 1769: 4000.0, 3008: 4000.0}
    assert sizes[512]["cpu_ms"] == pytest.approx(1000 * 1769 / 512, abs=0.1)
    assert sizes[1769]["cpu_ms"] == sizes[3008]["cpu_ms"] == 1000.0
    assert sizes[512]["duration_cost"] < sizes[1769]["duration_cost"] < sizes[3008]["duration_cost"]
    assert sizes[512]["p99_concurrency"] > sizes[1769]["p99_concurrency"]


def test_the_terminal_report_and_the_html_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chat_hour(tmp_path)
    result = invoke(tmp_path, monkeypatch, ["--alb-logs", "alb", *FACTS, "--html", "out/cost.html"],
                    "cost_cpu_fraction = 0.0\n")
    assert result.exit_code == 0, result.output
    assert "ecs is cheaper today by $166.19/month" in result.stdout
    assert "E ECS   L Lambda" in result.stdout and "1x (today)" in result.stdout
    page = (tmp_path / "out" / "cost.html").read_text()
    assert "<svg" in page and "<polyline" in page and "<script" not in page.lower()
    assert "POST /api/chat" in page and "dated 2026-12-01" in page


@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"the real ALB corpora are not at {CORPORA}")
def test_real_alb_logs_price(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke(tmp_path, monkeypatch, ["--alb-logs", str(CORPORA), *FACTS, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["traffic"]["requests"] == 8
    assert "answered by the ALB itself" in report["traffic"]["skipped"]


def test_facts_from_the_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chat_hour(tmp_path)
    toml = ('region = "us-east-1"\necs_task_vcpu = 1\necs_task_memory_gb = 2\necs_tasks_min = 1\n'
            'ecs_nat_gateways = 0\nlambda_memory_mb = 1024\nlambda_nat_gateways = 0\ntraffic_logs = "alb"\n')
    result = invoke(tmp_path, monkeypatch, ["--json"], toml)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ecs"]["total"] == pytest.approx(56.3487 + LOGS, abs=0.01)


@pytest.mark.parametrize(("args", "status", "pattern"), [
    (["--alb-logs", "empty.log", *FACTS], ExitStatus.ERROR, r"no request served by a target in the ALB logs"),
    (["--alb-logs", "alb", *FACTS[:1], "eu-north-9", *FACTS[2:]], ExitStatus.ERROR,
     r"no prices for region 'eu-north-9'.*--prices FILE"),
    (["--alb-logs", "alb", *FACTS[:2]], ExitStatus.CONFIG,
     r"missing deployment facts: `ecs_task_vcpu` \(--ecs-vcpu\)"),
    ([*FACTS], ExitStatus.CONFIG, r"no traffic to price: pass --alb-logs PATH .* or set `traffic_logs`"),
    (["--alb-logs", "alb", *FACTS, "--memory", "512,lots"], ExitStatus.ERROR, r"--memory '512,lots'"),
    (["--alb-logs", "alb", *FACTS, "--prices", "nope.json"], ExitStatus.ERROR, r"nope.json: cannot read"),
])
def test_bad_input_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                               status: ExitStatus, pattern: str) -> None:
    chat_hour(tmp_path)
    (tmp_path / "empty.log").write_text("\n\n")
    result = invoke(tmp_path, monkeypatch, args)
    assert result.exit_code == status, result.output
    assert re.search(pattern, one_error_line(result))


def test_markup_in_a_logged_path_is_shown_not_interpreted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "odd.log"
    log.write_text(alb_line(1_767_225_600.0, 0.5, "GET", "/[/bold]<script>x</script>", 10, 10) + "\n")
    result = invoke(tmp_path, monkeypatch, ["--alb-logs", str(log), *FACTS, "--html", "odd.html"])
    assert result.exit_code == 0, result.output
    assert "[/bold]" in result.stdout                       # printed as text, not taken as markup
    page = (tmp_path / "odd.html").read_text()
    assert "<script" not in page and "&lt;script&gt;" in page


def test_check_capacity_fails_the_command_when_the_peak_would_be_throttled(
        aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration.cost.test_gate_reads import FUNCTION, _function

    _function()
    boto3.client("lambda").put_function_concurrency(FunctionName=FUNCTION, ReservedConcurrentExecutions=2)
    chat_hour(tmp_path)                                   # 5 in flight
    toml = f'lambda_function = "{FUNCTION}"\ncost_cpu_fraction = 0.0\n'
    result = invoke(tmp_path, monkeypatch, ["--alb-logs", "alb", *FACTS, "--check-capacity", "--json"], toml)
    assert result.exit_code == ExitStatus.DIFFERENCES, result.output
    gate = json.loads(result.stdout)["capacity_gate"]
    assert gate["name"] == "capacity" and not gate["passed"]
    assert "p99 minute needs 5.0 concurrent executions" in gate["detail"]
    assert "reserved concurrency is 2: the peak would be throttled" in gate["detail"]
