"""`shopbot demo`: the whole migration on one machine, on embedded defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..demo.tour import DemoOptions, run_demo
from ..options import JsonOption, examples
from ..ui import get_ui


def demo(
    step: Annotated[bool, typer.Option("--step", help="Pause between stages.")] = False,
    keep_running: Annotated[bool, typer.Option("--keep-running", help="Leave the stack up until Ctrl-C.")] = False,
    skip_build: Annotated[bool, typer.Option("--skip-build", help="Do not build the Lambda package.")] = False,
    workdir: Annotated[Path, typer.Option("--workdir", help="Where settings, logs and reports go.")]
    = Path(".shopbot/demo"),
    json_out: JsonOption = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Never wait for Enter (with --step); the demo changes "
                                                         "only the local stack it starts, so it asks nothing else.")]
    = False,
) -> None:
    """Run build, secrets sync, parity-check, cutover, status and rollback against a local stack."""
    ui = get_ui()
    ui.json_mode = ui.json_mode or json_out
    ui.assume_yes = ui.assume_yes or yes
    result = run_demo(ui, DemoOptions(workdir=workdir, step=step and not yes, keep_running=keep_running,
                                      build=not skip_build))
    ui.emit_json(result.as_dict())


def register(app: typer.Typer) -> None:
    app.command("demo", epilog=examples("shopbot demo", "shopbot demo --skip-build --keep-running",
                                        "shopbot demo --json > demo.json"))(demo)
