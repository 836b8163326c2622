"""The one console every command writes through, and the `--json` switch.

Commands never call `print`: they call `ui.out`, `ui.info`, `ui.table`, `ui.emit_json`.
In JSON mode human chatter goes to stderr so stdout stays a single JSON document.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table


@dataclass
class UI:
    """Output state for one CLI invocation (tests build their own with `make_ui`)."""

    json_mode: bool = False
    debug: bool = False
    assume_yes: bool = False
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

    def success(self, message: str) -> None:
        self.human.print(f"[green]✓[/] {message}", highlight=False)

    def table(self, title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
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

    @contextmanager
    def progress(self, description: str, total: float | None = None) -> Iterator[Progress]:
        """A progress bar for work longer than a second (silent when not a terminal)."""
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
        with progress:
            progress.add_task(description, total=total)
            yield progress


_current = UI()


def get_ui() -> UI:
    return _current


def set_ui(ui: UI) -> None:
    global _current
    _current = ui
