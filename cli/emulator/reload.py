"""`shopbot serve --reload`: run the server as a child and restart it when the code changes.

As `sls wsgi serve`, `sam local` and `chalice local` do: the supervisor polls the service's
files (modification time and size; no extra dependency, works on every filesystem), and
on a change stops the child (SIGTERM, then its whole process group) and starts it again.
A child that dies (a syntax error) is reported and restarted at the next change. Imports
only the standard library, errors and ui; imported by commands/serve.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from ..ui import get_ui

POLL_SECONDS = 0.5
IGNORED_PARTS = {"__pycache__", ".git", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
Snapshot = dict[str, tuple[int, int]]


def snapshot(paths: Sequence[Path]) -> Snapshot:
    """(mtime_ns, size) of every file under `paths` (a file path counts as itself)."""
    seen: Snapshot = {}
    for root in paths:
        candidates = [root] if root.is_file() else root.rglob("*")
        for path in candidates:
            if IGNORED_PARTS.intersection(path.parts) or path.suffix in {".pyc", ".pyo"}:
                continue
            with contextlib.suppress(OSError):
                stat = path.stat()
                if path.is_file():
                    seen[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return seen


def changed_files(before: Snapshot, after: Snapshot) -> list[str]:
    """Files added, removed or modified between two snapshots, sorted."""
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))


def child_command(serve_args: Sequence[str]) -> list[str]:
    """This same `shopbot serve`, without --reload, run by this interpreter."""
    return [sys.executable, "-c", "from shopbot_cli.main import run; run()", *serve_args]


def supervise(
    command: Sequence[str], watched: Sequence[Path], *, env: dict[str, str] | None = None,
    poll: float = POLL_SECONDS, stop: threading.Event | None = None,
    on_restart: Callable[[list[str]], None] | None = None,
) -> int:
    """Run `command`, restarting it whenever a watched file changes, until SIGINT/SIGTERM (or `stop`)."""
    ui = get_ui()
    stop = stop or threading.Event()

    def stop_on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, stop_on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    state = snapshot(watched)
    child = _start(command, env)
    reported_exit = False
    try:
        while not stop.wait(poll):
            current = snapshot(watched)
            changes = changed_files(state, current)
            if not changes:
                if child.poll() is not None and not reported_exit:
                    ui.warn(f"the server exited with status {child.returncode}: "
                            "fix the code, it restarts at the next change")
                    reported_exit = True
                continue
            state = current
            shown = ", ".join(_short(name, watched) for name in changes[:3])
            more = f" and {len(changes) - 3} more" if len(changes) > 3 else ""
            ui.info(f"[yellow]↻[/] change in {shown}{more}: restarting")
            _stop(child)
            if on_restart is not None:
                on_restart(changes)
            child = _start(command, env)
            reported_exit = False
    finally:
        _stop(child)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _start(command: Sequence[str], env: dict[str, str] | None) -> subprocess.Popen[bytes]:
    # Its own process group, so a restart also stops the gunicorn workers / Lambda workers it started.
    return subprocess.Popen(list(command), env=env, start_new_session=True)


def _stop(child: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=timeout)


def _short(name: str, watched: Sequence[Path]) -> str:
    for root in watched:
        with contextlib.suppress(ValueError):
            return str(Path(name).relative_to(root.parent))
    return name
