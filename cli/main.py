"""The `shopbot` command: a Typer root with one sub-app (or command) per group.

User errors (`CliError`) become one red line and a documented exit code here, at the
edge; `--debug` shows the traceback too.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from shopbot import __version__

from .errors import CliError, ExitStatus
from .options import ConfigOption, EnvOption, set_root_defaults
from .ui import get_ui

# Each module under cli/commands/ exposes `register(app)`. One line per command group.
COMMAND_MODULES = [
    "serve",
    "build",
    "secrets",
    "parity",
    "cutover",
    "deploy",
    "settings",
    "demo",
    "shadow",
]


class ShopbotGroup(TyperGroup):
    """Translates user errors into one line + exit code, for real runs and CliRunner alike."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)  # type: ignore[arg-type]
        except CliError as error:
            ui = get_ui()
            if ui.debug:
                traceback.print_exc()
            ui.error(str(error))
            raise typer.Exit(int(error.status)) from None
        except KeyboardInterrupt:
            get_ui().error("interrupted")
            raise typer.Exit(int(ExitStatus.INTERRUPTED)) from None


app = typer.Typer(
    cls=ShopbotGroup,
    name="shopbot",
    help="Move the shopbot service from ECS to Lambda without breaking it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"shopbot {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    env: EnvOption = None,
    config: ConfigOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    ui = get_ui()
    ui.json_mode = json_out
    ui.debug = debug
    set_root_defaults(env, config if isinstance(config, Path) else None)


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__package__}.commands.{name}").register(app)


_register_commands()


def run() -> None:
    """Console-script entry point."""
    sys.exit(app())
