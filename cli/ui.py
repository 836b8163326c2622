"""The one console every command writes through, and the `--json` switch.

Commands never call `print`: they call `ui.out`, `ui.info`, `ui.table`, `ui.emit_json`.
In JSON mode human chatter goes to stderr so stdout stays a single JSON document.
Long waits run inside `ui.progress`: a live bar on a terminal, and where output is not a
terminal (CI logs) a heartbeat line on stderr every `heartbeat_seconds`, as Terraform's
"Still creating... [30s elapsed]" - so a 20-minute CloudFront deploy is not 20 silent minutes.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:  # imported where used: every command would otherwise pay for them at start (issue #20)
    from rich.progress import Progress

HEARTBEAT_SECONDS = 30.0


def _heartbeat_default() -> float:
    """`SHOPBOT_HEARTBEAT_SECONDS` (a positive number), else 30 s."""
    try:
        seconds = float(os.environ.get("SHOPBOT_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))
    except ValueError:
        return HEARTBEAT_SECONDS
    return seconds if 0 < seconds < float("inf") else HEARTBEAT_SECONDS


def elapsed_text(seconds: float) -> str:
    """`45s`, `2m05s`, `1h02m`: how long a wait has taken, as a log line shows it."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"



@dataclass
class UI:
    """Output state for one CLI invocation (tests build their own with `make_ui`)."""

    json_mode: bool = False
    debug: bool = False
    assume_yes: bool = False
    json_written: bool = False  # a command's --json document is out: an error adds no second one
    heartbeat_seconds: float = field(default_factory=_heartbeat_default)
    stdout: Console = field(default_factory=lambda: Console(soft_wrap=True))
    stderr: Console = field(default_factory=lambda: Console(stderr=True, soft_wrap=True))

    @property
    def human(self) -> Console:
        """Where human-readable output goes: stderr in JSON mode."""
        return self.stderr if self.json_mode else self.stdout

    def info(self, message: str) -> None:
        self.human.print(message, highlight=False)

    def warn(self, message: str) -> None:
        self.stderr.print(f"[yellow]warning:[/] {escape(message)}", highlight=False)

    def error(self, message: str) -> None:
        self.stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False)

    def fail(self, message: str, exit_code: int) -> None:
        """An error that ends the command: one `error:` line, and in --json mode a JSON object on stdout."""
        self.error(message)
        if self.json_mode and not self.json_written:
            self.emit_json({"error": message, "exit_code": exit_code})

    def success(self, message: str) -> None:
        self.human.print(f"[green]✓[/] {message}", highlight=False)

    def table(self, title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        from rich.table import Table

        table = Table(title=title, show_lines=False)
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(cell) for cell in row))
        self.human.print(table)

    def emit_json(self, payload: Any) -> None:
        """Write the machine-readable result (only in --json mode)."""
        if self.json_mode:
            sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
            sys.stdout.flush()
            self.json_written = True

    def emit_json_line(self, payload: Any) -> None:
        """One JSON document per line on stdout (streams such as `logs --follow --json`)."""
        sys.stdout.write(json.dumps(payload, sort_keys=True, default=str) + "\n")
        sys.stdout.flush()

    def confirm(self, question: str) -> bool:
        """Ask yes/no; `--yes` answers yes, and no terminal means no."""
        if self.assume_yes:
            return True
        if not sys.stdin.isatty():
            return False
        answer = self.stderr.input(f"{question} [y/N] ")
        return answer.strip().lower() in {"y", "yes"}

    @property
    def live(self) -> bool:
        """Both streams are terminals: a live bar shows progress, no heartbeat lines are needed."""
        return self.stdout.is_terminal and self.stderr.is_terminal

    @contextmanager
    def heartbeat(self, description: str, progress: Progress | None = None) -> Iterator[None]:
        """Off a terminal, print `DESCRIPTION: still running... [1m30s elapsed]` at a steady interval."""
        if self.live:
            yield
            return
        stop = threading.Event()
        started = time.monotonic()

        def beat() -> None:
            while not stop.wait(self.heartbeat_seconds):
                done = ""
                if progress is not None and progress.tasks:
                    task = progress.tasks[0]
                    if task.total:
                        done = f", {task.completed:.0f}/{task.total:.0f} done"
                line = f"{description}: still running... [{elapsed_text(time.monotonic() - started)} elapsed{done}]"
                self.stderr.print(line, markup=False, highlight=False)

        thread = threading.Thread(target=beat, name="shopbot-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    @contextmanager
    def progress(self, description: str, total: float | None = None) -> Iterator[Progress]:
        """A progress bar for work longer than a second; a heartbeat line instead when not a terminal."""
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:.0f}/{task.total:.0f}" if total else ""),
            TimeElapsedColumn(),
            console=self.stderr,
            transient=True,
            disable=not self.stderr.is_terminal,
        )
        with progress, self.heartbeat(description, progress):
            progress.add_task(description, total=total)
            yield progress


_current = UI()


def get_ui() -> UI:
    return _current


def set_ui(ui: UI) -> None:
    global _current
    _current = ui
