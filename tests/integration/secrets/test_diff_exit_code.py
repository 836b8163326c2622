"""`secrets diff --exit-code`: a script can tell drift from no drift, as with `git diff --exit-code`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shopbot_cli.errors import ExitStatus

from .conftest import Cli, write_env

BASE = {"ANTHROPIC_API_KEY": "sk-ant-one", "ES_API_KEY": "es-one"}


def test_exit_code_says_whether_the_secret_differs(cli: Cli, sm: Any, tmp_path: Path) -> None:
    write_env(tmp_path / ".env", BASE)
    missing = cli("secrets", "diff", "--exit-code")
    without_flag = cli("secrets", "diff")
    cli.json("secrets", "sync", "--yes")
    in_sync = cli("secrets", "diff", "--exit-code")
    write_env(tmp_path / ".env", {**BASE, "ES_API_KEY": "es-two"})
    drift = cli("secrets", "diff", "--exit-code", "--json")

    assert missing.exit_code == ExitStatus.DIFFERENCES and without_flag.exit_code == 0
    assert in_sync.exit_code == 0 and "In sync." in in_sync.stdout
    assert drift.exit_code == ExitStatus.DIFFERENCES
    document = json.loads(drift.stdout)  # the diff itself, not an error object
    assert "error" not in document and "es-two" not in drift.stdout
