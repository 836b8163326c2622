"""`shopbot logs`: both targets' CloudWatch logs side by side, or a Lambda REPORT summary.

Thin: parses options, resolves the log groups and calls `logs/fetch.py`; `make_clients`
is the seam tests use to reach the clients it builds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated

import typer
from rich.markup import escape

from ..aws import AwsClients
from ..errors import CliError
from ..logs import groups as log_groups
from ..logs.fetch import Follower, read, read_reports
from ..logs.lines import LogLine, match_for, since_to_ms
from ..logs.summary import summarize
from ..options import EnvOption, JsonOption, command_settings, examples
from ..settings.environments import Settings
from ..ui import UI, get_ui

make_clients: Callable[[Settings], AwsClients] = AwsClients

COLOURS = {"lambda": "magenta", "ecs": "cyan"}
TARGET_CHOICES = {"lambda": ("lambda",), "ecs": ("ecs",), "both": ("lambda", "ecs")}


def _show(ui: UI, line: LogLine) -> None:
    if ui.json_mode:
        ui.emit_json_line(line.as_dict())
        return
    colour = COLOURS.get(line.target, "white")
    ui.human.print(f"[dim]{line.time}[/] [{colour}]{line.target:<6}[/] {escape(line.text)}",
                   highlight=False, emoji=False)


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


def _summary(ui: UI, clients: AwsClients, group: str, start_ms: int, since: str) -> None:
    reports, capped = read_reports(clients, group, start_ms=start_ms)
    summary = summarize(reports)
    ui.emit_json({"group": group, "since": since, "capped": capped, **summary.as_dict()})
    if ui.json_mode:
        return
    if not summary.invocations:
        ui.info(f"No REPORT lines in {escape(group)} in the last {escape(since)}: no invocations to summarise.")
        return
    share = summary.memory_share
    memory = "n/a" if summary.max_memory_used_mb is None else (
        f"{summary.max_memory_used_mb:.0f} MB of {summary.memory_size_mb or 0:.0f} MB"
        + (f" ({share:.0%})" if share is not None else ""))
    few = f"n/a (fewer than {summary.as_dict()['p99_needs_samples']} samples)"
    rows = [
        ("invocations", summary.invocations),
        ("cold starts", f"{summary.cold_starts} ({summary.cold_starts / summary.invocations:.1%})"),
        ("Init Duration p50", _ms(summary.init_p50_ms)),
        ("Init Duration p99", _ms(summary.init_p99_ms) if summary.init_p99_ms is not None else few),
        ("Duration p50 / p99", f"{_ms(summary.duration_p50_ms)} / "
                               f"{_ms(summary.duration_p99_ms) if summary.duration_p99_ms is not None else few}"),
        ("Billed Duration total", _ms(summary.billed_total_ms)),
        ("max memory used", memory),
        ("timeouts / errors", f"{summary.timeouts} / {summary.errors}"),
    ]
    ui.table(f"Lambda {escape(group)}, last {escape(since)}", ["", "value"], rows)
    if capped:
        ui.warn("stopped reading after 50000 REPORT lines: use a shorter --since for a complete figure")
    if share is not None and share > 0.9:
        ui.warn("max memory used is above 90% of the configured size: raise `memory_size` before it runs out")


def logs(
    target: Annotated[str, typer.Option("--target", "-t", help="lambda, ecs or both.")] = "both",
    since: Annotated[str, typer.Option("--since", help="How far back: 30s, 10m, 2h, 1d, or an ISO time.")] = "10m",
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines until Ctrl-C.")] = False,
    filter_text: Annotated[
        str | None, typer.Option("--filter", help="Text to match (a phrase), or a CloudWatch filter pattern "
                                                  "starting with { [ \" ? or -.")
    ] = None,
    request_id: Annotated[str | None, typer.Option("--request-id", help="Only lines naming this request id.")] = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="Lambda: cold starts, Init Duration p50/p99, billed duration, memory.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", help="At most this many newest lines per target.")] = 1000,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between polls with --follow.")] = 2.0,
    env: EnvOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show the service's logs from CloudWatch Logs, both targets merged in time order."""
    settings = command_settings(env, json_out)
    ui = get_ui()
    if target not in TARGET_CHOICES:
        raise CliError(f"unknown target '{target}': use --target lambda, ecs or both")
    if limit < 1 or not 0.2 <= interval <= 300:
        raise CliError("--limit must be at least 1 and --interval between 0.2 and 300 seconds")
    start_ms = since_to_ms(since, int(time.time() * 1000))
    clients = make_clients(settings)
    if summary:
        if target == "ecs" or follow or filter_text is not None or request_id is not None:
            raise CliError("--summary reads Lambda REPORT lines only: drop --target ecs/--follow/--filter/--request-id")
        _summary(ui, clients, log_groups.lambda_group(settings), start_ms, since)
        return
    match = match_for(filter_text, request_id)
    groups = log_groups.resolve(settings, clients, TARGET_CHOICES[target])
    if follow:
        follower = Follower(clients, groups, match, start_ms)
        ui.stderr.print(f"[dim]following {escape(', '.join(groups.values()))} (Ctrl-C stops)[/]", highlight=False)
        try:
            follower.run(lambda line: _show(ui, line), interval=interval)
        except KeyboardInterrupt:
            ui.stderr.print("[dim]stopped following[/]", highlight=False)
        return
    fetched = read(clients, groups, start_ms=start_ms, match=match, limit=limit)
    if ui.json_mode:
        ui.emit_json({"since": since, "filter": match.describe(), **fetched.as_dict()})
        return
    for line in fetched.lines:
        _show(ui, line)
    if not fetched.lines:
        ui.info(f"No lines in {escape(', '.join(groups.values()))} in the last {escape(since)}"
                + (f" matching {escape(match.describe() or '')}" if match.pattern else "") + ".")
    for name, count in fetched.dropped.items():
        ui.warn(f"{name}: {count} older lines not shown (--limit {limit}); narrow --since or --filter")
    for name in fetched.capped:
        ui.warn(f"{name}: stopped reading after 50000 lines; narrow --since or --filter")


def register(app: typer.Typer) -> None:
    app.command("logs", epilog=examples(
        "shopbot logs --target both --since 10m --filter ERROR",
        "shopbot logs --target lambda --summary --since 1h",
    ))(logs)
