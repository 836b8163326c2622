"""The frame every command shares: usage errors, --json errors, -h, help text, completion, one name per idea."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from shopbot_cli.main import app
from shopbot_cli.ui import UI, set_ui
from typer.main import get_command
from typer.testing import CliRunner, Result


def run(*args: str) -> Result:
    set_ui(UI())
    return CliRunner().invoke(app, list(args))


def all_commands() -> list[list[str]]:
    """Every leaf command's path, e.g. ["secrets", "diff"]."""
    found: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children is None:
            found.append(path)
            return
        load = getattr(command, "load", None)  # the lazy root: a placeholder stands in until loaded
        for name, child in list(children.items()):
            walk(load(name) if load else child, [*path, name])

    walk(get_command(app), [])
    return found


@pytest.fixture(autouse=True)
def no_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("SHOPBOT_CONFIG", "SHOPBOT_ENV", "AWS_PROFILE", "AWS_ENDPOINT_URL", "SHOPBOT_SECRET_NAME"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("args", "says"),
    [(["serve", "--target", "foo"], "invalid value for '--target'"),
     (["serve", "--tagret", "ecs"], "no such option: --tagret"),
     (["deploy"], "missing option '--target'"),
     (["nosuch"], "no such command 'nosuch'"),
     (["build", "--concurrency", "x"], "no such option: --concurrency")],
)
def test_usage_errors_are_one_error_line_not_a_panel(args: list[str], says: str) -> None:
    result = run(*args)

    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert says in result.stderr and "--help" in result.stderr
    assert "╭" not in result.stderr and "Usage:" not in result.stderr and result.stdout == ""


def test_a_name_with_a_line_break_stays_on_the_one_error_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPBOT_ENV", "qa\nerror: forged\x1b[2J")
    result = run("status")

    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1 and "\x1b" not in result.stderr, result.stderr
    assert "unknown environment 'qa\\nerror: forged\\x1b[2J'" in result.stderr


def test_with_json_a_usage_error_is_a_json_object_on_stdout() -> None:
    result = run("--json", "serve", "--target", "foo")

    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["exit_code"] == 2 and "'foo' is not one of 'ecs', 'lambda'" in document["error"]


def test_with_json_a_user_error_is_a_json_object_on_stdout() -> None:
    result = run("status", "--json")  # no settings file: distribution_id is missing

    assert result.exit_code == 3
    assert json.loads(result.stdout) == {"error": " ".join(result.stderr.removeprefix("error: ").split()),
                                         "exit_code": 3}


@pytest.mark.parametrize("path", [[], *all_commands()], ids=lambda path: " ".join(path) or "root")
def test_every_command_has_short_help_examples_and_no_bool_metavar(path: list[str]) -> None:
    result = run(*path, "-h")

    assert result.exit_code == 0, result.stderr
    assert "<bool>" not in result.stdout
    if path:
        assert "Examples:" in result.stdout and f"$ shopbot {' '.join(path)}" in result.stdout


def test_help_keeps_square_brackets_and_does_not_claim_a_wrong_default() -> None:
    terraform = run("settings", "import-terraform", "--help")
    show = run("settings", "show", "--help")

    assert "Fill [environments.ENV] from Terraform outputs" in " ".join(terraform.stdout.split())
    flat = " ".join(show.stdout.split())
    assert "default: local)" not in flat and "default_env" in flat


def test_debug_is_accepted_after_any_command() -> None:
    result = run("status", "--debug")

    assert result.exit_code == 3  # the settings error, now with its traceback on stderr
    assert "Traceback" in result.stderr and "error: environment 'local' has no `distribution_id`" in result.stderr


def test_old_spellings_are_still_accepted(tmp_path: Path) -> None:
    smoke = run("parity-check", "--save-smoke", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "r"))
    behaviours = tmp_path / "shopbot.toml"
    behaviours.write_text('[environments.local]\nbehaviours = ["default", "/api/*"]\n')
    shown = run("settings", "show", "--json")

    assert smoke.exit_code == 0, smoke.stderr
    assert json.loads(shown.stdout)["behaviors"] == ["default", "/api/*"]
    assert "--out " not in run("parity-check", "--help").stdout  # accepted, not documented


def test_secrets_refuse_the_built_in_example_secret_name() -> None:
    result = run("secrets", "diff", "--from-env", "HOME")

    assert result.exit_code == 3
    assert "names no secret" in result.stderr and "SHOPBOT_SECRET_NAME" in result.stderr


# --- completion, through the protocol the installed shell scripts speak, in a subprocess ---


def complete(words: str, tmp_path: Path, shell: str = "bash") -> list[str]:
    """What `shell` completion offers for `shopbot <words>` (the last word is being completed)."""
    env = {**os.environ, "_SHOPBOT_COMPLETE": f"complete_{shell}", "COMP_WORDS": f"shopbot {words}",
           "COMP_CWORD": str(len(words.split(" "))), "_TYPER_COMPLETE_ARGS": f"shopbot {words}",
           "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    script = "from shopbot_cli.main import app; app(prog_name='shopbot')"
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return [line.split("\t")[0] for line in result.stdout.splitlines()]


def test_choices_complete(tmp_path: Path) -> None:
    (tmp_path / "shopbot.toml").write_text("[environments.staging]\n[environments.production]\n[environments.qa]\n")

    assert complete("cutover --to ", tmp_path) == ["lambda", "ecs"]
    assert complete("build --python 3.1", tmp_path) == ["3.11", "3.12", "3.13"]
    assert complete("status --env ", tmp_path) == ["production", "qa", "staging"]
    assert complete("deploy --target e", tmp_path, shell="fish") == ["ecs"]
    assert complete("--env pro", tmp_path, shell="fish") == ["production"]


def test_choice_completion_functions() -> None:
    """The same callbacks, in process: what --target/--arch offer for a prefix."""
    from shopbot_cli.options import choices

    assert choices("x86_64", "arm64")("a") == ["arm64"] and choices("lambda", "ecs")("") == ["lambda", "ecs"]
