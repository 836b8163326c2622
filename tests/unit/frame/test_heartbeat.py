"""Long waits print a heartbeat line at a steady interval where output is not a terminal (CI logs)."""

from __future__ import annotations

import io
import time

from rich.console import Console
from shopbot_cli.ui import UI, elapsed_text


def captured(terminal: bool) -> tuple[UI, io.StringIO]:
    err = io.StringIO()
    ui = UI(stdout=Console(file=io.StringIO(), force_terminal=terminal),
            stderr=Console(file=err, force_terminal=terminal, width=200), heartbeat_seconds=0.1)
    return ui, err


def beats(text: str) -> list[str]:
    return [line for line in text.splitlines() if "still running" in line]


def test_heartbeat_lines_during_a_wait_and_none_after() -> None:
    ui, err = captured(terminal=False)

    with ui.progress("waiting for E2ABC to deploy", total=10) as progress:
        progress.update(progress.task_ids[0], completed=3)
        time.sleep(1.0)
    after = len(beats(err.getvalue()))
    time.sleep(0.3)

    lines = beats(err.getvalue())
    assert 4 <= len(lines) <= 11 and len(lines) == after
    assert lines[0] == "waiting for E2ABC to deploy: still running... [0s elapsed, 3/10 done]"


def test_no_heartbeat_on_a_terminal_where_the_bar_shows_progress() -> None:
    ui, err = captured(terminal=True)

    with ui.progress("docker build shopbot:abc"):
        time.sleep(0.4)

    assert beats(err.getvalue()) == []


def test_elapsed_reads_like_a_log_line() -> None:
    assert [elapsed_text(s) for s in (0.4, 59, 61, 3599, 3725)] == ["0s", "59s", "1m01s", "59m59s", "1h02m"]
