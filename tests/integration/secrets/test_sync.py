"""diff and sync against the moto server, through the real CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shopbot_cli.errors import ExitStatus

from .conftest import SECRET, Cli, current, version_count, write_env

BASE = {"ANTHROPIC_API_KEY": "sk-ant-one", "ES_API_KEY": "es-one", "REDIS_PASSWORD": "redis-one"}


def test_sync_creates_the_secret_with_kms_key_and_tags(cli: Cli, sm: Any, tmp_path: Path) -> None:
    write_env(tmp_path / ".env", BASE)

    result = cli.json("secrets", "sync", "--yes")

    assert result["created"] is True and result["applied"] is True
    version, values = current(sm)
    assert values == BASE and result["version_id"] == version
    described = sm.describe_secret(SecretId=SECRET)
    assert described["KmsKeyId"] == "alias/shopbot-secrets"
    assert {t["Key"]: t["Value"] for t in described["Tags"]} == {"team": "flean", "service": "shopbot"}


def test_second_sync_is_a_no_op_with_the_same_version(cli: Cli, sm: Any, tmp_path: Path) -> None:
    write_env(tmp_path / ".env", BASE)
    first = cli.json("secrets", "sync", "--yes")
    puts: list[str] = []
    cli.hook("before-call.secretsmanager.PutSecretValue", lambda **kw: puts.append("put"))
    cli.hook("before-call.secretsmanager.CreateSecret", lambda **kw: puts.append("create"))

    second = cli.json("secrets", "sync", "--yes")

    assert second["changed"] is False and second["applied"] is False
    assert second["version_id"] == first["version_id"] == current(sm)[0]
    assert puts == [] and version_count(sm) == 1


def test_sync_changes_one_key_in_one_put_and_keeps_remote_only_keys(cli: Cli, sm: Any, tmp_path: Path) -> None:
    write_env(tmp_path / ".env", BASE)
    cli.json("secrets", "sync", "--yes")
    puts: list[str] = []
    cli.hook("before-call.secretsmanager.PutSecretValue", lambda **kw: puts.append("put"))
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": "sk-ant-two", "NEW_FLAG": "on"})

    result = cli.json("secrets", "sync", "--yes")

    changes = {entry["key"]: entry["change"] for entry in result["keys"]}
    assert changes == {"ANTHROPIC_API_KEY": "changed", "NEW_FLAG": "added", "ES_API_KEY": "kept",
                       "REDIS_PASSWORD": "kept"}
    assert puts == ["put"]
    assert current(sm)[1] == {**BASE, "ANTHROPIC_API_KEY": "sk-ant-two", "NEW_FLAG": "on"}


def test_prune_removes_keys_the_source_lacks(cli: Cli, sm: Any, tmp_path: Path) -> None:
    write_env(tmp_path / ".env", BASE)
    cli.json("secrets", "sync", "--yes")
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": "sk-ant-one"})

    result = cli.json("secrets", "sync", "--yes", "--prune")

    assert {e["key"]: e["change"] for e in result["keys"]}["ES_API_KEY"] == "removed"
    assert current(sm)[1] == {"ANTHROPIC_API_KEY": "sk-ant-one"}


def test_diff_lists_each_key_masked(cli: Cli, sm: Any, tmp_path: Path) -> None:
    write_env(tmp_path / ".env", BASE)
    cli.json("secrets", "sync", "--yes")
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": "sk-ant-two", "ES_API_KEY": "es-one", "EXTRA": "x"})

    result = cli.json("secrets", "diff")
    human = cli("secrets", "diff")

    assert {e["key"]: e["change"] for e in result["keys"]} == {
        "ANTHROPIC_API_KEY": "changed", "ES_API_KEY": "unchanged", "EXTRA": "added", "REDIS_PASSWORD": "removed"}
    assert result["in_sync"] is False
    anthropic = next(e for e in result["keys"] if e["key"] == "ANTHROPIC_API_KEY")
    assert anthropic["local"].startswith("••••••(len 10, sha256:") and anthropic["local"] != anthropic["remote"]
    assert human.exit_code == 0 and "sk-ant-two" not in human.stdout and "REDIS_PASSWORD" in human.stdout


def test_diff_of_a_missing_secret_shows_every_key_added(cli: Cli, tmp_path: Path) -> None:
    write_env(tmp_path / ".env", BASE)

    result = cli.json("secrets", "diff")

    assert result["exists"] is False and {e["change"] for e in result["keys"]} == {"added"}


def test_sources_json_file_and_environment(cli: Cli, sm: Any, tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "values.json").write_text('{"ANTHROPIC_API_KEY": "from-json"}')
    cli.json("secrets", "sync", "--yes", "--from", "values.json")
    assert current(sm)[1] == {"ANTHROPIC_API_KEY": "from-json"}

    monkeypatch.setenv("ANTHROPIC_API_KEY", "from-env")
    monkeypatch.setenv("ES_API_KEY", "es-env")
    cli.json("secrets", "sync", "--yes", "--from-env", "ANTHROPIC_API_KEY,ES_API_KEY")
    assert current(sm)[1] == {"ANTHROPIC_API_KEY": "from-env", "ES_API_KEY": "es-env"}


def test_required_key_missing_or_empty_refuses_naming_it(cli: Cli, sm: Any, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text('ANTHROPIC_API_KEY=""\nES_API_KEY=es\n')

    result = cli("secrets", "sync", "--yes")

    assert result.exit_code == ExitStatus.ERROR
    assert "required keys missing or empty" in result.stderr and "ANTHROPIC_API_KEY" in result.stderr
    assert sm.list_secrets()["SecretList"] == []


def test_dry_run_and_declined_plan_change_nothing(cli: Cli, sm: Any, tmp_path: Path) -> None:
    write_env(tmp_path / ".env", BASE)
    cli.json("secrets", "sync", "--yes")
    write_env(tmp_path / ".env", {**BASE, "ANTHROPIC_API_KEY": "sk-ant-two"})

    dry = cli.json("secrets", "sync", "--dry-run")
    declined = cli("secrets", "sync", input="n\n")

    assert dry["dry_run"] is True and dry["applied"] is False and dry["plan"]["steps"]
    assert declined.exit_code == ExitStatus.ABORTED
    assert current(sm)[1] == BASE and version_count(sm) == 1


def test_human_sync_shows_the_plan_then_confirms(cli: Cli, sm: Any, tmp_path: Path) -> None:
    write_env(tmp_path / ".env", BASE)

    result = cli("secrets", "sync", "--yes")

    assert result.exit_code == 0, result.stderr
    assert "create secret flean-services/shopbot" in result.stdout
    assert "+ ANTHROPIC_API_KEY: ••••••(len 10" in result.stdout
    assert "version" in result.stdout and "is current" in result.stdout
