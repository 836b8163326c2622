"""`shopbot cutover`, `shopbot rollback`, `shopbot status`: thin Typer commands.

Each parses its options and calls one function (`cutover/`: `flow`, `canary`, `watch`,
`status`); the returned dict is what `--json` prints.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..cutover.canary import run_canary, run_promote
from ..cutover.flow import Options, run_cutover, run_rollback
from ..cutover.planning import TARGETS
from ..cutover.status import read_status
from ..cutover.watch import check_watch, run_watch
from ..errors import CliError
from ..options import DryRunOption, EnvOption, JsonOption, YesOption, choices, command_settings, examples
from ..ui import get_ui

ForceOption = Annotated[
    bool, typer.Option("--force", help="Skip a failing gate / accept drift (the ledger records it).")
]
NoWaitOption = Annotated[bool, typer.Option("--no-wait", help="Return once CloudFront accepted the change.")]


def cutover(
    to: Annotated[str | None, typer.Option("--to", autocompletion=choices(*TARGETS), help="Target: lambda or ecs.")]
    = None,
    canary: Annotated[
        float | None, typer.Option("--canary", help="Send PERCENT (at most 15) of viewers to the target first.")
    ] = None,
    promote: Annotated[bool, typer.Option("--promote", help="Promote the running canary to everyone.")] = False,
    watch: Annotated[
        str | None, typer.Option("--watch", help="After the cutover, watch CloudWatch for DURATION (e.g. 10m); "
                                                 "roll back on a breach.")
    ] = None,
    force: ForceOption = False,
    no_wait: NoWaitOption = False,
    env: EnvOption = None,
    json_out: JsonOption = False,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Move the configured CloudFront behaviours to the Lambda (API Gateway) or ECS (ALB) origin."""
    settings = command_settings(env, json_out, yes)
    options = Options(yes=yes, dry_run=dry_run, force=force, wait=not no_wait)
    result: dict[str, Any]
    if promote:
        result = run_promote(settings, options=options)
    else:
        if to not in TARGETS:
            raise CliError("say where traffic goes: --to lambda or --to ecs (or --promote a running canary)")
        if watch:
            check_watch(to, watch)
        if canary is not None:
            result = run_canary(settings, to, canary, options=options)
        else:
            result = run_cutover(settings, to, options=options)
        if watch and result.get("changed"):
            result["watch"] = run_watch(settings, to, watch, options=options)
    get_ui().emit_json(result)


def rollback(
    force: ForceOption = False,
    no_wait: NoWaitOption = False,
    env: EnvOption = None,
    json_out: JsonOption = False,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Restore the origins the last cutover recorded in the ledger (or stop a canary)."""
    settings = command_settings(env, json_out, yes)
    result = run_rollback(settings, options=Options(yes=yes, dry_run=dry_run, force=force, wait=not no_wait))
    get_ui().emit_json(result)


def status(env: EnvOption = None, json_out: JsonOption = False) -> None:
    """Which origin serves each behaviour, deploy status, origin health and the ledger's history."""
    settings = command_settings(env, json_out)
    get_ui().emit_json(read_status(settings))


def register(app: typer.Typer) -> None:
    app.command("cutover", epilog=examples(
        "shopbot cutover --to lambda --env production --dry-run",
        "shopbot cutover --to lambda --canary 5 --watch 15m --yes",
        "shopbot cutover --promote --yes",
    ))(cutover)
    app.command("rollback", epilog=examples("shopbot rollback --env production --dry-run",
                                            "shopbot rollback --env production --yes"))(rollback)
    app.command("status", epilog=examples("shopbot status --env production", "shopbot status --json"))(status)
