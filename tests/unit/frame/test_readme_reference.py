"""The README's command reference lists every command with an example, and every exit code."""

from __future__ import annotations

import re
from pathlib import Path

from shopbot_cli.errors import ExitStatus

from tests.unit.frame.test_errors_and_help import all_commands

README = Path(__file__).resolve().parents[3] / "README.md"


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(title)
    following = re.search(r"\n##+ ", text[start + len(title):])
    return text[start: start + len(title) + (following.start() if following else len(text))]


def test_every_command_has_a_row_with_an_example() -> None:
    rows = {}
    for line in section("### Command reference").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[1]

    for path in all_commands():
        name = " ".join(path)
        assert name in rows, f"README command reference lacks `{name}`"
        assert f"shopbot {name}" in rows[name], rows[name]


def test_every_exit_code_is_documented() -> None:
    documented = {int(match) for match in re.findall(r"^\| (\d+) \|", section("## Exit codes"), re.MULTILINE)}

    assert documented == {int(status) for status in ExitStatus}
