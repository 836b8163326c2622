"""`shopbot serve` bad input through the real CLI: one line, a documented exit code, nothing started."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from shopbot_cli.errors import ExitStatus
from shopbot_cli.main import app
from typer.testing import CliRunner

from tests.support import clean_env, free_port, wait_for_port

runner = CliRunner()


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def serve(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["serve", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("target", ["lambda", "ecs"])
def test_port_in_use_is_one_clear_line(target: str, busy_port: int) -> None:
    code, output = serve("--target", target, "--port", str(busy_port))
    assert code == ExitStatus.ERROR
    assert f"cannot listen on 127.0.0.1:{busy_port}" in output
    assert "--port" in output


def test_unknown_target_names_the_choices() -> None:
    code, output = serve("--target", "kubernetes")
    assert code == 2
    assert "kubernetes" in output and "ecs" in output and "lambda" in output


def test_handler_that_names_no_module_stops_before_serving() -> None:
    code, output = serve("--target", "lambda", "--port", str(free_port()),
                         "--handler", "shopbot.no_such_module.handler")
    assert code == ExitStatus.ERROR
    assert "no module 'shopbot.no_such_module'" in output


def test_handler_without_a_function_part_is_refused() -> None:
    code, output = serve("--target", "lambda", "--port", str(free_port()), "--handler", "handler")
    assert code == ExitStatus.ERROR
    assert "module.function" in output


def test_malformed_settings_file_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = tmp_path / "shopbot.toml"
    settings.write_text("[environments.local\nregion = 'eu-west-1'\n")
    monkeypatch.setenv("SHOPBOT_CONFIG", str(settings))
    code, output = serve("--target", "lambda", "--port", str(free_port()))
    assert code == ExitStatus.CONFIG
    assert str(settings) in output.replace("\n", "")
    assert "not valid TOML" in output


def test_package_that_is_missing_or_not_a_zip(tmp_path: Path) -> None:
    code, output = serve("--target", "lambda", "--port", str(free_port()), "--package", str(tmp_path / "nope.zip"))
    assert code == ExitStatus.ERROR
    assert "no such file" in output
    fake = tmp_path / "fake.zip"
    fake.write_text("not a zip")
    code, output = serve("--target", "lambda", "--port", str(free_port()), "--package", str(fake))
    assert code == ExitStatus.ERROR
    assert "not a zip file" in output


def test_stage_with_a_slash_is_refused() -> None:
    code, output = serve("--target", "lambda", "--port", str(free_port()), "--stage", "a/b")
    assert code == ExitStatus.ERROR
    assert "stage" in output


def test_missing_gunicorn_conf_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shopbot_cli.emulator.targets.repository_root", lambda: tmp_path)
    code, output = serve("--target", "ecs", "--port", str(free_port()))
    assert code == ExitStatus.ERROR
    assert "gunicorn.conf.py is missing" in output.replace("\n", "")


def test_json_mode_prints_one_document_and_sigterm_exits_cleanly(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from shopbot_cli.main import run; run()", "serve", "--target", "lambda",
         "--port", str(port), "--json"],
        env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process=process)
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=15)
    assert process.returncode == 0
    document = json.loads(stdout)
    assert document["target"] == "lambda"
    assert document["url"] == f"http://127.0.0.1:{port}"
    assert document["handler"] == "shopbot.lambda_handler.handler"


@pytest.mark.parametrize("entries", [
    ["shopbot", "shopbot/__init__.py"],       # a file, then a folder of the same name
    ["lib/x/", "lib/x"],                      # an explicit folder entry, then a file
])
def test_package_with_a_file_and_a_folder_of_one_name_is_one_line(tmp_path: Path, entries: list[str]) -> None:
    package = tmp_path / "clash.zip"
    with zipfile.ZipFile(package, "w") as archive:
        for name in entries:
            archive.writestr(name, "" if name.endswith("/") else "x = 1\n")
    code, output = serve("--target", "lambda", "--port", str(free_port()), "--package", str(package))
    assert code == ExitStatus.ERROR
    assert output.count("error:") == 1
    assert "is both a file and a folder in the zip" in output
    assert "NotADirectoryError" not in output and "IsADirectoryError" not in output


def test_package_entries_that_escape_stay_inside_the_task_root(tmp_path: Path) -> None:
    from shopbot_cli.emulator.runner import remove_tree, unpack_package

    package = tmp_path / "escape.zip"
    link = zipfile.ZipInfo("link.py")
    link.external_attr = 0o120777 << 16  # a symlink entry
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("../outside.py", "x = 1\n")
        archive.writestr("/abs.py", "x = 1\n")
        archive.writestr(link, "/etc/passwd")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    root = unpack_package(package, scratch)
    try:
        assert not (tmp_path / "outside.py").exists() and not (scratch / "outside.py").exists()
        assert (root / "outside.py").is_file() and (root / "abs.py").is_file()
        assert not (root / "link.py").is_symlink()  # written as a plain file naming the target
    finally:
        remove_tree(scratch)
