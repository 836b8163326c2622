"""`shopbot secrets check` against a Lambda function, IAM role and ECS service created in moto."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shopbot_cli.errors import ExitStatus

from .conftest import SECRET, Cli, wire_targets, write_env

KEYS = {"ANTHROPIC_API_KEY": "sk-ant-x", "ES_API_KEY": "es-x", "REDIS_PASSWORD": "redis-x"}


def _synced(cli: Cli, tmp_path: Path) -> str:
    write_env(tmp_path / ".env", KEYS)
    return str(cli.json("secrets", "sync", "--yes")["arn"])


def test_matching_wiring_passes(cli: Cli, tmp_path: Path) -> None:
    arn = _synced(cli, tmp_path)
    wire_targets(arn, lambda_secret=SECRET,
                 policy_resource="arn:aws:secretsmanager:us-east-1:123456789012:secret:flean-services/shopbot-*",
                 ecs_secrets=[{"name": key, "valueFrom": f"{arn}:{key}::"} for key in KEYS])

    report = cli.json("secrets", "check")
    human = cli("secrets", "check")

    assert report["ok"] is True and report["findings"] == []
    assert report["lambda_keys"] == report["ecs_keys"] == sorted(KEYS)
    assert human.exit_code == 0 and "both targets read the same secret keys" in human.stdout


def test_lambda_may_name_the_secret_by_arn(cli: Cli, tmp_path: Path) -> None:
    arn = _synced(cli, tmp_path)
    wire_targets(arn, lambda_secret=arn, policy_resource=arn,
                 ecs_secrets=[{"name": key, "valueFrom": f"{arn}:{key}::"} for key in KEYS])

    assert cli.json("secrets", "check")["ok"] is True


def test_ecs_without_a_task_execution_role_cannot_fetch_secrets(cli: Cli, tmp_path: Path) -> None:
    arn = _synced(cli, tmp_path)
    wire_targets(arn, lambda_secret=SECRET, policy_resource=arn, execution_role=False,
                 ecs_secrets=[{"name": key, "valueFrom": f"{arn}:{key}::"} for key in KEYS])

    result = cli("secrets", "check", "--json")

    assert result.exit_code == ExitStatus.DIFFERENCES
    findings = json.loads(result.stdout)["findings"]
    assert [(f["target"], f["problem"]) for f in findings] == [
        ("ecs", "task definition shopbot:1 has no executionRoleArn: ECS cannot fetch its secrets")]


def test_mismatched_wiring_lists_every_problem_and_exits_1(cli: Cli, tmp_path: Path) -> None:
    arn = _synced(cli, tmp_path)
    wire_targets(
        arn, lambda_secret="flean-services/other", policy_resource=None,
        lambda_env={"ANTHROPIC_API_KEY": "plaintext-override"},
        ecs_secrets=[
            {"name": "ANTHROPIC_API_KEY", "valueFrom": f"{arn}:ANTHROPIC_API_KEY::"},
            {"name": "ES_API_KEY", "valueFrom": f"{arn}:ES_KEY::"},
            {"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/db"},
        ])

    result = cli("secrets", "check", "--json")
    human = cli("secrets", "check")

    assert result.exit_code == ExitStatus.DIFFERENCES
    report = json.loads(result.stdout)
    problems = [(f["target"], f["problem"]) for f in report["findings"]]
    text = "\n".join(problem for _, problem in problems)
    assert "SECRETS_MANAGER_SECRET names 'flean-services/other'" in text
    assert ("lambda", "role shopbot-lambda has no policy allowing secretsmanager:GetSecretValue on "
            f"{arn}") in problems
    assert ("ecs", "role shopbot-lambda has no policy allowing secretsmanager:GetSecretValue on "
            f"{arn}") in problems
    assert "sets ANTHROPIC_API_KEY directly in its environment" in text
    assert "reads key ES_KEY, which the secret does not have" in text
    assert "DB_PASSWORD comes from arn:aws:ssm" in text
    assert "lacks ES_API_KEY" in text and "lacks REDIS_PASSWORD" in text
    assert "lacks ANTHROPIC_API_KEY" not in text
    assert all(f["fix"] for f in report["findings"])
    assert report["ecs_keys"] == ["ANTHROPIC_API_KEY"]
    assert human.exit_code == ExitStatus.DIFFERENCES
    assert "fix: add {name: REDIS_PASSWORD, valueFrom: " in human.stdout and "8 wiring mismatch(es)" in human.stderr
    assert "plaintext-override" not in result.stdout + human.stdout + human.stderr


def test_check_needs_the_targets_configured(cli: Cli, tmp_path: Path, settings_file: Path) -> None:
    settings_file.write_text(settings_file.read_text().replace('lambda_function = "shopbot"\n', ""))

    result = cli("secrets", "check")

    assert result.exit_code == ExitStatus.CONFIG and "`lambda_function`" in result.stderr


def test_check_reports_a_missing_lambda_function_as_config(cli: Cli, tmp_path: Path, sm: Any) -> None:
    _synced(cli, tmp_path)

    result = cli("secrets", "check")

    assert result.exit_code == ExitStatus.CONFIG
    assert "Lambda function shopbot not found: check `lambda_function`" in result.stderr
