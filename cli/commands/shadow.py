"""`shopbot shadow start|stop|status|report`: thin Typer commands over cli/shadow/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from ..aws import AwsClients
from ..options import DryRunOption, EnvOption, JsonOption, YesOption, command_settings, examples
from ..ui import get_ui

app = typer.Typer(help="Compare the two targets on live traffic (ECS shadows sampled requests to Lambda).",
                  no_args_is_help=True)


@app.command("start", epilog=examples("shopbot shadow start --sample-rate 0.05 --env production",
                                          "shopbot shadow start --dry-run"))
def start(
    sample_rate: Annotated[float, typer.Option("--sample-rate", help="Share of eligible requests, 0-1.")] = 0.01,
    routes: Annotated[str, typer.Option("--routes", help="Comma-separated path prefixes.")] = "/api/",
    methods: Annotated[str, typer.Option("--methods", help="Comma-separated methods.")] = "GET,POST",
    max_per_minute: Annotated[int, typer.Option("--max-per-minute", help="Budget per ECS process.")] = 60,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Return once the service is updated.")] = False,
    env: EnvOption = None, json_out: JsonOption = False, yes: YesOption = False, dry_run: DryRunOption = False,
) -> None:
    """Turn shadowing on: the ECS service copies sampled requests to `api_url`, pairs go to `shadow_sink`."""
    from ..shadow.switch import ShadowRequest, run_switch

    settings = command_settings(env, json_out, yes)
    request = ShadowRequest(True, sample_rate, routes, methods, max_per_minute, wait=not no_wait)
    get_ui().emit_json(run_switch(AwsClients(settings), settings, get_ui(), request, dry_run=dry_run))


@app.command("stop", epilog=examples("shopbot shadow stop --yes --env production"))
def stop(
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Return once the service is updated.")] = False,
    env: EnvOption = None, json_out: JsonOption = False, yes: YesOption = False, dry_run: DryRunOption = False,
) -> None:
    """Turn shadowing off (a new revision without the SHADOW_* settings)."""
    from ..shadow.switch import ShadowRequest, run_switch

    settings = command_settings(env, json_out, yes)
    request = ShadowRequest(False, wait=not no_wait)
    get_ui().emit_json(run_switch(AwsClients(settings), settings, get_ui(), request, dry_run=dry_run))


@app.command("status", epilog=examples("shopbot shadow status --since 1h"))
def status(
    source: Annotated[str | None, typer.Option("--from", help="Pairs folder or s3://bucket/prefix.")] = None,
    since: Annotated[str, typer.Option("--since", help="Counters and pairs of the last 10m, 6h, 2d.")] = "6h",
    env: EnvOption = None, json_out: JsonOption = False,
) -> None:
    """Sample rate, pairs collected, drops, timeouts and errors."""
    from ..shadow.status import COUNTERS, read_status

    settings = command_settings(env, json_out)
    ui = get_ui()
    result: dict[str, Any] = read_status(AwsClients(settings), settings, source, parse_since(since))
    state = "on" if result["on"] else "off"
    rate = result["settings"].get("SHADOW_SAMPLE_RATE", "-")
    ui.info(f"shadowing {state} on {result['service']} ({result['task_definition']}), sample rate {rate}")
    if "counters" in result:
        ui.table(f"last {since}: {result['processes']} process(es), {result['batches']} batch(es)",
                 ["counter", "total"], [(name, result["counters"][name]) for name in COUNTERS])
    ui.emit_json(result)


@app.command("report", epilog=examples("shopbot shadow report --since 6h --env production",
                                           "shopbot shadow report --from ./pairs --output reports/"))
def report(
    source: Annotated[str | None, typer.Option("--from", help="Pairs folder or s3://bucket/prefix "
                                                              "(default: the `shadow_sink` setting).")] = None,
    since: Annotated[str, typer.Option("--since", help="Pairs of the last 10m, 6h, 2d.")] = "6h",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Directory for the report files (default: "
                                                "the folder of the environment's parity_report, else reports/).")]
    = None,
    budget_p95_ratio: Annotated[float, typer.Option(help="Fail if candidate p95 exceeds this x primary p95.")] = 1.5,
    budget_min_ms: Annotated[float, typer.Option(help="...and is slower by more than this many ms.")] = 25.0,
    env: EnvOption = None, json_out: JsonOption = False,
) -> None:
    """Decide parity from live pairs: the same reports as parity-check, usable by the cutover's gate."""
    from ..parity.check import settings_thresholds
    from ..parity.latency import Budget
    from ..shadow.pairs import read_batches
    from ..shadow.report import write_report
    from .parity import finish

    settings = command_settings(env, json_out)
    ui = get_ui()
    settings.require("alb_url", "api_url", *(() if source else ("shadow_sink",)))
    where = str(source or settings.shadow_sink)
    window = parse_since(since)
    found = read_batches(where, AwsClients(settings) if where.startswith("s3://") else None, window)
    gate_path = Path(settings.parity_report) if settings.parity_report else None
    out = output or (gate_path.parent if gate_path else Path("reports"))
    result = write_report(found, primary=str(settings.alb_url), candidate=str(settings.api_url), out_dir=out,
                          budget=Budget(budget_p95_ratio, budget_min_ms), thresholds=settings_thresholds(settings),
                          min_requests=settings.parity_min_route_requests,
                          mask_names=tuple(settings.parity_mask_names))
    ui.info(escape(f"parity from live traffic: {len(found.pairs)} pair(s), last {since}"
                   + (f", {found.skipped} unreadable line(s) skipped" if found.skipped else "")))
    finish(result, gate_path)


def parse_since(text: str) -> float:
    from ..errors import CliError

    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.replace(".", "", 1).isdigit():
        raise CliError(f"--since {text!r}: use a number and s, m, h or d (e.g. 6h)")
    return float(number) * units[unit]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="shadow")
