"""`shopbot settings import-terraform` and `shopbot settings show`."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..errors import CliError
from ..options import EnvOption, JsonOption, command_settings, root_choice
from ..settings.environments import SETTINGS_FILE, find_settings_file
from ..settings.terraform import import_into, read_outputs
from ..ui import get_ui

settings_app = typer.Typer(help="Read and fill shopbot.toml.", no_args_is_help=True)


@settings_app.command("import-terraform")
def import_terraform(
    outputs: Annotated[
        list[Path], typer.Argument(help="Files written by `terraform output -json` (lambda, ecs, edge).")
    ],
    env: Annotated[
        str | None, typer.Option("--env", "-e", help="Environment to fill (default: the outputs' `environment`).")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help=f"Settings file to update (default: the one found, or ./{SETTINGS_FILE})."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Fill [environments.ENV] from Terraform outputs, keeping the other environments as they are."""
    ui = get_ui()
    ui.json_mode = ui.json_mode or json_out
    imported = read_outputs(outputs)
    if not imported.values:
        raise CliError(f"no shopbot settings in {', '.join(map(str, outputs))}: expected an output `shopbot_settings`")
    root_env, root_config = root_choice()
    name = env or root_env or imported.env
    if not name:
        raise CliError("the outputs name no environment: pass --env NAME")
    target = file or root_config or find_settings_file() or Path(SETTINGS_FILE)
    changes = import_into(target, name, imported.values)
    for skipped in imported.skipped:
        ui.warn(f"output '{skipped}' is sensitive: not written")
    ui.table(escape(f"[environments.{name}] in {target}"), ["setting", "before", "after", ""],
             [(c.key, "" if c.before is None else c.before, c.after, c.action) for c in changes])
    changed = sum(c.action != "unchanged" for c in changes)
    ui.success(f"{changed} setting(s) written to {target}" if changed else f"{target} already up to date")
    ui.emit_json({
        "env": name, "file": str(target), "skipped": imported.skipped,
        "changes": [{"key": c.key, "before": c.before, "after": c.after, "action": c.action} for c in changes],
    })


@settings_app.command("show")
def show(env: EnvOption = None, json_out: JsonOption = False) -> None:
    """Print the resolved settings of one environment."""
    settings = command_settings(env, json_out)
    values = dataclasses.asdict(settings)
    ui = get_ui()
    ui.table(escape(f"environment {settings.name} ({settings.source})"), ["setting", "value"],
             [(key, escape(str(value))) for key, value in values.items() if key not in {"name", "source"}])
    ui.emit_json(values)


def register(app: typer.Typer) -> None:
    app.add_typer(settings_app, name="settings")
