"""`shopbot settings import-terraform` and `shopbot settings show`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..errors import CliError
from ..options import EnvOption, JsonOption, command_settings, examples, hidden_alias, root_choice
from ..settings.environments import SETTINGS_FILE, Settings, find_settings_file, setting_names
from ..settings.terraform import import_into, read_outputs
from ..ui import get_ui

settings_app = typer.Typer(help="Read and fill shopbot.toml.", no_args_is_help=True)


@settings_app.command("import-terraform", epilog=examples(
    "terraform -chdir=deploy/lambda output -json > lambda.json",
    "shopbot settings import-terraform lambda.json edge.json --env production",
))
def import_terraform(
    outputs: Annotated[
        list[Path], typer.Argument(help="Files written by `terraform output -json` (lambda, ecs, edge).")
    ],
    env: Annotated[
        str | None, typer.Option("--env", "-e", help="Environment to fill (default: the outputs' `environment`).")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help=f"Settings file to update (default: the root --config, the one found, "
                                      f"or ./{SETTINGS_FILE})."),
    ] = None,
    file: Annotated[Path | None, hidden_alias("--file")] = None,
    json_out: JsonOption = False,
) -> None:
    """Fill \\[environments.ENV] from Terraform outputs, keeping the other environments as they are."""
    ui = get_ui()
    ui.json_mode = ui.json_mode or json_out
    imported = read_outputs(outputs)
    if not imported.values:
        raise CliError(f"no shopbot settings in {', '.join(map(str, outputs))}: expected an output `shopbot_settings`")
    root_env, root_config = root_choice()
    name = env or root_env or imported.env
    if not name:
        raise CliError("the outputs name no environment: pass --env NAME")
    target = config or file or root_config or find_settings_file() or Path(SETTINGS_FILE)
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


@settings_app.command("show", epilog=examples(
    "shopbot settings show --env production",
    "AWS_REGION=eu-west-1 shopbot settings show --json   # region: env AWS_REGION",
))
def show(env: EnvOption = None, json_out: JsonOption = False) -> None:
    """Print the resolved settings of one environment and where each value came from."""
    settings = command_settings(env, json_out)
    values = {name: getattr(settings, name) for name in setting_names()}
    ui = get_ui()
    ui.table(escape(f"environment {settings.name} ({settings.origin('name')}; file: {settings.source})"),
             ["setting", "value", "from"],
             [(name, escape(_shown(value)), escape(_origin(settings, name))) for name, value in values.items()])
    ui.emit_json({"name": settings.name, "source": settings.source, **values,
                  "origins": {name: settings.origin(name) for name in ("name", *values)}})


def _origin(settings: Settings, name: str) -> str:
    """`file` for the settings file (its path is in the title), else the variable or flag."""
    origin = settings.origin(name)
    return "file" if origin == f"file {settings.source}" else origin


def _shown(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def register(app: typer.Typer) -> None:
    app.add_typer(settings_app, name="settings")
