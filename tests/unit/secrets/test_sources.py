"""Local sources read as python-dotenv defines .env files, and pull's writer round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from dotenv import dotenv_values
from shopbot_cli.errors import CliError
from shopbot_cli.secrets.sources import load_dotenv_file, load_source, to_dotenv


def test_dotenv_quotes_export_comments_and_multiline(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(
        "# a comment\n"
        "export ANTHROPIC_API_KEY=sk-ant-1  # trailing comment\n"
        "ES_API_KEY='single # not a comment'\n"
        'PEM="-----BEGIN-----\nline\n-----END-----"\n'
        "REDIS_PASSWORD=\"p\\\"w\"\n"
        "TEMPLATE=${HOME}/x\n"
        "EMPTY=\n"
    )

    values = load_dotenv_file(path).values

    assert values == {
        "ANTHROPIC_API_KEY": "sk-ant-1",
        "ES_API_KEY": "single # not a comment",
        "PEM": "-----BEGIN-----\nline\n-----END-----",
        "REDIS_PASSWORD": 'p"w',
        "TEMPLATE": "${HOME}/x",      # literal: a secret never picks up this shell's environment
        "EMPTY": "",
    }


def test_unparsable_line_is_an_error_with_its_line_number(tmp_path: Path) -> None:
    path = tmp_path / "prod.env"
    path.write_text("A=1\n\n\r\nB='unterminated\nC=3\n")

    with pytest.raises(CliError, match=r"prod.env:4: not a valid dotenv line"):
        load_dotenv_file(path)


def test_key_without_equals_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\n\n# note\nLONELY\n")

    with pytest.raises(CliError, match=r"\.env:4: LONELY has no '='"):
        load_dotenv_file(path)


def test_source_picks_json_by_suffix_and_reads_environment(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text('{"A": "1"}')

    assert load_source(tmp_path / "s.json", None).values == {"A": "1"}
    assert load_source(None, "A, B", environ={"A": "x", "B": "y", "C": "z"}).values == {"A": "x", "B": "y"}


@pytest.mark.parametrize("value", [
    "plain", "", "with space", "  padded  ", "hash # inside", "multi\nline\n", "crlf\r\nline",
    "double \" quote", "single ' quote", "back\\slash", "\\n literal", "trailing\\", "$dollar ${VAR}",
    "tab\there", "ünïcödé ✓", "=equals=", "'quoted-looking'", '"dq-looking"',
])
def test_pulled_text_reads_back_identically(tmp_path: Path, value: str) -> None:
    path = tmp_path / ".env"
    path.write_text(to_dotenv({"KEY": value, "OTHER": "x"}))

    assert dotenv_values(path, interpolate=False) == {"KEY": value, "OTHER": "x"}
    assert load_dotenv_file(path).values == {"KEY": value, "OTHER": "x"}


def test_keys_that_dotenv_cannot_hold_are_refused() -> None:
    with pytest.raises(CliError, match=r"cannot be written to a \.env file: has space \("):
        to_dotenv({"has space": "x", "OK": "y"})
