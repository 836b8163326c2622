"""Both deployment targets as local processes: what `serve` runs, and a handle for others.

`start_target("ecs"|"lambda", port, env)` starts `shopbot serve` as a subprocess in its
own process group and returns a `RunningTarget` with `.url` and `.stop()`; the demo and
tests use it to run both targets side by side and stop everything cleanly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

import shopbot

from ..errors import CliError

TARGETS = ("ecs", "lambda")
DEFAULT_HANDLER = "shopbot.lambda_handler.handler"
GUNICORN_CONF = Path("deploy", "ecs", "gunicorn.conf.py")


def repository_root() -> Path:
    """The checkout the installed `shopbot` package lives in."""
    return Path(shopbot.__file__).resolve().parent.parent


def gunicorn_conf() -> Path:
    conf = repository_root() / GUNICORN_CONF
    if not conf.is_file():
        raise CliError(
            f"{conf} is missing: `serve --target ecs` runs gunicorn with the container's config; "
            "run from a shopbot checkout installed with `pip install -e .`"
        )
    return conf


def ensure_port_free(host: str, port: int) -> None:
    """Fail early with one line, instead of a server's retry loop or traceback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CliError(
                f"cannot listen on {host}:{port} ({error.strerror}): "
                "stop what is using it or pick another port with --port"
            ) from error


def gunicorn_command(
    host: str, port: int, workers: int | None, threads: int | None
) -> tuple[list[str], dict[str, str]]:
    """The container's command line and the environment variables the conf file reads."""
    command = [sys.executable, "-m", "gunicorn", "-c", str(gunicorn_conf()), "shopbot.wsgi:app"]
    env = {"PORT": str(port), "GUNICORN_BIND": f"{host}:{port}"}
    if workers is not None:
        env["WEB_CONCURRENCY"] = str(workers)
    if threads is not None:
        env["GUNICORN_THREADS"] = str(threads)
    return command, env


def wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], timeout: float) -> bool:
    """True once something listens on (host, port); False if `process` exited first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return True
        time.sleep(0.05)
    raise CliError(f"nothing listened on {host}:{port} after {timeout:g} s: see the server's output above")


@dataclass
class RunningTarget:
    """A `shopbot serve` process (and everything it started, in its process group)."""

    target: str
    url: str
    process: subprocess.Popen[bytes]

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM (graceful: gunicorn drains, workers stop), then SIGKILL the whole group."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # anything left in the group
        return self.process.wait()

    def __enter__(self) -> RunningTarget:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def _last_line(output: IO[bytes] | int | None) -> str:
    """The server's last output line, when it went to a file we can read back."""
    name = getattr(output, "name", None)
    if not isinstance(name, str) or not os.path.isfile(name):
        return ""
    with open(name, "rb") as log:
        log.seek(max(0, os.path.getsize(name) - 2000))
        lines = [line for line in log.read().decode(errors="replace").splitlines() if line.strip()]
    return f": {lines[-1].strip()}" if lines else ""


def start_target(
    target: str,
    port: int,
    env: Mapping[str, str] | None = None,
    *,
    host: str = "127.0.0.1",
    args: Sequence[str] = (),
    output: IO[bytes] | int | None = None,
    ready_timeout: float = 60.0,
) -> RunningTarget:
    """Start `shopbot serve --target TARGET` on (host, port) and wait until it listens.

    `env` is the whole environment of the server (default: this process's); `args` adds
    serve flags (e.g. `["--concurrency", "4"]`); `output` receives its stdout/stderr
    (default: inherited). Raises `CliError` if it exits or never listens.
    """
    if target not in TARGETS:
        raise CliError(f"unknown target {target!r}: use one of {', '.join(TARGETS)}")
    ensure_port_free(host, port)  # else the wait below could see someone else's server
    command = [
        sys.executable, "-c", "from shopbot_cli.main import run; run()",
        "serve", "--target", target, "--host", host, "--port", str(port), *args,
    ]
    process = subprocess.Popen(
        command, env=dict(os.environ if env is None else env), stdout=output, stderr=output,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )
    running = RunningTarget(target, f"http://{host}:{port}", process)
    try:
        if not wait_for_port(host, port, process, ready_timeout):
            raise CliError(f"`shopbot serve --target {target}` exited with status {process.returncode}"
                           f"{_last_line(output)}")
    except BaseException:
        running.stop()
        raise
    return running
