"""`cutover`, `rollback` and `status` end to end: plan, gate, confirm, record, apply, wait, verify.

The order is the safety argument. The plan reads CloudFront once (`GetDistributionConfig`);
the ledger's *intent* entry (with the full previous config and its ETag) is written BEFORE
`UpdateDistribution(IfMatch=ETag)`, and the *outcome* after it. A crash between any two
steps therefore leaves an intent whose effect `status` can tell from the live config, and
`rollback` restores the origins that intent recorded, never "the other origin".

These functions are also the programmatic API (the demo calls them): they return a dict
that is exactly what `--json` prints.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape

from ..aws import AwsClients
from ..aws import cloudfront as cf
from ..cost.gate import capacity_gate
from ..errors import CliError, ConflictError, ExitStatus
from ..plan import Plan, execute
from ..settings.environments import Settings
from ..ui import UI, get_ui
from . import planning
from .edge_verify import EdgeReport, verify_edge
from .gates import GateResult, ParityReport, enforce, health_gate, parity_gate
from .ledger import Ledger, lease_refusal
from .planning import INTENT, OUTCOME, Change, Move

CUTOVER_SETTINGS = ("distribution_id", "alb_origin_id", "api_origin_id", "alb_url", "api_url",
                    "parity_report", "ledger")
GATE_SETTINGS = ("alb_url", "api_url", "parity_report")  # only the gates read these: --force skips them
UNDOABLE = ("cutover", "promote", "canary")
MOVES = ("cutover", "promote")
# Who holds the ledger lease: this process (a nested step, like the watch's rollback, re-enters).
PROCESS_HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Options:
    """How far to go: `wait=False` is `--no-wait`, `verify=False` skips the edge check."""

    yes: bool = False
    dry_run: bool = False
    force: bool = False
    wait: bool = True
    verify: bool = True
    poll_seconds: float = 15.0
    verify_seconds: float = 300.0
    behaviors: list[str] | None = None      # --behavior: these instead of the settings' `behaviors`
    everything: bool = False                # rollback --all
    holder: str = field(default=PROCESS_HOLDER)


@dataclass
class Run:
    """One invocation's settings, clients and console (built once, passed everywhere)."""

    settings: Settings
    clients: AwsClients
    ui: UI
    options: Options

    @property
    def cloudfront(self) -> Any:
        return self.clients.client("cloudfront")

    @property
    def distribution_id(self) -> str:
        return str(self.settings.distribution_id)

    @property
    def behaviours(self) -> list[str]:
        return list(self.options.behaviors or self.settings.behaviors)

    def ledger(self) -> Ledger:
        ledger = Ledger.open(self.clients, str(self.settings.ledger))
        ledger.entries()
        for problem in ledger.problems:
            self.ui.warn(escape(problem))
        return ledger


@contextmanager
def holding(run: Run, action: str) -> Iterator[None]:
    """Hold the ledger lease for the whole change (a dry run only says who holds it)."""
    ledger = run.ledger()
    if run.options.dry_run:
        refusal = lease_refusal(ledger.lease(), run.options.holder, time.time())
        if refusal:
            run.ui.warn(f"a real run would stop here: {escape(refusal)}")
        yield
        return
    lease = ledger.acquire(run.options.holder, action, run.settings.lease_seconds, force=run.options.force)
    try:
        yield
    finally:
        if lease is not None and not ledger.release(lease["id"]):
            run.ui.warn("our ledger lease was broken by someone else (--force) while we worked: "
                        "check `shopbot status`")


def required_settings(options: Options | None) -> tuple[str, ...]:
    """What a cutover needs: with --force the gates may be skipped, so not what only they read."""
    if options is not None and options.force:
        return tuple(name for name in CUTOVER_SETTINGS if name not in GATE_SETTINGS)
    return CUTOVER_SETTINGS


def new_run(settings: Settings, clients: AwsClients | None, ui: UI | None, options: Options | None) -> Run:
    options = options or Options()
    ui = ui or get_ui()
    ui.assume_yes = ui.assume_yes or options.yes
    return Run(settings, clients or AwsClients(settings), ui, options)


