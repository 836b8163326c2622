"""Reading the lock and validating the target: the errors a user sees before any download."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from shopbot_cli.errors import CliError
from shopbot_cli.package.pins import Pin, canonical, check_runtime_set, read_pins
from shopbot_cli.package.target import Target, find_interpreter


def test_pins_follow_includes_and_normalise_names(tmp_path: Path) -> None:
    (tmp_path / "runtime.txt").write_text("# runtime\nFlask==3.1.3\ntyping_extensions==4.16.0  # note\n\n")
    (tmp_path / "ecs.txt").write_text("-r runtime.txt\ngunicorn==27.0.1\n")
    assert read_pins(tmp_path / "ecs.txt") == [
        Pin("flask", "3.1.3"), Pin("gunicorn", "27.0.1"), Pin("typing-extensions", "4.16.0")
    ]
    assert canonical("Jinja2") == "jinja2" and canonical("aws_lambda.powertools") == "aws-lambda-powertools"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("flask>=3\n", "is not an exact pin"),
        ("flask==3.1.3\nFlask==3.1.2\n", "pinned twice"),
        ("# nothing\n", "no pinned requirements"),
    ],
)
def test_loose_or_broken_locks_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    lock = tmp_path / "runtime.txt"
    lock.write_text(text)
    with pytest.raises(CliError, match=expected):
        read_pins(lock)


def test_missing_lock_names_the_file_and_the_flag(tmp_path: Path) -> None:
    with pytest.raises(CliError, match=r"nope\.txt not found: pass --requirements"):
        read_pins(tmp_path / "nope.txt")


def test_a_binary_lock_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    lock = tmp_path / "runtime.txt"
    lock.write_bytes(b"flask==3.1.3\n\xff\xfe\x00")
    with pytest.raises(CliError, match=r"runtime\.txt: not UTF-8 text \(byte 13\)"):
        read_pins(lock)


def test_toolkit_dependencies_in_the_runtime_set_fail_loudly() -> None:
    pins = [Pin("flask", "3.1.3"), Pin("rich", "13.7.1"), Pin("aiohttp", "3.9.0"), Pin("click", "8.5.1")]
    with pytest.raises(CliError, match="pins aiohttp, rich: toolkit dependencies") as raised:
        check_runtime_set(pins, Path("requirements/runtime.txt"))
    assert "click" not in str(raised.value)  # Flask's own dependency is not a toolkit one


def test_target_validation() -> None:
    assert Target.parse("3.12", "arm64").platform == "manylinux2014_aarch64"
    assert Target.parse("3.11", "x86_64").slug == "3.11-x86_64"
    with pytest.raises(CliError, match=r"unknown --python '3\.10'"):
        Target.parse("3.10", "x86_64")
    with pytest.raises(CliError, match="unknown --arch 'amd64'"):
        Target.parse("3.12", "amd64")


def test_interpreter_search_uses_pyenv_versions_and_checks_the_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "versions" / "3.12.9" / "bin" / "python3.12"
    fake.parent.mkdir(parents=True)
    # A fake "3.12" that reports being 3.11: it must be rejected, not trusted by its name.
    fake.write_text("#!/bin/sh\necho /fake/python3.12\necho CPython 3.11.7\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # nothing on PATH: only the pyenv root counts
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    assert find_interpreter("3.12") is None
    fake.write_text("#!/bin/sh\necho /fake/python3.12\necho CPython 3.12.9\n")
    found = find_interpreter("3.12")
    assert found is not None and found.version == "3.12.9" and found.label == "CPython 3.12.9"
