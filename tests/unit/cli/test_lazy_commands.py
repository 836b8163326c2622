"""`shopbot --help` and completion list every command without importing the command modules (issue #20)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import typer.main
from shopbot_cli.commands import COMMANDS, LazyGroup, Placeholder
from shopbot_cli.main import app

HEAVY = ("aiohttp", "boto3", "botocore", "werkzeug", "requests", "flask")

_HELP = r"""
import json, sys
eager, HEAVY = sys.argv[1] == "eager", sys.argv[2:]
import shopbot_cli.commands as commands
if eager:  # what the group showed before it was lazy: every command module registered up front
    original = commands.LazyGroup.__init__
    def load_all(self, **attrs):
        original(self, **attrs)
        for name in commands.COMMANDS:
            self.load(name)
    commands.LazyGroup.__init__ = load_all
from shopbot_cli.main import app
import io, contextlib
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        app(["--help"])
    except SystemExit:
        pass
heavy = [name for name in HEAVY if name in sys.modules]
loaded = sorted(name for name in sys.modules if name.startswith("shopbot_cli.commands."))
print(json.dumps({"help": out.getvalue(), "loaded": loaded, "heavy": heavy}))
"""


def _run_help(mode: str) -> dict[str, object]:
    env = {**os.environ, "COLUMNS": "150", "TERM": "dumb", "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-c", _HELP, mode, *HEAVY], capture_output=True, text=True, env=env,
                            timeout=120, check=True)
    return dict(json.loads(result.stdout))


def test_help_is_the_same_as_with_every_module_loaded_and_imports_none_of_them() -> None:
    lazy, eager = _run_help("lazy"), _run_help("eager")
    assert lazy["help"] == eager["help"]
    for name, entry in COMMANDS.items():
        assert name in str(lazy["help"]) and entry.help[:40] in str(lazy["help"])
    assert lazy["loaded"] == [] and lazy["heavy"] == []
    assert eager["loaded"]  # the comparison above was against the real commands


def test_every_placeholder_carries_its_real_commands_short_help() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)
    assert all(isinstance(group.commands[name], Placeholder) for name in COMMANDS)
    for name, entry in COMMANDS.items():
        real = group.load(name)
        assert not isinstance(real, Placeholder)
        assert (real.short_help or real.help or "").split("\n\n")[0].strip() == entry.help, name
        assert not real.hidden and not real.deprecated
        assert not getattr(real, "rich_help_panel", None)
    # every module registers only commands the registry names: none would be missing from --help
    assert set(group.commands) == set(COMMANDS)


def _complete(words: str) -> list[str]:
    cword = len(words.split()) if words.endswith(" ") else len(words.split()) - 1
    env = {**os.environ, "_SHOPBOT_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    result = subprocess.run([sys.executable, "-c", "from shopbot_cli.main import app; app(prog_name='shopbot')"],
                            capture_output=True,
                            text=True, env=env, timeout=120, check=False)
    return result.stdout.split()


@pytest.mark.parametrize(("words", "expected"), [
    ("shopbot ", ["serve", "build", "parity-check", "cutover", "rollback", "status", "deploy", "demo", "cost", "logs",
                  "invoke", "shadow", "secrets", "settings"]),
    ("shopbot s", ["serve", "status", "shadow", "secrets", "settings"]),
    ("shopbot --env x d", ["deploy", "demo"]),
    ("shopbot build --t", ["--target"]),
    ("shopbot secrets ", ["diff", "sync", "pull", "rollback", "check"]),
    ("shopbot settings s", ["show"]),
    ("shopbot cutover --", ["--to", "--canary", "--step-watch", "--promote", "--behavior", "--watch", "--lag",
                            "--min-requests", "--max-error-rate", "--max-5xx-excess", "--p99-ratio", "--p99-slack-ms",
                            "--max-throttles", "--breaches", "--force", "--no-wait", "--env", "--json", "--yes",
                            "--dry-run", "--help"]),
])
def test_tab_completion_is_what_it_was_before_commands_became_lazy(words: str, expected: list[str]) -> None:
    assert _complete(words) == expected
