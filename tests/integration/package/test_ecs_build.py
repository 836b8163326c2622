"""`shopbot build --target ecs`: no engine here, the exact context, and `--compare` with the Lambda zip."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from shopbot_cli.errors import ExitStatus

from .conftest import Run, shopbot_build


def _engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False, timeout=30).returncode == 0


def test_without_an_engine_it_says_so_and_points_to_context_only(project: Path, build_cache: Path,
                                                                 tmp_path: Path) -> None:
    if _engine_answers():
        pytest.skip("a Docker engine answers on this machine: the no-engine error cannot be shown")
    run = shopbot_build("--target", "ecs", "--output", str(tmp_path), cwd=project, cache=build_cache)
    assert run.exit_code == ExitStatus.ERROR
    assert "no Docker engine answers" in run.stderr or "no `docker` command" in run.stderr
    assert "--context-only DIR" in run.stderr
    assert not list(tmp_path.iterdir())


def test_context_only_then_compare_finds_no_difference(lambda_build: Run, project: Path, build_cache: Path,
                                                       tmp_path: Path) -> None:
    dist = project / "dist"
    context = tmp_path / "context"
    run = shopbot_build("--target", "ecs", "--json", "--context-only", str(context), "--output", str(dist),
                        cwd=project, cache=build_cache)
    assert run.exit_code == 0, run.stderr
    manifest = run.json
    assert manifest["built"] is False and manifest["image"].startswith("shopbot:")
    assert manifest["packages"]["gunicorn"] == "27.0.1" and manifest["packages"]["flask"] == "3.1.3"
    assert (context / "deploy/ecs/Dockerfile").is_file() and (context / "shopbot/wsgi.py").is_file()
    assert json.loads((dist / "shopbot-ecs.manifest.json").read_text()) == manifest
    compared = shopbot_build("--compare", "--json", "--output", str(dist), cwd=project, cache=build_cache)
    assert compared.exit_code == 0, compared.stderr
    assert compared.json["differences"] == []
    assert "gunicorn: ECS-only (27.0.1)" in compared.json["notes"]


def test_compare_reports_a_version_skew(lambda_build: Run, project: Path, build_cache: Path, tmp_path: Path) -> None:
    skewed = tmp_path / "ecs.txt"
    text = (project / "requirements" / "runtime.txt").read_text().replace("Flask==3.1.3", "Flask==3.1.2")
    skewed.write_text(text + "gunicorn==27.0.1\n")
    run = shopbot_build("--compare", "--requirements", str(skewed), "--output", str(project / "dist"),
                        cwd=project, cache=build_cache)
    assert run.exit_code == ExitStatus.DIFFERENCES
    assert "1 version differences between the Lambda zip and the ECS image" in run.stderr
    assert "flask" in run.stdout and "3.1.2" in run.stdout
