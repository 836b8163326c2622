"""Thin Typer commands: parse options, call one function of a feature package, emit.

Each module exposes `register(app)`. main.py's group lists them in `COMMANDS` with their
short help and imports a module only when one of its commands runs (or completes its
options): `shopbot --help` and TAB completion of command names import none of them, so
they no longer pay for aiohttp, boto3 and the feature packages (issue #20). Nothing
imports commands/ except main.py.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Lazy:
    module: str     # cli/commands/<module>.py registers the command
    help: str       # its help's first paragraph, exactly (tests/unit/cli/test_lazy_commands.py checks it)


# In the order `--help` lists them (commands first, then groups, as Typer orders them).
COMMANDS: dict[str, Lazy] = {
    "serve": Lazy("serve", "Run the service locally the way the chosen target runs it (Ctrl-C stops it)."),
    "build": Lazy("build", "Build the Lambda zip or the ECS image from the pinned requirements."),
    "parity-check": Lazy(
        "parity", "Replay a corpus against both targets and compare status, headers, bodies and latency."
    ),
    "cutover": Lazy(
        "cutover", "Move the configured CloudFront behaviours to the Lambda (API Gateway) or ECS (ALB) origin."
    ),
    "rollback": Lazy("cutover", "Restore the origins the last change recorded in the ledger (or stop a canary)."),
    "status": Lazy(
        "cutover", "Which origin serves each behaviour, deploy status, origin health and the ledger's history."
    ),
    "deploy": Lazy("deploy", "Ship a new build to one target, or move it back to an earlier version/revision."),
    "demo": Lazy("demo", "Run build, secrets sync, parity-check, cutover, status and rollback against a local stack."),
    "cost": Lazy("cost", "Monthly cost on ECS and on Lambda from measured traffic, the break-even, and the peak."),
    "logs": Lazy("logs", "Show the service's logs from CloudWatch Logs, both targets merged in time order."),
    "invoke": Lazy(
        "invoke", "Run a registered management command inside the deployed Lambda (output and exit status come back)."
    ),
    "shadow": Lazy("shadow", "Compare the two targets on live traffic (ECS shadows sampled requests to Lambda)."),
    "secrets": Lazy(
        "secrets", "Diff, sync, pull and roll back the service's Secrets Manager secret; check both targets read it."
    ),
    "settings": Lazy("settings", "Read and fill shopbot.toml."),
}


class Placeholder(TyperCommand):
    """Stands in for a command in listings (help, completion of names) until it is resolved."""

    def __init__(self, name: str, lazy: Lazy) -> None:
        super().__init__(name, help=lazy.help)
        self.lazy = lazy


class LazyGroup(TyperGroup):
    """A Typer group whose commands' modules are imported when a command is resolved, not at start."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, lazy in COMMANDS.items():
            self.commands.setdefault(name, Placeholder(name, lazy))

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        if args:
            self.load(args[0])
        return super().resolve_command(ctx, args)

    def load(self, name: str) -> Any:
        """The real command `name` (importing its module on first use); None when there is no such command."""
        command = self.commands.get(name)
        if isinstance(command, Placeholder):
            holder = typer.Typer()
            importlib.import_module(f"{__name__}.{command.lazy.module}").register(holder)
            for loaded_name, loaded in typer.main.get_group(holder).commands.items():
                self.commands[loaded_name] = loaded
            command = self.commands.get(name)
        return command
