"""The house by feature: one package per command group, every file under the quality gates."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FRAME = {"__init__.py", "main.py", "options.py", "ui.py", "errors.py", "plan.py"}


def _python_files(top: str) -> list[Path]:
    return sorted(p for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts)


def test_cli_top_level_holds_only_the_shared_frame() -> None:
    loose = sorted(p.name for p in (ROOT / "cli").glob("*.py") if p.name not in FRAME)
    assert loose == [], f"feature modules belong in a package of their command group: {loose}"


@pytest.mark.parametrize("top", ["cli", "shopbot"])
def test_every_folder_of_code_is_a_documented_package(top: str) -> None:
    folders = {p.parent for p in _python_files(top)}
    for folder in folders:
        init = folder / "__init__.py"
        assert init.is_file(), f"{folder.relative_to(ROOT)} has no __init__.py: packaging and mypy would miss it"
        assert ast.get_docstring(ast.parse(init.read_text())), f"{init.relative_to(ROOT)} says nothing of its job"


def test_the_service_never_imports_the_toolkit() -> None:
    for path in _python_files("shopbot"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module)
            assert not any(n.split(".")[0] == "shopbot_cli" for n in names), f"{path.relative_to(ROOT)} imports cli/"


def test_ruff_checks_every_file_of_both_packages() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        found = shutil.which("ruff")
        if found is None:
            pytest.skip("ruff is not installed in this environment (pip install -e '.[dev]')")
        ruff = Path(found)
    shown = subprocess.run([str(ruff), "check", "--show-files", "."], cwd=ROOT, capture_output=True, text=True)
    checked = {Path(line.strip()).resolve() for line in shown.stdout.splitlines() if line.strip().endswith(".py")}
    unchecked = [str(p.relative_to(ROOT)) for top in ("cli", "shopbot") for p in _python_files(top) if p not in checked]
    assert unchecked == []


def test_mypy_is_pointed_at_both_packages_whole() -> None:
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert set(mypy["files"]) == {"shopbot", "cli"} and "exclude" not in mypy
