"""`shopbot status`: where traffic goes now, and how it got there.

Read-only. The truth comes from CloudFront (each moved behaviour's origin, the deploy
status); the history from the ledger. When the last intent has no outcome (the run crashed
between the two), the live config is compared with the intent to say whether the change
was applied - the ledger alone cannot know.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from ..aws import AwsClients
from ..aws import cloudfront as cf
from ..settings.environments import Settings
from ..ui import UI, get_ui
from . import planning
from .gates import health_gate
from .ledger import Ledger
from .targets_status import show_targets


def read_status(
    settings: Settings, *, clients: AwsClients | None = None, ui: UI | None = None
) -> dict[str, Any]:
    """Behaviours, deploy status, origin health and ledger history, shown and returned."""
    settings.require("distribution_id")
    ui = ui or get_ui()
    clients = clients or AwsClients(settings)
    distribution_id = str(settings.distribution_id)
    state = cf.get_state(clients.client("cloudfront"), distribution_id)
    behaviours = _behaviours(settings, state.config)
    result: dict[str, Any] = {
        "distribution": distribution_id,
        "status": state.status,
        "domain_name": state.domain_name,
        "behaviours": behaviours,
        "mix": _mix(behaviours),
        "canary": _canary(state.config),
        "health": _health(settings),
        "history": [],
        "last_change": None,
        "ledger_problems": [],
        "lease": None,
    }
    if settings.ledger:
        ledger = Ledger.open(clients, settings.ledger)
        entries = ledger.entries()
        result["ledger_problems"] = ledger.problems
        result["lease"] = ledger.lease()
        result["history"] = [_row(change) for change in planning.changes(entries, distribution_id)]
        last = planning.last_change(entries, distribution_id)
        standing = planning.last_standing(entries, distribution_id)
        if last is not None:
            drifted = planning.drift(state.config, standing)
            result["last_change"] = {
                "intent_id": last.intent["id"],
                "action": last.intent.get("action"),
                "outcome": _outcome(last),
                "live_config": planning.explain(state.config, last),
                "drift": [str(change) for change in drifted],
                "missing": _missing(last, state.config),
            }
            if last.intent.get("action") == "canary":
                result["canary"]["state"] = _canary_state(last, state.config)
    _show(ui, result)
    result["targets"] = show_targets(clients, settings, ui)  # issue 17: alias, provisioned concurrency, ECS
    return result


def _behaviours(settings: Settings, config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every behaviour of the distribution, and a configured one deleted by hand as missing."""
    present = planning.present_behaviours(config)
    origins = planning.behaviour_origins(config, present)
    shown: dict[str, dict[str, Any]] = {name: {"origin": origin, "target": planning.target_of(settings, origin)}
             for name, origin in origins.items()}
    for name in settings.behaviors:
        shown.setdefault(name, {"origin": None, "target": "missing"})
    return shown


def _missing(last: planning.LastChange, config: dict[str, Any]) -> list[str]:
    """Behaviours the last change moved (or could not restore) that the distribution no longer has."""
    present = set(planning.present_behaviours(config))
    named = [*(last.intent.get("moves") or {}), *(last.intent.get("missing") or [])]
    return sorted({str(name) for name in named if name not in present})


def _mix(behaviours: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Which behaviours each target serves (a strangler cutover shows both)."""
    mix: dict[str, list[str]] = {}
    for name, behaviour in behaviours.items():
        mix.setdefault(str(behaviour["target"]), []).append(name)
    return mix


def _canary(config: dict[str, Any]) -> dict[str, Any]:
    policy = config.get(planning.POLICY_FIELD) or None
    return {"policy_id": policy, "state": "running" if policy else "none"}


def _canary_state(last: planning.LastChange, config: dict[str, Any]) -> str:
    """A canary's true state from its ledger entries and the live policy field."""
    if last.failed:
        return f"failed to start ({(last.outcome or {}).get('error') or 'no reason recorded'})"
    if last.outcome is None:
        return planning.explain(config, last)
    return "running" if config.get(planning.POLICY_FIELD) else "stopped (policy detached by hand?)"


def _health(settings: Settings) -> dict[str, Any]:
    checks = {"ecs": settings.alb_url, "lambda": settings.api_url}
    return {target: health_gate(f"health:{target}", url, settings.health_path).as_dict()
            for target, url in checks.items() if url}


def _outcome(change: planning.LastChange) -> str:
    if change.outcome is None:
        return "not recorded"
    return "ok" if change.outcome.get("ok") else f"failed: {change.outcome.get('error', '')}"


def _row(change: planning.LastChange) -> dict[str, Any]:
    intent = change.intent
    moves = intent.get("moves") or {}
    gates = [gate for gate in intent.get("gates") or [] if isinstance(gate, dict)]
    return {
        "at": intent.get("at"),
        "who": intent.get("who"),
        "action": intent.get("action"),
        "from": sorted({moved["from"] for moved in moves.values()}),
        "to": sorted({moved["to"] for moved in moves.values()}),
        "gates_passed": [gate["name"] for gate in gates if gate.get("passed")],
        "gates_skipped": [gate["name"] for gate in gates if gate.get("skipped")],
        "parity_report": intent.get("parity_report") if isinstance(intent.get("parity_report"), dict) else None,
        "outcome": _outcome(change),
    }


def _cells(rows: list[tuple[Any, ...]]) -> list[tuple[str, ...]]:
    return [tuple(escape(str(cell)) for cell in row) for row in rows]


def _show(ui: UI, result: dict[str, Any]) -> None:
    ui.info(f"[bold]{result['distribution']}[/] ({result['domain_name']}): {result['status']}")
    ui.table("Behaviours", ["behaviour", "origin", "target"],
             _cells([(name, b["origin"], b["target"]) for name, b in result["behaviours"].items()]))
    ui.table("Origin health", ["target", "healthy", "detail"],
             _cells([(t, "yes" if h["passed"] else "NO", h["detail"]) for t, h in result["health"].items()]))
    if result["history"]:
        ui.info("[bold]Ledger[/] (when, who, action, from -> to, gates, parity report, outcome)")
    for r in result["history"]:
        parity = ((r["parity_report"] or {}).get("sha256") or "-")[:12]
        skipped = f" skipped: {','.join(r['gates_skipped'])}" if r["gates_skipped"] else ""
        ui.info(escape(f"  {r['at']}  {r['who']}  {r['action']}  {','.join(r['from']) or '-'} -> "
                       f"{','.join(r['to']) or '-'}  gates passed: {','.join(r['gates_passed']) or '-'}"
                       f"{skipped}  parity {parity}  {r['outcome']}"))
    ui.info(escape("Mix: " + "; ".join(f"{target}: {', '.join(names)}" for target, names in result["mix"].items())))
    if result["canary"]["state"] != "none":
        ui.info(escape(f"Canary: {result['canary']['state']} (policy {result['canary']['policy_id'] or '-'})"))
    lease = result["lease"]
    if lease:
        ui.warn(escape(f"in progress: {lease['action']} {str(lease['id'])[:8]} by {lease['who']} "
                       f"since {lease['since']}"))
    for problem in result["ledger_problems"]:
        ui.warn(escape(problem))
    last = result["last_change"]
    if last:
        ui.info(escape(f"Last change {last['intent_id'][:8]} ({last['action']}), outcome {last['outcome']}: "
                       f"{last['live_config']}"))
        for line in last["drift"]:
            ui.warn(f"drift: {escape(line)}")
        for name in last["missing"]:
            ui.warn(escape(f"behaviour {name} is recorded in the ledger but no longer exists in the distribution"))
