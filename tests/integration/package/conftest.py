"""One wheel cache and one frozen copy of the project for the whole build suite.

Building downloads wheels from PyPI (allowed) and compiles with the target interpreter, so
the suite shares a session cache: the first build pays, the rest reuse it. The project is
copied once so edits made meanwhile to the work tree cannot change what two builds see.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from shopbot_cli.main import app
from shopbot_cli.package.target import Interpreter, find_interpreter
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[3]
runner = CliRunner()


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.stdout))


@pytest.fixture(scope="session")
def build_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shopbot-cache")


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("shopbot", "requirements", "deploy/ecs"):
        shutil.copytree(REPO / name, root / name, ignore=ignore)
    return root


@pytest.fixture(scope="session")
def py312() -> Interpreter | None:
    return find_interpreter("3.12")


def need_312(interpreter: Interpreter | None) -> Interpreter:
    if interpreter is None:
        pytest.skip("no CPython 3.12 on PATH or under pyenv: target bytecode and --verify cannot run here")
    return interpreter


def shopbot_build(*args: str, cwd: Path, cache: Path, env: dict[str, str] | None = None) -> Run:
    """`shopbot build ...` through the real CLI, run from `cwd` with the given cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        patch.setenv("SHOPBOT_CACHE_DIR", str(cache))
        for key, value in (env or {}).items():
            patch.setenv(key, value)
        result = runner.invoke(app, ["build", *args])
    return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def lambda_build(project: Path, build_cache: Path) -> Run:
    """The real runtime set built once for 3.12 x86_64 (the default target)."""
    run = shopbot_build("--json", "--output", str(project / "dist"), cwd=project, cache=build_cache)
    assert run.exit_code == 0, run.stderr
    return run
