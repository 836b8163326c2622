"""rollback and pull against the moto server, through the real CLI."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from shopbot_cli.errors import ExitStatus
from shopbot_cli.secrets.sources import load_dotenv_file

from .conftest import SECRET, Cli, current, version_count, write_env

TRICKY = {
    "ANTHROPIC_API_KEY": "sk-ant-plain",
    "MULTILINE": "-----BEGIN KEY-----\nabc\ndef\n-----END KEY-----\n",
    "QUOTES": "it's \"quoted\" and 'single'",
    "BACKSLASHES": "C:\\path\\n\\t not a newline \\\" end\\",
    "HASH_AND_SPACES": "  value # not a comment  ",
    "DOLLARS": "pa$$word ${HOME} $USER",
    "UNICODE": "päss—wörd ✓",
    "EMPTY": "",
    "CRLF": "line1\r\nline2",
}


def test_rollback_restores_the_previous_version(cli: Cli, sm: Any, tmp_path: Path) -> None:
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": "one"})
    first = cli.json("secrets", "sync", "--yes")
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": "two"})
    second = cli.json("secrets", "sync", "--yes")

    dry = cli.json("secrets", "rollback", "--dry-run")
    assert dry["applied"] is False and current(sm) == (second["version_id"], {"ANTHROPIC_API_KEY": "two"})
    assert [e["change"] for e in dry["keys"]] == ["changed"]

    result = cli.json("secrets", "rollback", "--yes")

    assert result["to_version"] == first["version_id"] and result["from_version"] == second["version_id"]
    assert current(sm) == (first["version_id"], {"ANTHROPIC_API_KEY": "one"})
    stages = sm.describe_secret(SecretId=SECRET)["VersionIdsToStages"]
    assert stages[second["version_id"]] == ["AWSPREVIOUS"]


def test_sync_after_rollback_makes_the_new_values_current_again(cli: Cli, sm: Any, tmp_path: Path) -> None:
    """A token from the content alone would equal the rolled-back version's and AWS would ignore the put."""
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": "one"})
    first = cli.json("secrets", "sync", "--yes")
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": "two"})
    second = cli.json("secrets", "sync", "--yes")
    cli.json("secrets", "rollback", "--yes")

    again = cli.json("secrets", "sync", "--yes")

    assert again["applied"] is True and again["version_id"] not in (first["version_id"], second["version_id"])
    assert version_count(sm) == 3
    stages = sm.describe_secret(SecretId=SECRET)["VersionIdsToStages"]
    assert "AWSCURRENT" in stages[again["version_id"]]
    # Real AWS now has only this version AWSCURRENT. moto 5.2.5 also leaves the label on the
    # rolled-back version (update_secret_version_stage does not update its default_version_id),
    # so GetSecretValue(AWSCURRENT) is not asserted here.


def test_rollback_without_a_previous_version_refuses(cli: Cli, tmp_path: Path) -> None:
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": "one"})
    cli.json("secrets", "sync", "--yes")

    result = cli("secrets", "rollback", "--yes")

    assert result.exit_code == ExitStatus.ERROR and "no previous version" in result.stderr


def test_pull_writes_mode_0600_and_round_trips_through_dotenv(cli: Cli, sm: Any, tmp_path: Path) -> None:
    sm.create_secret(Name=SECRET, SecretString=json.dumps(TRICKY))

    result = cli.json("secrets", "pull", "--to", "pulled.env")

    path = tmp_path / "pulled.env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert result["keys"] == sorted(TRICKY)
    assert dotenv_values(path, interpolate=False) == TRICKY
    assert load_dotenv_file(path).values == TRICKY
    # and what was pulled syncs back as a no-op
    assert cli.json("secrets", "sync", "--yes", "--from", "pulled.env")["changed"] is False
    assert version_count(sm) == 1


def test_pull_refuses_to_overwrite_without_force(cli: Cli, sm: Any, tmp_path: Path) -> None:
    sm.create_secret(Name=SECRET, SecretString='{"ANTHROPIC_API_KEY": "abc"}')
    existing = tmp_path / ".env"
    existing.write_text("KEEP=me\n")
    existing.chmod(0o644)

    refused = cli("secrets", "pull")
    assert refused.exit_code == ExitStatus.ERROR and "--force" in refused.stderr
    assert existing.read_text() == "KEEP=me\n"

    forced = cli("secrets", "pull", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert dotenv_values(existing) == {"ANTHROPIC_API_KEY": "abc"}
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_pull_to_json(cli: Cli, sm: Any, tmp_path: Path) -> None:
    sm.create_secret(Name=SECRET, SecretString=json.dumps(TRICKY))

    cli.json("secrets", "pull", "--to", "values.json")

    assert json.loads((tmp_path / "values.json").read_text()) == TRICKY
    assert stat.S_IMODE((tmp_path / "values.json").stat().st_mode) == 0o600