# --- cutover --------------------------------------------------------------------------


def run_cutover(
    settings: Settings,
    target: str,
    *,
    clients: AwsClients | None = None,
    ui: UI | None = None,
    options: Options | None = None,
) -> dict[str, Any]:
    """Move the configured behaviours to `target` (`lambda` or `ecs`)."""
    settings.require(*required_settings(options))
    run = new_run(settings, clients, ui, options)
    to_origin = planning.origin_for(settings, target)
    with holding(run, "cutover"):
        return _cutover(run, target, to_origin)


def _cutover(run: Run, target: str, to_origin: str) -> dict[str, Any]:
    live, etag = cf.get_config(run.cloudfront, run.distribution_id)
    if live.get("ContinuousDeploymentPolicyId"):
        raise CliError(f"a canary is running on {run.distribution_id}: `shopbot cutover --promote` or "
                       "`shopbot rollback` it first")
    move = planning.plan_move(run.distribution_id, live, etag, dict.fromkeys(run.behaviours, to_origin))
    result: dict[str, Any] = {"action": "cutover", "distribution": run.distribution_id, "target": target,
                              "changed": False, "moves": move.moves}
    if move.is_noop:
        run.ui.success(f"{', '.join(run.behaviours)} already served by {target} ({to_origin}): nothing to do")
        return result
    ledger = run.ledger()
    drifted = planning.drift(live, planning.last_standing(ledger.entries(), run.distribution_id))
    show_move(run, move, f"Cutover of {run.distribution_id} to {target}")
    check_drift(run, drifted, "cutover")
    gates, report = run_gates(run, target)
    fields = {"action": "cutover", "target": target, **gate_fields(gates, report, drifted)}
    result["gates"] = fields["gates"]
    return _apply_and_follow(run, ledger, move, fields, target, result)


def run_gates(run: Run, target: str) -> tuple[list[GateResult], ParityReport]:
    settings = run.settings
    url_setting = "api_url" if target == "lambda" else "alb_url"
    target_url = getattr(settings, url_setting)
    missing = [name for name in GATE_SETTINGS if not getattr(settings, name)]
    if missing:  # only reachable with --force (required_settings): the gate cannot run, so it fails
        parity, report = GateResult("parity", False, f"not checked: {', '.join(missing)} not set"), \
            ParityReport(str(settings.parity_report or "-"), None)
    else:
        parity, report = parity_gate(settings)
    health = (health_gate(f"health:{target}", str(target_url), settings.health_path) if target_url else
              GateResult(f"health:{target}", False, f"not checked: {url_setting} not set"))
    results = [health, parity]
    if target == "lambda":
        results.append(capacity_gate(settings, run.clients))
    gates = enforce(results, run.options.force)
    for gate in gates:
        mark = "[yellow]skipped (--force)[/]" if gate.skipped else "[green]passed[/]"
        run.ui.info(f"  gate {gate.name}: {mark} - {escape(gate.detail)}")
    return gates, report


def gate_fields(gates: list[GateResult], report: ParityReport, drifted: list[Change]) -> dict[str, Any]:
    """What the intent entry records about the gates, the parity report and forced drift."""
    return {
        "gates": [gate.as_dict() for gate in gates],
        "forced": [gate.name for gate in gates if gate.skipped] + (["drift"] if drifted else []),
        "drift": [str(change) for change in drifted],
        "parity_report": {"path": report.path, "sha256": report.sha256},
    }


# --- rollback -------------------------------------------------------------------------


def run_rollback(
    settings: Settings,
    *,
    clients: AwsClients | None = None,
    ui: UI | None = None,
    options: Options | None = None,
) -> dict[str, Any]:
    """Restore the origins the last change recorded (or `--all` changes; or detach a canary's policy).

    A behaviour deleted by hand since is skipped: the others are restored, and the result's
    `missing` names it (the command then exits 10).
    """
    settings.require("distribution_id", "ledger")
    run = new_run(settings, clients, ui, options)
    with holding(run, "rollback"):
        return _rollback(run)


