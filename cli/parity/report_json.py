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

from .corpus import Loaded
from .latency import Budget, histogram
from .noise import upper_bound
from .routes import RouteTable
from .runner import RouteState, RunResult

REPORT_NAME = "parity-report.json"


def build_report(result: RunResult, *, primary: str, candidate: str, corpus_sha256: str, budget: Budget,
                 table: RouteTable | None, table_note: str | None, loaded: Loaded | None = None) -> dict[str, Any]:
    routes: list[dict[str, Any]] = []
    differences: list[dict[str, Any]] = []
    known = table.routes if table else []
    replayed = {key for key, state in result.routes.items() if state.requests}
    for key in [*known, *sorted(set(result.routes) - set(known))]:
        state = result.routes.get(key, RouteState())
        entry, findings = _route(key, state, budget)
        routes.append(entry)
        differences.extend(findings)
    # passed: something was compared, and every route that was replayed passed with enough samples
    passed = result.requests > 0 and all(r["verdict"] not in ("fail", "inconclusive") for r in routes)
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
        # entries of the corpus left out on purpose (WebSocket, answered by the ALB itself, ...), by reason
        "corpus_skipped": {"total": sum((loaded or Loaded()).skipped.values()),
                           "by_reason": (loaded or Loaded()).skipped, "listed": (loaded or Loaded()).skipped_listed},
        "not_compared": {"mutating_without_body": result.no_body},
        "warmup": {side: samples.summary() for side, samples in result.warmup.items()},
    }


def _route(key: str, state: RouteState, budget: Budget) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    why: list[str] = []
    failures: list[str] = []
    findings: list[dict[str, Any]] = []
    primary, candidate = state.primary.summary(), state.candidate.summary()
    ratio, breach, latency_note = budget.assess(primary, candidate)
    if not state.requests:
        verdict = "not_covered"
        if state.skipped:
            why.append(f"{state.skipped} mutating request(s) skipped: mark them `safe: true` or pass --allow-mutations")
        if not state.skipped and not state.no_body:
            why.append("no request in the corpus reached this route")
    else:
        for decision in state.noise.verdicts():
            f = decision.finding
            findings.append({"route": key, "key": f.key, "kind": f.kind, "label": f.label,
                             "outcome": decision.outcome, "reason": decision.reason, "count": f.count,
                             "stats": decision.stats, "examples": f.examples})
            if decision.outcome == "fail":
                failures.append(decision.reason)
            else:
                why.append(decision.reason)
        failures.extend(f"{kind} ({count} answer(s))" for kind, count in sorted(state.errors.items()))
        if breach:
            failures.append(breach)
        elif latency_note:
            why.append(latency_note)
        for side, summary in (("primary", primary), ("candidate", candidate)):
            if summary and summary.get("cold_starts"):
                why.append(f"{side}: {int(summary['cold_starts'])} cold start(s) kept out of the latency "
                           f"comparison (slowest {summary['cold_max']:.0f} ms)")
        if state.skipped:
            why.append(f"{state.skipped} mutating request(s) skipped")
        enough = state.requests >= state.min_requests
        verdict = "fail" if failures else "pass" if enough else "inconclusive"
        if verdict == "inconclusive":
            failures.append(f"not enough samples: {state.requests} request(s) on this route, the gate needs "
                            f"{state.min_requests} (parity_min_route_requests, or rules.min_requests in the corpus)")
        elif not failures:
            why.insert(0, f"{state.requests} request(s) answered alike on both sides (x2 each)")
        why.append(_confidence_line(state.requests))
        why[:0] = failures
    if state.no_body:
        why.append(f"{state.no_body} mutating request(s) without bodies: not compared (the log carries no "
                   "bodies; add a HAR or YAML corpus with bodies for this route and they are lent)")
    entry = {
        "route": key,
        "verdict": verdict,
        "why": why,
        "failures": failures,
        "requests": state.requests,
        "min_requests": state.min_requests,
        "confidence": {"requests": state.requests, "unseen_difference_rate_95": round(upper_bound(0, state.requests),
                                                                                       4)},
        "thresholds": state.noise.thresholds.as_dict(),
        "latency": {"primary": primary, "candidate": candidate, "p95_ratio": ratio},
        "histogram": histogram(state.primary, state.candidate),
        "noise": state.noise.field_report(),
        "errors": state.error_examples,
    }
    return entry, findings


def _confidence_line(requests: int) -> str:
    return (f"confidence: with {requests} request(s), a difference touching up to "
            f"{upper_bound(0, requests) * 100:.1f}% of this route's requests could go unseen (95% bound)")


def write_json(report: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_NAME
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(report, indent=2, default=str) + "\n")
    temporary.replace(path)  # a reader (cutover) never sees half a report
    return path
