"""`shopbot serve --reload`: a real server restarts when its code changes, and stops cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import requests
from shopbot_cli.emulator.reload import changed_files, snapshot

from tests.support import clean_env, free_port, wait_for_port


def write_package(path: Path, body: str) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        source = f"def handler(event, context):\n    return {{'statusCode': 200, 'body': {body!r}}}\n"
        archive.writestr("app.py", source)


def answer(url: str, want: str, timeout: float = 90.0) -> str:
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        try:
            seen = requests.get(url, timeout=5).text
        except requests.RequestException:
            seen = ""
        if seen == want:
            return seen
        time.sleep(0.2)
    return seen


def test_lambda_target_restarts_on_a_new_package_and_sigterm_stops_it(tmp_path: Path) -> None:
    package = tmp_path / "app.zip"
    write_package(package, "v1")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from shopbot_cli.main import run; run()", "serve", "--target", "lambda",
         "--port", str(port), "--package", str(package), "--handler", "app.handler", "--reload"],
        env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=tmp_path,
    )
    try:
        wait_for_port(port, process=process, timeout=90)
        first = answer(f"http://127.0.0.1:{port}/x", "v1")
        write_package(package, "v2")
        second = answer(f"http://127.0.0.1:{port}/x", "v2")
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=60)
    assert (first, second) == ("v1", "v2")
    assert process.returncode == 0
    assert "change in app.zip: restarting" in stdout.decode()
    with socket.socket() as probe:  # the child is gone: the port is free again
        probe.bind(("127.0.0.1", port))


def test_snapshot_sees_edits_additions_and_removals_but_not_bytecode(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("a = 1\n")
    before = snapshot([tmp_path / "pkg"])
    (tmp_path / "pkg" / "a.py").write_text("a = 22\n")
    (tmp_path / "pkg" / "b.py").write_text("")
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"x")

    after = snapshot([tmp_path / "pkg"])

    assert changed_files(before, after) == [str(tmp_path / "pkg" / "a.py"), str(tmp_path / "pkg" / "b.py")]
    (tmp_path / "pkg" / "b.py").unlink()
    assert changed_files(after, snapshot([tmp_path / "pkg"])) == [str(tmp_path / "pkg" / "b.py")]
