"""One cost report: both sides itemised, break-even, the cost curve, routes, memory sizes,
peak concurrency. A plain dict (what `--json` prints and the HTML page draws)."""

from __future__ import annotations

from typing import Any

from . import capacity, model
from .model import Deployment
from .prices import Prices
from .reports import Durations
from .traffic import Traffic


def build_report(traffic: Traffic, deployment: Deployment, prices: Prices, reports: Durations | None,
                 memories: list[int] | None = None) -> dict[str, Any]:
    ecs = model.ecs_cost(traffic, deployment, prices)
    lam = model.lambda_cost(traffic, deployment, prices, reports)
    factor = model.break_even(traffic, deployment, prices, reports)
    monthly_requests = traffic.count * model.month_factor(traffic)
    duration = model.lambda_duration(traffic, deployment, reports)
    curve = [{"factor": f, "requests_per_month": monthly_requests * f,
              "ecs": round(model.ecs_cost(traffic, deployment, prices, f).total, 2),
              "lambda": round(model.lambda_cost(traffic, deployment, prices, reports, f).total, 2)}
             for f in model.curve_factors()]
    sizes = []
    for memory in memories or []:
        at = model.lambda_duration(traffic, deployment, reports, memory)
        side = model.lambda_cost(traffic, deployment, prices, reports, memory_mb=memory)
        sizes.append({"memory_mb": memory, "duration_ms": round(at.total_ms, 1), "wait_ms": round(at.wait_ms, 1),
                      "cpu_ms": round(at.cpu_ms, 1), "init_ms": round(at.init_ms, 1),
                      "lambda_total": round(side.total, 2),
                      "duration_cost": round(next(i.monthly for i in side.items if i.unit == "GB-seconds"), 2),
                      "p99_concurrency": round(capacity.peak(traffic, at).p99_concurrency, 2)})
    cheaper = "lambda" if lam.total < ecs.total else "ecs"
    return {
        "version": 1,
        "region": deployment.region,
        "prices": {"date": prices.date, "source": prices.source, "sources": prices.sources},
        "traffic": {"requests": traffic.count, "period_seconds": traffic.period_seconds,
                    "first": traffic.first, "last": traffic.last,
                    "requests_per_month": round(monthly_requests),
                    "mean_target_ms": round(traffic.mean_seconds * 1000, 1),
                    "received_bytes": traffic.received, "sent_bytes": traffic.sent,
                    "lines": traffic.lines, "skipped": traffic.skipped_note()},
        "lambda_duration": {"memory_mb": duration.memory_mb, "total_ms": round(duration.total_ms, 1),
                            "wait_ms": round(duration.wait_ms, 1), "cpu_ms": round(duration.cpu_ms, 1),
                            "init_ms": round(duration.init_ms, 1), "source": duration.source,
                            "cpu_fraction": deployment.cpu_fraction},
        "ecs": ecs.as_dict(),
        "lambda": lam.as_dict(),
        "cheaper": cheaper,
        "difference": round(abs(lam.total - ecs.total), 2),
        "break_even": None if factor is None else {
            "factor": round(factor, 4), "requests_per_month": round(monthly_requests * factor)},
        "curve": curve,
        "routes": [{**row, "requests_per_month": round(row["requests_per_month"]), "mean_ms": round(row["mean_ms"], 1),
                    "duration_cost": round(row["duration_cost"], 2), "share": round(row["share"], 4)}
                   for row in model.route_costs(traffic, deployment, prices, reports)],
        "memory": sizes,
        "peak": capacity.peak(traffic, duration).as_dict(),
        "notes": _notes(traffic, deployment, prices, reports),
    }


def _notes(traffic: Traffic, deployment: Deployment, prices: Prices, reports: Durations | None) -> list[str]:
    notes = [f"prices: {prices.source} dated {prices.date}, {deployment.region}, on-demand, no free tier",
             f"the logs cover {traffic.period_seconds / 3600:.2f} h, scaled to a 730-hour month"]
    if traffic.period_seconds < 7 * 86_400:
        notes.append("less than a week of logs: weekly patterns are not in this estimate")
    if reports is None or not reports.count:
        notes.append("no REPORT lines: Lambda durations are the ECS target times (pass --lambda-logs)")
    elif reports.other_sizes:
        notes.append(f"REPORT lines of other memory sizes left out: {dict(reports.other_sizes)}")
    if traffic.skipped_note():
        notes.append(f"left out: {traffic.skipped_note()}")
    notes.append("CloudFront, Redis, Elasticsearch and the LLM cost the same on both sides and are not priced")
    return notes
