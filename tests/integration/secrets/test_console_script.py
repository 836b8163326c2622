"""The installed `shopbot` console script, as a user runs it, in its own process."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path
from typing import Any

from tests.support import SHOPBOT, clean_env

from .conftest import CANARY, current, write_env


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHOPBOT, *args], cwd=cwd, env=clean_env(), capture_output=True, text=True,
                          timeout=60, check=False)


def test_sync_then_pull_in_a_real_process(aws: str, settings_file: Path, sm: Any, tmp_path: Path) -> None:
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": CANARY, "ES_API_KEY": "es"})

    synced = _run("secrets", "sync", "--yes", "--json", cwd=tmp_path)
    pulled = _run("secrets", "pull", "--to", "copy.env", cwd=tmp_path)

    assert synced.returncode == 0, synced.stderr
    assert json.loads(synced.stdout)["created"] is True
    assert current(sm)[1] == {"ANTHROPIC_API_KEY": CANARY, "ES_API_KEY": "es"}
    assert pulled.returncode == 0, pulled.stderr
    assert stat.S_IMODE((tmp_path / "copy.env").stat().st_mode) == 0o600
    assert CANARY not in synced.stdout + synced.stderr + pulled.stdout + pulled.stderr
