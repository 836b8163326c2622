"""`shopbot cutover`, `shopbot rollback`, `shopbot status`: thin Typer commands.

Each parses its options and calls one function (`cutover/`: `flow`, `canary`, `watch`,
`status`); the returned dict is what `--json` prints.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..cutover.canary import parse_steps, run_canary, run_promote
from ..cutover.flow import Options, run_cutover, run_rollback
from ..cutover.planning import TARGETS
from ..cutover.status import read_status
from ..cutover.watch import check_watch, parse_duration, run_watch, thresholds
from ..errors import CliError, ExitStatus
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
        str | None, typer.Option("--canary", help="Send PERCENT (at most 15) of viewers to the target first; "
                                                  "5,10,15 walks those steps (with --step-watch).")
    ] = None,
    step_watch: Annotated[
        str | None, typer.Option("--step-watch", help="Watch each canary step for DURATION (e.g. 10m), advance, "
                                                      "promote after the last; roll back at the first bad step.")
    ] = None,
    promote: Annotated[bool, typer.Option("--promote", help="Promote the running canary to everyone.")] = False,
    behavior: Annotated[
        list[str] | None, typer.Option("--behavior", help="Move only this behaviour (PathPattern, or default); "
                                                          "repeatable. Default: the settings' `behaviors`.")
    ] = None,
    watch: Annotated[
        str | None, typer.Option("--watch", help="After the cutover, watch CloudWatch for DURATION (e.g. 10m); "
                                                 "roll back on a breach.")
    ] = None,
    lag: Annotated[str | None, typer.Option("--lag", help="Read only windows finished this long ago "
                                                          "(default watch_lag_seconds, 180s).")] = None,
    min_requests: Annotated[int | None, typer.Option("--min-requests", help="Fewer requests in a window: "
                                                                            "inconclusive.")] = None,
    max_error_rate: Annotated[float | None, typer.Option("--max-error-rate", help="Lambda errors/invocations, "
                                                                                  "e.g. 0.01.")] = None,
    max_5xx_excess: Annotated[float | None, typer.Option("--max-5xx-excess", help="API 5xx rate minus the "
                                                                                  "ALB's, e.g. 0.01.")] = None,
    p99_ratio: Annotated[float | None, typer.Option("--p99-ratio", help="New p99 may be ALB p99 times this...")] = None,
    p99_slack_ms: Annotated[float | None, typer.Option("--p99-slack-ms", help="... plus this.")] = None,
    max_throttles: Annotated[int | None, typer.Option("--max-throttles", help="Lambda throttles per window.")] = None,
    breaches: Annotated[int | None, typer.Option("--breaches", help="Consecutive breaching windows before "
                                                                    "rolling back.")] = None,
    force: ForceOption = False,
    no_wait: NoWaitOption = False,
    env: EnvOption = None,
    json_out: JsonOption = False,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Move the configured CloudFront behaviours to the Lambda (API Gateway) or ECS (ALB) origin."""
    settings = command_settings(env, json_out, yes)
    options = Options(yes=yes, dry_run=dry_run, force=force, wait=not no_wait, behaviors=behavior or None)
    limits = thresholds(settings, lag_seconds=parse_duration(lag, "--lag") if lag else None,
                        min_requests=min_requests, max_error_rate=max_error_rate, max_5xx_excess=max_5xx_excess,
                        p99_ratio=p99_ratio, p99_slack_ms=p99_slack_ms, max_throttles=max_throttles,
                        consecutive_breaches=breaches)
    result: dict[str, Any]
    if promote:
        result = run_promote(settings, options=options)
    else:
        if to not in TARGETS:
            raise CliError("say where traffic goes: --to lambda or --to ecs (or --promote a running canary)")
        if watch:
            check_watch(to, watch)
        if step_watch is not None and canary is None:
            raise CliError("--step-watch watches canary steps: use it with --canary 5,10,15")
        if canary is not None:
            steps = parse_steps(canary)
            seconds = check_watch(to, step_watch) if step_watch else None
            if len(steps) > 1 and seconds is None:
                raise CliError("--canary with several steps needs --step-watch DURATION to decide each step")
            result = run_canary(settings, to, steps, options=options, step_watch=seconds, limits=limits)
        else:
            result = run_cutover(settings, to, options=options)
        if watch and result.get("changed"):
            result["watch"] = run_watch(settings, to, watch, options=options, limits=limits)
    get_ui().emit_json(result)


def rollback(
    everything: Annotated[bool, typer.Option("--all", help="Undo every recorded move: each behaviour back to "
                                                           "the origin it had before its first cutover.")] = False,
    force: ForceOption = False,
    no_wait: NoWaitOption = False,
    env: EnvOption = None,
    json_out: JsonOption = False,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Restore the origins the last change recorded in the ledger (or stop a canary)."""
    settings = command_settings(env, json_out, yes)
    result = run_rollback(settings, options=Options(yes=yes, dry_run=dry_run, force=force, wait=not no_wait,
                                                    everything=everything))
    get_ui().emit_json(result)
    if result.get("missing"):
        raise CliError(f"rollback restored what it could; {', '.join(result['missing'])} no longer exist(s) in "
                       "the distribution (deleted by hand?): recreate it, or accept it as it is",
                       ExitStatus.PARTIAL)


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
