"""Options every command shares, written once with `Annotated`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .settings.environments import Settings, load_settings
from .ui import get_ui

EnvOption = Annotated[
    str | None, typer.Option("--env", "-e", help="Environment from shopbot.toml (default: local).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking (for CI).")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Show the plan, change nothing.")]
ConfigOption = Annotated[Path | None, typer.Option("--config", help="Settings file (default: shopbot.toml).")]

_root: dict[str, object] = {"env": None, "config": None}


def set_root_defaults(env: str | None, config: Path | None) -> None:
    _root["env"] = env
    _root["config"] = config


def root_choice() -> tuple[str | None, Path | None]:
    """The `--env` and `--config` given before the command (`shopbot --env prod settings ...`)."""
    env, config = _root["env"], _root["config"]
    return (env if isinstance(env, str) else None, config if isinstance(config, Path) else None)


def command_settings(env: str | None = None, json_out: bool = False, yes: bool = False) -> Settings:
    """Apply the command's --json/--yes and load the environment's settings."""
    ui = get_ui()
    ui.json_mode = ui.json_mode or json_out
    ui.assume_yes = ui.assume_yes or yes
    root_env, root_config = root_choice()
    return load_settings(env or root_env, root_config)
