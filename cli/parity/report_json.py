"""The decision log: every route's verdict and why, as the JSON `shopbot cutover` gates on.

Contract (version 1): version, generated_at (ISO-8601 UTC), primary, candidate, corpus_sha256,
passed, requests, routes[{route, verdict, why, latency{primary, candidate, p95_ratio}}],
differences, coverage{covered, not_covered}. Extra keys may be added; none are removed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .latency import MIN_BUDGET_SAMPLES, Budget, histogram
from .routes import RouteTable
from .runner import RouteState, RunResult

REPORT_NAME = "parity-report.json"


def build_report(result: RunResult, *, primary: str, candidate: str, corpus_sha256: str, budget: Budget,
                 table: RouteTable | None, table_note: str | None) -> dict[str, Any]:
    routes: list[dict[str, Any]] = []
    differences: list[dict[str, Any]] = []
    known = table.routes if table else []
    replayed = {key for key, state in result.routes.items() if state.requests}
    for key in [*known, *sorted(set(result.routes) - set(known))]:
        state = result.routes.get(key, RouteState())
        entry, findings = _route(key, state, budget)
        routes.append(entry)
        differences.extend(findings)
    passed = result.requests > 0 and all(r["verdict"] != "fail" for r in routes)
    return {
        "version": 1,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "primary": primary,
        "candidate": candidate,
        "corpus_sha256": corpus_sha256,
        "passed": passed,
        "requests": result.requests,
        "sent": result.sent,
        "duration_seconds": round(result.seconds, 3),
        "budget": {"p95_ratio": budget.p95_ratio, "min_ms": budget.min_ms},
        "routes": routes,
        "differences": differences,
        "coverage": {
            "covered": [k for k in known if k in replayed],
            "not_covered": [k for k in known if k not in replayed],
            "route_table": "shopbot.create_app().url_map" if table else f"unavailable ({table_note})",
        },
        "skipped": {"total": result.skipped_total, "listed": result.skipped},
        "warmup": {side: samples.summary() for side, samples in result.warmup.items()},
    }


def _route(key: str, state: RouteState, budget: Budget) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    why: list[str] = []
    failures: list[str] = []
    findings: list[dict[str, Any]] = []
    primary, candidate = state.primary.summary(), state.candidate.summary()
    ratio, breach = budget.check(primary, candidate)
    if not state.requests:
        verdict = "not_covered"
        why.append(f"{state.skipped} mutating request(s) skipped: mark them `safe: true` or pass --allow-mutations"
                   if state.skipped else "no request in the corpus reached this route")
    else:
        for decision in state.noise.verdicts():
            f = decision.finding
            findings.append({"route": key, "key": f.key, "kind": f.kind, "label": f.label,
                             "outcome": decision.outcome, "reason": decision.reason, "count": f.count,
                             "examples": f.examples})
            if decision.outcome == "fail":
                failures.append(decision.reason)
            else:
                why.append(decision.reason)
        failures.extend(f"{kind} ({count} answer(s))" for kind, count in sorted(state.errors.items()))
        if breach:
            failures.append(breach)
        elif primary and candidate and min(primary["count"], candidate["count"]) < MIN_BUDGET_SAMPLES:
            why.append(f"latency budget not checked: {int(min(primary['count'], candidate['count']))} sample(s) "
                       f"per side, {MIN_BUDGET_SAMPLES} needed")
        for side, summary in (("primary", primary), ("candidate", candidate)):
            if summary and summary.get("cold_starts"):
                why.append(f"{side}: {int(summary['cold_starts'])} cold start(s) kept out of the latency "
                           f"comparison (slowest {summary['cold_max']:.0f} ms)")
        if state.skipped:
            why.append(f"{state.skipped} mutating request(s) skipped")
        verdict = "fail" if failures else "pass"
        if not failures:
            why.insert(0, f"{state.requests} request(s) answered alike on both sides (x2 each)")
        why[:0] = failures
    entry = {
        "route": key,
        "verdict": verdict,
        "why": why,
        "failures": failures,
        "requests": state.requests,
        "latency": {"primary": primary, "candidate": candidate, "p95_ratio": ratio},
        "histogram": histogram(state.primary, state.candidate),
        "noise": state.noise.field_report(),
        "errors": state.error_examples,
    }
    return entry, findings


def write_json(report: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_NAME
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(report, indent=2, default=str) + "\n")
    temporary.replace(path)  # a reader (cutover) never sees half a report
    return path
