"""Options every command shares, written once with `Annotated`, and the root's choices.

The root takes `--env`, `--config`, `--profile`, `--region` and `--endpoint-url`
(`shopbot --region eu-west-1 status`); `command_settings` applies them as the top layer
of the settings (flags > environment > file > defaults, see settings/layers.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .ui import get_ui

if TYPE_CHECKING:  # imported where used: its 69-field dataclass costs ~35 ms, which `--help` need not pay (#20)
    from .settings.environments import Settings


def complete_env(ctx: typer.Context, incomplete: str) -> list[str]:
    """Environment names of the settings file (`--config` if given), for shell completion."""
    from .errors import ConfigError
    from .settings.environments import find_settings_file
    from .settings.layers import read_document

    config = ctx.find_root().params.get("config")
    path = config if isinstance(config, Path) else find_settings_file()
    if path is None:
        return [name for name in ("local",) if name.startswith(incomplete)]
    try:
        environments = read_document(path).get("environments")
    except (ConfigError, OSError):
        return []
    names = sorted(environments) if isinstance(environments, dict) else []
    return [name for name in names if name.startswith(incomplete)]


def choices(*values: str) -> Any:
    """Shell completion for a fixed set of values (the command still validates them)."""

    def complete(incomplete: str) -> list[str]:
        return [value for value in values if value.startswith(incomplete)]

    return complete


EnvOption = Annotated[
    str | None,
    typer.Option("--env", "-e", autocompletion=complete_env, show_default=False,
                 help="Environment of the settings file (default: SHOPBOT_ENV, else the file's default_env, "
                      "else local)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking (for CI).")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Show the plan, change nothing.")]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (default: SHOPBOT_CONFIG, else shopbot.toml or a pyproject.toml "
                                  "with \\[tool.shopbot] here or above)."),
]
ProfileOption = Annotated[
    str | None, typer.Option("--profile", help="AWS profile (beats AWS_PROFILE and the settings file).")
]
RegionOption = Annotated[
    str | None, typer.Option("--region", help="AWS region (beats AWS_REGION/AWS_DEFAULT_REGION and the file).")
]
EndpointUrlOption = Annotated[
    str | None,
    typer.Option("--endpoint-url", help="AWS endpoint, e.g. a local moto (beats AWS_ENDPOINT_URL and the file)."),
]

ROOT_SETTINGS = ("profile", "region", "endpoint_url")
_root: dict[str, Any] = {"env": None, "config": None, "flags": {}}


def set_root_defaults(env: str | None, config: Path | None, **aws: str | None) -> None:
    """Remember the root's options (`aws`: profile, region, endpoint_url) for the command that runs."""
    _root["env"] = env
    _root["config"] = config
    _root["flags"] = {key: aws.get(key) for key in ROOT_SETTINGS}


def root_choice() -> tuple[str | None, Path | None]:
    """The `--env` and `--config` given before the command (`shopbot --env prod settings ...`)."""
    env, config = _root["env"], _root["config"]
    return (env if isinstance(env, str) else None, config if isinstance(config, Path) else None)


def root_flags() -> dict[str, tuple[Any, str]]:
    """The root's AWS flags as settings overrides: {setting: (value, "flag --name")}."""
    flags: dict[str, Any] = _root["flags"]
    return {key: (value, f"flag --{key.replace('_', '-')}") for key, value in flags.items() if value is not None}


def command_settings(env: str | None = None, json_out: bool = False, yes: bool = False) -> Settings:
    """Apply the command's --json/--yes and load the environment's settings."""
    from .settings.environments import load_settings

    ui = get_ui()
    ui.json_mode = ui.json_mode or json_out
    ui.assume_yes = ui.assume_yes or yes
    root_env, root_config = root_choice()
    return load_settings(env or root_env, root_config, overrides=root_flags())


def hidden_alias(name: str) -> Any:
    """An old spelling of an option, still accepted but not shown (`--out` for `--output`)."""
    return typer.Option(name, hidden=True, show_default=False)



def examples(*lines: str) -> str:
    """A command's epilog: example command lines (help text is rich markup, so `[` is escaped)."""
    return "Examples:\n" + "\n".join(f"  $ {line.replace('[', chr(92) + '[')}" for line in lines)
