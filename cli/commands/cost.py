"""`shopbot cost`: is the migration worth it, and will Lambda hold the peak?

Exit codes: 0 report made; 1 `--check-capacity` found the peak would be throttled (or could
not tell); 2 bad input (no usable log lines, unreadable price file, unknown region); 3 a
missing deployment fact (the message names the setting and the flag).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from ..cost.chart import html_page, price_text, terminal_chart
from ..cost.prices import prices_for
from ..cost.report import build_report
from ..cost.reports import read_reports
from ..cost.traffic import read_traffic
from ..errors import CliError, ConfigError, ExitStatus
from ..options import EnvOption, JsonOption, command_settings, examples
from ..ui import UI, get_ui


def register(app: typer.Typer) -> None:
    app.command("cost", epilog=examples(
        "shopbot cost --alb-logs alb-logs/ --lambda-logs lambda-report.log --html reports/cost.html",
        "shopbot cost --alb-logs alb-logs/ --memory 512,1024,1769 --check-capacity",
    ))(cost)


def cost(
    alb_logs: Annotated[list[Path] | None, typer.Option(
        "--alb-logs", help="ALB access logs: files, .gz, or a folder of them (default: the `traffic_logs` "
        "setting). A week of logs prices best.")] = None,
    lambda_logs: Annotated[list[Path] | None, typer.Option(
        "--lambda-logs", help="Lambda REPORT lines (a CloudWatch Logs export, or the log of "
        "`shopbot serve --target lambda`): measured durations instead of the ECS times.")] = None,
    prices: Annotated[Path | None, typer.Option(
        "--prices", help="A price table shaped like cli/cost/prices.json (default: the pinned table).")] = None,
    memory: Annotated[str | None, typer.Option(
        "--memory", help="Compare Lambda memory sizes, e.g. 512,1024,1769.")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Also write the report as an HTML page (SVG).")] = None,
    check_capacity: Annotated[bool, typer.Option(
        "--check-capacity", help="Also run the cutover's capacity gate (reads Lambda limits from AWS).")] = False,
    region: Annotated[str | None, typer.Option(help="Region of the price table (setting `region`).")] = None,
    ecs_vcpu: Annotated[float | None, typer.Option(help="Fargate task vCPU (`ecs_task_vcpu`).")] = None,
    ecs_memory_gb: Annotated[float | None, typer.Option(help="Fargate task memory GB (`ecs_task_memory_gb`).")]
    = None,
    ecs_tasks: Annotated[int | None, typer.Option(help="ECS tasks, or the autoscaling minimum (`ecs_tasks_min`).")]
    = None,
    ecs_nat: Annotated[int | None, typer.Option(help="NAT gateways ECS pays for, 0 if none (`ecs_nat_gateways`).")]
    = None,
    lambda_memory: Annotated[int | None, typer.Option(help="Lambda memory MB (`lambda_memory_mb`).")] = None,
    lambda_nat: Annotated[int | None, typer.Option(
        help="NAT gateways the Lambda needs, 0 with none (`lambda_nat_gateways`).")] = None,
    env: EnvOption = None,
    json_out: JsonOption = False,
) -> None:
    """Monthly cost on ECS and on Lambda from measured traffic, the break-even, and the peak."""
    from ..cost.facts import deployment_from

    settings = command_settings(env, json_out)
    ui = get_ui()
    deployment = deployment_from(settings, region=region, ecs_task_vcpu=ecs_vcpu, ecs_task_memory_gb=ecs_memory_gb,
                                 ecs_tasks_min=ecs_tasks, ecs_nat_gateways=ecs_nat, lambda_memory_mb=lambda_memory,
                                 lambda_nat_gateways=lambda_nat)
    table = prices_for(deployment.region, prices)
    memories = _memories(memory)
    paths = alb_logs or ([Path(settings.traffic_logs)] if settings.traffic_logs else [])
    if not paths:
        raise ConfigError("no traffic to price: pass --alb-logs PATH (ALB access logs) or set `traffic_logs`")
    traffic = read_traffic(paths)
    durations = read_reports(lambda_logs) if lambda_logs else None
    report = build_report(traffic, deployment, table, durations, memories)
    if check_capacity:
        report["capacity_gate"] = _capacity(settings.with_overrides(region=region, lambda_memory_mb=lambda_memory),
                                            traffic)
    show(ui, report)
    if html is not None:
        try:
            html.parent.mkdir(parents=True, exist_ok=True)
            html.write_text(html_page(report), encoding="utf-8")
        except OSError as error:
            raise CliError(f"{html}: cannot write the HTML report ({error.strerror})") from error
        ui.success(f"HTML report: {escape(str(html))}")
        report["html"] = str(html)
    ui.emit_json(report)
    gate = report.get("capacity_gate")
    if gate is not None and not gate["passed"]:
        raise typer.Exit(int(ExitStatus.DIFFERENCES))


def _memories(text: str | None) -> list[int]:
    if not text:
        return []
    sizes = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or not 128 <= int(part) <= 10_240:
            raise CliError(f"--memory {text!r}: give sizes in MB between 128 and 10240, e.g. 512,1024,1769")
        sizes.append(int(part))
    return sizes


def _capacity(settings: Any, traffic: Any) -> dict[str, Any]:
    from ..aws import AwsClients
    from ..cost.gate import capacity_gate

    result = capacity_gate(settings, AwsClients(settings), traffic)
    return result.as_dict()


def show(ui: UI, report: dict[str, Any]) -> None:
    """The human report: traffic, both sides itemised, the chart, routes, memory, the peak."""
    traffic = report["traffic"]
    ui.info(f"[bold]{traffic['requests']:,} requests[/] over {traffic['period_seconds'] / 3600:.2f} h "
            f"(~{traffic['requests_per_month']:,}/month), mean target time {traffic['mean_target_ms']:,.1f} ms; "
            f"prices {escape(report['prices']['source'])} dated {escape(report['prices']['date'])}, "
            f"{escape(report['region'])}")
    for side in ("ecs", "lambda"):
        rows = [(escape(i["name"]), f"{i['quantity']:,.2f} {escape(i['unit'])}", price_text(i["unit_price"]),
                 f"${i['monthly']:,.2f}", "estimate" if i["estimate"] else "")
                for i in report[side]["items"]]
        ui.table(f"{side.upper()}: ${report[side]['total']:,.2f}/month", ["item", "quantity", "unit price",
                                                                          "monthly", ""], rows)
    even = report["break_even"]
    ui.info(f"[bold]{escape(report['cheaper'])}[/] is cheaper today by ${report['difference']:,.2f}/month; "
            + (f"break-even at {even['factor']:.2f}x today's traffic ({even['requests_per_month']:,} requests/month)"
               if even else "no break-even between 0.1x and 100x today's traffic"))
    for line in terminal_chart(report["curve"]):
        ui.info(escape(line))
    ui.table("Lambda duration by route", ["route", "requests/month", "mean ms", "duration $/month", "share"],
             [(escape(r["route"]), f"{r['requests_per_month']:,}", f"{r['mean_ms']:,.1f}",
               f"${r['duration_cost']:,.2f}", f"{r['share']:.0%}") for r in report["routes"]])
    if report["memory"]:
        ui.table("Lambda memory sizes (wait does not shrink with memory; CPU-bound time does, up to 1,769 MB)",
                 ["MB", "ms", "wait ms", "CPU ms", "init ms", "duration $/month", "Lambda $/month", "p99 concurrency"],
                 [(m["memory_mb"], m["duration_ms"], m["wait_ms"], m["cpu_ms"], m["init_ms"],
                   f"${m['duration_cost']:,.2f}",
                   f"${m['lambda_total']:,.2f}", m["p99_concurrency"]) for m in report["memory"]])
    peak = report["peak"]
    ui.info(f"peak: p99 minute {peak['p99_concurrency']:.2f} concurrent Lambda executions (busiest minute "
            f"{peak['max_concurrency']:.2f}), {peak['p99_requests_per_second']:.2f} req/s; busiest second "
            f"{peak['max_requests_in_a_second']} requests")
    gate = report.get("capacity_gate")
    if gate is not None:
        mark = "[green]passed[/]" if gate["passed"] else "[red]failed[/]"
        ui.info(f"capacity gate: {mark} - {escape(gate['detail'])}")
    for note in report["notes"]:
        ui.info(f"[dim]note: {escape(note)}[/]")


