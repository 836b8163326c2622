"""The real `shopbot` CLI: bad input is one line and an exit code, and nothing changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shopbot_cli.errors import ExitStatus
from shopbot_cli.main import app
from shopbot_cli.ui import UI, set_ui
from typer.testing import CliRunner

from tests.integration.cutover.conftest import Stage
from tests.unit.cutover.sample import ALB, API


def _invoke(stage: Stage, monkeypatch: pytest.MonkeyPatch, args: list[str], **toml: Any) -> Any:
    monkeypatch.setenv("SHOPBOT_CONFIG", str(stage.write_toml(**toml)))
    set_ui(UI())  # a fresh console per invocation, as a new process would have
    return CliRunner().invoke(app, ["--env", "test", *args])


def _one_error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.output
    return str(lines[0])


def test_cutover_status_rollback_through_the_cli(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> None:
    done = _invoke(stage, monkeypatch, ["cutover", "--to", "lambda", "--yes", "--no-wait", "--json"])
    assert done.exit_code == 0, done.output
    payload = json.loads(done.stdout)
    assert payload["changed"] and payload["moves"]["default"] == {"from": ALB, "to": API}

    status = _invoke(stage, monkeypatch, ["status", "--json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["behaviours"]["/api/*"]["target"] == "lambda"

    human = _invoke(stage, monkeypatch, ["status"])
    assert "/api/*" in human.stdout and "arn:aws:sts::123456789012:user/moto" in human.stdout

    back = _invoke(stage, monkeypatch, ["rollback", "--yes", "--no-wait"])
    assert back.exit_code == 0, back.output
    again = _invoke(stage, monkeypatch, ["rollback", "--yes", "--no-wait"])
    assert again.exit_code == 0 and "nothing to roll back" in again.stdout
    assert stage.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == ALB


def test_without_yes_and_without_a_terminal_nothing_changes(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> None:
    before = stage.config()
    result = _invoke(stage, monkeypatch, ["cutover", "--to", "lambda", "--no-wait"])
    assert result.exit_code == ExitStatus.ABORTED
    assert "pass --yes" in _one_error_line(result)
    assert stage.config() == before and stage.ledger() == []


@pytest.mark.parametrize(("args", "toml", "status", "says"), [
    (["cutover", "--to", "lambda"], {"distribution_id": "E0NOSUCHDIST"}, ExitStatus.CONFIG,
     "distribution 'E0NOSUCHDIST' does not exist"),
    (["cutover", "--to", "lambda"], {"api_origin_id": "shopbot-fn"}, ExitStatus.CONFIG,
     "origin 'shopbot-fn' is not in distribution"),
    (["cutover", "--to", "lambda"], {"behaviors": ["/nope/*"]}, ExitStatus.CONFIG,
     "behaviour '/nope/*' is not in the distribution"),
    (["cutover", "--to", "lambda"], {"distribution_id": None, "ledger": None}, ExitStatus.CONFIG,
     "has no `distribution_id`, `ledger`: set them under"),
    (["cutover", "--to", "k8s"], {}, ExitStatus.ERROR, "--to lambda or --to ecs"),
    (["cutover", "--to", "lambda", "--canary", "40"], {}, ExitStatus.ERROR, "at most 15 percent"),
    (["cutover", "--to", "ecs", "--watch", "5m"], {}, ExitStatus.ERROR, "use it with --to lambda"),
    (["cutover", "--to", "lambda", "--watch", "soon"], {}, ExitStatus.ERROR, "give a duration such as"),
    (["cutover", "--promote"], {}, ExitStatus.ERROR, "no canary is running"),
    (["cutover", "--to", "lambda", "--step-watch", "10m"], {}, ExitStatus.ERROR, "use it with --canary"),
    (["cutover", "--to", "lambda", "--canary", "5,10"], {}, ExitStatus.ERROR, "needs --step-watch"),
    (["cutover", "--to", "lambda", "--canary", "10,5", "--step-watch", "1m"], {}, ExitStatus.ERROR,
     "steps must increase"),
    (["cutover", "--to", "lambda", "--watch", "5m", "--breaches", "0"], {}, ExitStatus.ERROR,
     "breaches must be at least 1"),
    (["cutover", "--to", "lambda", "--behavior", "/nope/*"], {}, ExitStatus.CONFIG,
     "behaviour '/nope/*' is not in the distribution"),
    (["rollback"], {"distribution_id": "E0NOSUCHDIST"}, ExitStatus.CONFIG, "does not exist"),
    (["status"], {"distribution_id": "E0NOSUCHDIST"}, ExitStatus.CONFIG, "does not exist"),
])
def test_bad_input_is_one_line_and_changes_nothing(
    stage: Stage, monkeypatch: pytest.MonkeyPatch, args: list[str], toml: dict[str, Any],
    status: ExitStatus, says: str,
) -> None:
    before = stage.config()
    result = _invoke(stage, monkeypatch, [*args, "--yes", "--no-wait"] if args[0] != "status" else args, **toml)
    assert result.exit_code == status, result.output
    assert says in _one_error_line(result)
    assert stage.config() == before and stage.ledger() == []


def test_unknown_environment(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPBOT_CONFIG", str(stage.write_toml()))
    set_ui(UI())
    result = CliRunner().invoke(app, ["--env", "staging", "status"])
    assert result.exit_code == ExitStatus.CONFIG
    assert "unknown environment 'staging' (known: test)" in _one_error_line(result)


@pytest.mark.parametrize(("report", "says"), [
    ({"generated_at": "2020-01-01T00:00:00Z"}, "s old (limit 86400 s)"),
    ({"passed": False}, "found differences"),
])
def test_expired_or_failing_parity_report(
    stage: Stage, monkeypatch: pytest.MonkeyPatch, report: dict[str, Any], says: str
) -> None:
    stage.write_parity_report(**report)
    before = stage.config()
    result = _invoke(stage, monkeypatch, ["cutover", "--to", "lambda", "--yes", "--no-wait"])
    assert result.exit_code == ExitStatus.DIFFERENCES
    line = _one_error_line(result)
    assert "gate 'parity' failed" in line and says in line and "--force" in line
    assert stage.config() == before and stage.ledger() == []


def test_no_credentials(stage: Stage, monkeypatch: pytest.MonkeyPatch) -> None:
    before = stage.config()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(stage.tmp / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(stage.tmp / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = _invoke(stage, monkeypatch, ["cutover", "--to", "lambda", "--yes", "--no-wait"])
    assert result.exit_code == ExitStatus.AWS
    assert "no AWS credentials found" in _one_error_line(result)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    assert stage.config() == before and stage.ledger() == []