def _rollback(run: Run) -> dict[str, Any]:
    live, etag = cf.get_config(run.cloudfront, run.distribution_id)
    ledger = run.ledger()
    entries = ledger.entries()
    result: dict[str, Any] = {"action": "rollback", "distribution": run.distribution_id, "changed": False,
                              "missing": []}
    undo = planning.last_applied(entries, run.distribution_id, UNDOABLE)
    if undo is None:
        run.ui.success(f"nothing to roll back: the ledger records no cutover of {run.distribution_id}")
        return result
    missing: list[str] = []
    if undo.intent.get("action") == "canary" and not run.options.everything:
        move = _detach_policy_move(run, live, etag)
    else:
        restore = {name: moved["from"] for name, moved in undo.intent["moves"].items()}
        if run.options.everything:
            restore = planning.first_origins(entries, run.distribution_id, MOVES)
        restore, missing = planning.split_missing(live, restore)
        move = planning.plan_move(run.distribution_id, live, etag, restore)
    result.update(undoes=undo.intent["id"], moves=move.moves, missing=missing)
    for name in missing:
        run.ui.warn(f"behaviour {escape(name)} no longer exists in {run.distribution_id} (deleted by hand?): "
                    "it cannot be restored; the others are")
    if move.is_noop:
        run.ui.success(f"nothing to roll back: {run.distribution_id} is already as it was before "
                       f"the {undo.intent.get('action')} of {undo.intent.get('at')}")
        return result
    drifted = planning.drift(live, planning.last_standing(entries, run.distribution_id))
    blocking = [change for change in drifted if not planning.is_missing_behaviour(change, missing)]
    show_move(run, move, f"Rollback of {run.distribution_id} (undoes {undo.intent.get('action')} "
                          f"{undo.intent['id'][:8]} of {undo.intent.get('at')})")
    check_drift(run, blocking, "rollback")
    fields = {"action": "rollback", "undoes": undo.intent["id"], "gates": [], "missing": missing,
              "all": run.options.everything,
              "forced": ["drift"] if blocking else [], "drift": [str(change) for change in drifted],
              "set_fields": _set_fields(move)}
    targets = {planning.target_of(run.settings, moved["to"]) for moved in move.moves.values()}
    target = targets.pop() if len(targets) == 1 and targets <= set(planning.TARGETS) else None
    done = _apply_and_follow(run, ledger, move, fields, target, result)
    if undo.intent.get("action") == "canary" and undo.outcome and not run.options.dry_run:
        from .canary import cleanup  # canary imports this module

        cleanup(run, ledger, undo.outcome.get("staging_id"), undo.outcome.get("policy_id"))
    return done


def _detach_policy_move(run: Run, live: dict[str, Any], etag: str) -> Move:
    """Rolling back a canary = the primary stops sending viewers to staging (no-op if detached)."""
    new = {**live, "ContinuousDeploymentPolicyId": ""}
    diff = planning.semantic_diff(live, new) if live.get("ContinuousDeploymentPolicyId") else []
    return Move(run.distribution_id, etag, live, new, {}, diff)


def _set_fields(move: Move) -> dict[str, Any]:
    """Top-level fields a move sets besides origins (the canary policy id)."""
    return {change.path: change.after for change in move.diff if "." not in change.path}


# --- the shared execute path ----------------------------------------------------------


def _apply_and_follow(
    run: Run, ledger: Ledger, move: Move, fields: dict[str, Any], target: str | None, result: dict[str, Any]
) -> dict[str, Any]:
    """intent -> UpdateDistribution(IfMatch) -> outcome, then wait and verify."""
    state: dict[str, Any] = {}
    plan = Plan(f"Apply to {run.distribution_id}")
    plan.add("record the intent in the ledger (previous config + ETag)",
             lambda: state.update(intent=record_intent(ledger, move, fields)))
    plan.add(f"UpdateDistribution {run.distribution_id} (IfMatch {move.etag})",
             lambda: state.update(etag=apply_update(run, ledger, move, state["intent"])),
             [escape(str(change)) for change in move.diff])
    plan.add("record the outcome in the ledger",
             lambda: record_outcome(ledger, move, state["intent"], new_etag=state["etag"]))
    execute(plan, run.ui, dry_run=run.options.dry_run)
    if run.options.dry_run:
        result["dry_run"] = True
        return result
    result.update(changed=True, intent_id=state["intent"]["id"], etag=state["etag"])
    run.ui.success(f"{run.distribution_id} updated (ETag {state['etag']})")
    follow(run, target, result)
    return result


