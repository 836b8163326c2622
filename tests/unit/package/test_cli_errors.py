"""Bad input through the real CLI: one line, exit 2, nothing written, no download attempted."""

from __future__ import annotations

from pathlib import Path

import pytest
from shopbot_cli.main import app
from typer.testing import CliRunner

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--arch", "sparc"], "unknown --arch 'sparc': use one of x86_64, arm64"),
        (["--python", "3.9"], "unknown --python '3.9': Lambda runtimes supported here are 3.11, 3.12, 3.13"),
        (["--target", "k8s"], "unknown --target 'k8s': use lambda or ecs"),
        (["--requirements", "missing.txt"], "requirements file missing.txt not found: pass --requirements PATH"),
        (["--target", "lambda", "--push"], "--push and --context-only apply to --target ecs only"),
        (["--target", "ecs", "--verify"], "--verify and --bundle-sdk apply to --target lambda only"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths resolve here; the project is found through the install
    monkeypatch.setenv("SHOPBOT_CACHE_DIR", str(tmp_path / "cache"))
    result = runner.invoke(app, ["build", *args, "--output", str(tmp_path / "dist")])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "dist").exists() and not (tmp_path / "cache").exists()


def test_a_toolkit_dependency_in_the_lock_stops_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = tmp_path / "runtime.txt"
    lock.write_text("flask==3.1.3\ntyper==0.12.5\n")
    monkeypatch.setenv("SHOPBOT_CACHE_DIR", str(tmp_path / "cache"))
    result = runner.invoke(app, ["build", "--requirements", str(lock), "--output", str(tmp_path / "dist")])
    assert result.exit_code == 2
    assert "pins typer: toolkit dependencies must never ship with the service" in result.stderr
    assert not (tmp_path / "cache").exists()


def test_compare_without_a_lambda_build_says_what_to_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "--compare", "--output", str(tmp_path)])
    assert result.exit_code == 2
    assert "run `shopbot build --target lambda` first" in result.stderr


def test_push_without_a_repository_setting_stops_before_docker(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPBOT_CONFIG", str(tmp_path / "shopbot.toml"))
    (tmp_path / "shopbot.toml").write_text('[environments.local]\nregion = "us-east-1"\n')
    result = runner.invoke(app, ["build", "--target", "ecs", "--push", "--output", str(tmp_path / "dist")])
    assert result.exit_code == 3
    assert "has no `ecr_repository`: set it under" in result.stderr
    assert not (tmp_path / "dist").exists()
