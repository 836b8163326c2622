"""`shopbot demo`: the whole migration on one machine, on embedded defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..demo.tour import DemoOptions, run_demo
from ..options import JsonOption
from ..ui import get_ui


def demo(
    step: Annotated[bool, typer.Option("--step", help="Pause between stages.")] = False,
    keep_running: Annotated[bool, typer.Option("--keep-running", help="Leave the stack up until Ctrl-C.")] = False,
    skip_build: Annotated[bool, typer.Option("--skip-build", help="Do not build the Lambda package.")] = False,
    workdir: Annotated[Path, typer.Option("--workdir", help="Where settings, logs and reports go.")]
    = Path(".shopbot/demo"),
    json_out: JsonOption = False,
) -> None:
    """Run build, secrets sync, parity-check, cutover, status and rollback against a local stack."""
    ui = get_ui()
    ui.json_mode = ui.json_mode or json_out
    result = run_demo(ui, DemoOptions(workdir=workdir, step=step, keep_running=keep_running, build=not skip_build))
    ui.emit_json(result.as_dict())


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