def record_intent(ledger: Ledger, move: Move, fields: Mapping[str, Any]) -> dict[str, Any]:
    return ledger.append(INTENT, distribution=move.distribution_id, etag=move.etag,
                         previous_config=planning.redacted(move.previous), moves=move.moves, **fields)


def apply_update(run: Run, ledger: Ledger, move: Move, intent: Mapping[str, Any]) -> str:
    """UpdateDistribution with the planned ETag; a concurrent change is shown and stops us."""
    try:
        return cf.update_config(run.cloudfront, move.distribution_id, move.new, move.etag)
    except ConflictError as error:
        ledger.append(OUTCOME, distribution=move.distribution_id, intent_id=intent["id"], ok=False,
                      error=str(error))
        current, etag = cf.get_config(run.cloudfront, move.distribution_id)
        changed = planning.semantic_diff(planning.redacted(move.previous), planning.redacted(current))
        run.ui.warn(f"{move.distribution_id} changed since the plan (ETag {move.etag} -> {etag}):")
        for change in changed or [Change("(no visible difference)", None, None)]:
            run.ui.info(f"    {escape(str(change))}")
        raise ConflictError(
            f"{move.distribution_id} was changed by someone else while we planned (PreconditionFailed): "
            "nothing was changed; review the difference above and run the command again"
        ) from error


def record_outcome(ledger: Ledger, move: Move, intent: Mapping[str, Any], *, new_etag: str) -> dict[str, Any]:
    return ledger.append(OUTCOME, distribution=move.distribution_id, intent_id=intent["id"], ok=True,
                         etag=new_etag)


def follow(run: Run, target: str | None, result: dict[str, Any]) -> None:
    """Wait for `Deployed` (unless --no-wait), then verify at the edge (when edge_url is set)."""
    if not run.options.wait:
        run.ui.info("Not waiting for the deploy (--no-wait): `shopbot status` shows when it is Deployed.")
        return
    waited = cf.wait_deployed(run.cloudfront, run.distribution_id, run.ui,
                              timeout=run.settings.deploy_timeout_seconds, poll=run.options.poll_seconds)
    result["deployed_after_seconds"] = round(waited, 1)
    run.ui.success(f"{run.distribution_id} is Deployed ({waited:.0f} s)")
    if not (run.options.verify and run.settings.edge_url and target):
        return
    report: EdgeReport = verify_edge(run.settings.edge_url, target, run.settings.verify_threshold,
                                     max_seconds=run.options.verify_seconds)
    result["edge"] = report.as_dict()
    if not report.verified:
        raise CliError(f"{report.summary()}; the change is deployed: check the edge, or `shopbot rollback`",
                       ExitStatus.DIFFERENCES)
    run.ui.success(report.summary())


# --- display and refusals -------------------------------------------------------------


def show_move(run: Run, move: Move, title: str) -> None:
    run.ui.info(f"[bold]{title}[/]")
    if move.moves:
        run.ui.table(None, ["behaviour", "from origin", "to origin"],
                     [(escape(name), escape(moved["from"]), escape(moved["to"])) for name, moved in move.moves.items()])
    run.ui.info(f"  semantic diff of the whole config: {len(move.diff)} change(s), nothing else differs")


def check_drift(run: Run, drifted: list[Change], doing: str) -> None:
    if not drifted:
        return
    run.ui.warn(f"the live config of {run.distribution_id} differs from what the ledger last recorded:")
    for change in drifted:
        run.ui.info(f"    {escape(str(change))}")
    if not run.options.force:
        raise ConflictError(
            f"{run.distribution_id} was changed outside shopbot since the last recorded change "
            f"({len(drifted)} difference(s) above): review them, then run the {doing} again with --force"
        )
    run.ui.warn("continuing despite the drift (--force); the ledger records it")
