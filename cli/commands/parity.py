"""`shopbot parity-check`: does the candidate (Lambda) answer like the primary (ECS)?

Exit codes: 0 parity; 1 differences or latency budget breached; 2 could not run.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..errors import ExitStatus
from ..options import EnvOption, JsonOption, command_settings, examples, hidden_alias
from ..parity.check import Report, run_parity, save_smoke_corpus, settings_thresholds
from ..parity.latency import Budget
from ..ui import get_ui


def register(app: typer.Typer) -> None:
    app.command("parity-check", epilog=examples(
        "shopbot parity-check --env production --corpus alb-logs/",
        "shopbot parity-check --primary http://127.0.0.1:8080 --candidate http://127.0.0.1:3000 --output reports/",
    ))(parity_check)


def parity_check(
    primary: Annotated[str | None, typer.Option(
        help="Primary (ALB/ECS) base URL (default: the environment's alb_url).")] = None,
    candidate: Annotated[str | None, typer.Option(
        help="Candidate (API Gateway/Lambda) base URL (default: the environment's api_url).")] = None,
    corpus: Annotated[list[Path] | None, typer.Option(
        "--corpus", help="YAML/JSON/JSONL corpus, HAR file, ALB access log (.gz ok) or a folder of them; "
        "repeatable. "
        "Default: a smoke corpus from the service's route table.")] = None,
    concurrency: Annotated[int, typer.Option(help="Requests in flight per side.")] = 16,
    rate: Annotated[float | None, typer.Option(help="Max requests per second per side.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per request.")] = 10.0,
    warmup: Annotated[int | None, typer.Option(
        help="Warm-up requests per side (GET health path, all at once) before measuring, so Lambda cold "
        "starts stay out of the latency comparison (default: the --concurrency value).")] = None,
    allow_mutations: Annotated[bool, typer.Option("--allow-mutations",
                                                  help="Also send POST/PUT/PATCH/DELETE not marked safe.")]
    = False,
    budget_p95_ratio: Annotated[float, typer.Option(help="Fail if candidate p95 exceeds this x primary p95.")]
    = 1.5,
    budget_min_ms: Annotated[float, typer.Option(help="...and is slower by more than this many ms.")] = 25.0,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Directory for the report files (default: the folder of the environment's "
        "parity_report, else reports/).")] = None,
    out: Annotated[Path | None, hidden_alias("--out")] = None,
    save_smoke: Annotated[Path | None, typer.Option(
        help="Write the smoke corpus generated from the route table to this YAML file and exit.")] = None,
    env: EnvOption = None,
    json_out: JsonOption = False,
) -> None:
    """Replay a corpus against both targets and compare status, headers, bodies and latency."""
    settings = command_settings(env, json_out)
    ui = get_ui()
    out = output or out
    if save_smoke is not None:
        count = save_smoke_corpus(save_smoke)
        ui.success(escape(f"wrote {count} smoke request(s) to {save_smoke}: edit it and pass it back with --corpus"))
        ui.emit_json({"corpus": str(save_smoke), "requests": count})
        return
    if primary is None or candidate is None:
        settings.require(*(name for name, given in (("alb_url", primary), ("api_url", candidate)) if not given))
    gate_path = Path(settings.parity_report) if settings.parity_report else None
    out = out or (gate_path.parent if gate_path else Path("reports"))
    thresholds = settings_thresholds(settings)
    primary_url = primary or settings.alb_url or ""
    candidate_url = candidate or settings.api_url or ""
    with ui.progress("replaying corpus") as progress:
        task = progress.task_ids[0]

        def started(total: int) -> None:
            progress.update(task, total=total)
            ui.info(escape(f"replaying {total} request(s) x2 against {primary_url} and {candidate_url}"))

        report = run_parity(primary_url, candidate_url, corpus or None, out, concurrency=concurrency,
                            rate=rate, timeout=timeout,
                            warmup=concurrency if warmup is None else warmup, allow_mutations=allow_mutations,
                            budget=Budget(budget_p95_ratio, budget_min_ms), probe_path=settings.health_path,
                            thresholds=thresholds, min_requests=settings.parity_min_route_requests,
                            mask_names=settings.parity_mask_names,
                            on_start=started, on_progress=lambda done: progress.update(task, completed=done))
    finish(report, gate_path)


def finish(report: Report, gate_path: Path | None) -> None:
    """Keep the gate's copy current, show the verdict, emit JSON; exit 1 unless parity holds."""
    ui = get_ui()
    if gate_path is not None and gate_path.resolve() != report.files["json"].resolve():
        # `shopbot cutover` reads the environment's parity_report: keep it current as well
        gate_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = gate_path.with_name(gate_path.name + ".tmp")
        shutil.copyfile(report.files["json"], temporary)
        temporary.replace(gate_path)
        report.files["gate"] = gate_path
    _show(report)
    ui.emit_json({**report.data, "files": {k: str(v) for k, v in report.files.items()}})
    if not report.passed:
        failed = [r["route"] for r in report.data["routes"] if r["verdict"] == "fail"]
        thin = [r["route"] for r in report.data["routes"] if r["verdict"] == "inconclusive"]
        skipped = report.data["skipped"]["total"]
        reason = (f"{len(failed)} route(s) differ: {', '.join(failed[:5])}" if failed else
                  f"{len(thin)} route(s) have too few requests to decide: {', '.join(thin[:5])}" if thin else
                  f"no request was replayed ({skipped} mutating request(s) skipped: mark them `safe: true` "
                  "or pass --allow-mutations)")
        ui.error(f"parity failed - {reason}; see {report.files['html']}")
        raise typer.Exit(int(ExitStatus.DIFFERENCES))


def _show(report: Report) -> None:
    ui = get_ui()
    rows = []
    for route in report.data["routes"]:
        latency = route["latency"]
        p95 = [f"{latency[s]['p95']:.1f}" if latency.get(s) else "-" for s in ("primary", "candidate")]
        rows.append([escape(route["route"]), route["verdict"], route["requests"], p95[0], p95[1],
                     latency.get("p95_ratio") or "-"])
    ui.table("parity by route", ["route", "verdict", "requests", "p95 P ms", "p95 C ms", "ratio"], rows)
    for route in report.data["routes"]:
        if route["verdict"] in ("fail", "inconclusive"):
            for line in route["failures"][:5]:
                ui.info(f"[red]✗[/] {escape(route['route'])}: {escape(line)}")
    no_body = report.data["not_compared"]["mutating_without_body"]
    if no_body:
        ui.warn(f"{no_body} mutating request(s) without bodies: not compared (ALB logs carry no bodies; "
                "add a HAR or YAML corpus with bodies for the same routes)")
    left_out = report.data["corpus_skipped"]
    for reason, count in sorted(left_out["by_reason"].items()):
        ui.warn(f"{count} corpus entr{'y' if count == 1 else 'ies'} skipped: {reason}")
    skipped = report.data["skipped"]["total"]
    if skipped:
        ui.warn(f"{skipped} mutating request(s) skipped (mark them `safe: true` or pass --allow-mutations)")
    if report.passed:
        ui.success(escape(f"parity: {report.data['requests']} request(s) answered alike; "
                          f"report {report.files['html']}"))
