"""`cutover --canary PERCENT` and `cutover --promote`: CloudFront continuous deployment.

A canary is a staging copy of the distribution whose behaviours point at the new origin,
and a `SingleWeight` policy (sticky per viewer session) attached to the primary that sends
PERCENT of viewers there. `--promote` copies the staging config onto the primary
(`UpdateDistributionWithStagingConfig`, IfMatch "<primary etag>, <staging etag>");
`rollback` during a canary detaches the policy. The same ledger discipline as a cutover:
intent before the first write, outcome after the last.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from ..aws import AwsClients
from ..aws import cloudfront as cf
from ..errors import CliError
from ..plan import Plan, execute
from ..settings.environments import Settings
from ..ui import UI
from . import planning
from .flow import (
    Options,
    Run,
    check_drift,
    follow,
    gate_fields,
    new_run,
    required_settings,
    run_gates,
    show_move,
)
from .ledger import Ledger
from .planning import INTENT, OUTCOME, Move

MAX_PERCENT = 15.0
STICKINESS_SECONDS = 300     # CloudFront allows 300-3600 s
POLICY_FIELD = "ContinuousDeploymentPolicyId"


def run_canary(
    settings: Settings,
    target: str,
    percent: float,
    *,
    clients: AwsClients | None = None,
    ui: UI | None = None,
    options: Options | None = None,
) -> dict[str, Any]:
    """Start a canary: PERCENT of viewers (sticky) go to a staging copy pointing at `target`."""
    if not 0 < percent <= MAX_PERCENT:
        raise CliError(f"--canary {percent:g}: CloudFront continuous deployment allows more than 0 and at "
                       f"most {MAX_PERCENT:g} percent")
    settings.require(*required_settings(options))
    run = new_run(settings, clients, ui, options)
    to_origin = planning.origin_for(settings, target)
    live, etag = cf.get_config(run.cloudfront, run.distribution_id)
    if live.get(POLICY_FIELD):
        raise CliError(f"a canary is already running on {run.distribution_id} (policy {live[POLICY_FIELD]}): "
                       "`shopbot cutover --promote` or `shopbot rollback` first")
    staged = planning.plan_move(run.distribution_id, live, etag, dict.fromkeys(settings.behaviors, to_origin))
    result: dict[str, Any] = {"action": "canary", "distribution": run.distribution_id, "target": target,
                              "percent": percent, "changed": False, "moves": staged.moves}
    if staged.is_noop:
        run.ui.success(f"{', '.join(settings.behaviors)} already served by {target}: no canary needed")
        return result
    ledger = run.ledger()
    drifted = planning.drift(live, planning.last_change(ledger.entries(), run.distribution_id))
    show_move(run, staged, f"Canary of {run.distribution_id}: {percent:g}% of viewers to {target}")
    check_drift(run, drifted, "canary")
    gates, report = run_gates(run, target)
    fields = {"action": "canary", "target": target, "percent": percent, **gate_fields(gates, report, drifted)}
    state: dict[str, Any] = {}
    plan = Plan(f"Start the canary on {run.distribution_id}")
    plan.add("record the intent in the ledger (previous config + ETag)",
             lambda: state.update(intent=ledger.append(
                 INTENT, distribution=run.distribution_id, etag=etag, previous_config=planning.redacted(live),
                 moves={}, **fields)))
    plan.add("CopyDistribution(Staging=True) and point the staging copy at the new origin",
             lambda: state.update(staging=_stage(run, staged, state["intent"]["id"])),
             [escape(str(change)) for change in staged.diff])
    plan.add(f"CreateContinuousDeploymentPolicy SingleWeight {percent / 100:.2f}, sticky {STICKINESS_SECONDS} s",
             lambda: state.update(policy=cf.create_weight_policy(
                 run.cloudfront, state["staging"][1], percent / 100, STICKINESS_SECONDS)))
    plan.add(f"attach the policy to {run.distribution_id} (IfMatch {etag})",
             lambda: state.update(etag=_attach(run, live, etag, state["policy"])))
    plan.add("record the outcome in the ledger",
             lambda: ledger.append(OUTCOME, distribution=run.distribution_id, intent_id=state["intent"]["id"],
                                   ok=True, etag=state["etag"], staging_id=state["staging"][0],
                                   staged_moves=staged.moves, policy_id=state["policy"],
                                   set_fields={POLICY_FIELD: state["policy"]}))
    execute(plan, run.ui, dry_run=run.options.dry_run)
    if run.options.dry_run:
        return {**result, "dry_run": True}
    result.update(changed=True, staging_id=state["staging"][0], policy_id=state["policy"], etag=state["etag"])
    run.ui.success(f"canary running: {percent:g}% of viewers to {target} via {state['staging'][0]}; "
                   "`shopbot cutover --promote` to finish, `shopbot rollback` to stop")
    follow(run, None, result)
    return result


def _stage(run: Run, staged: Move, intent_id: str) -> tuple[str, str]:
    """Copy the primary to staging and move the staging copy's behaviours; (id, domain)."""
    staging_id, _ = cf.copy_to_staging(run.cloudfront, run.distribution_id, staged.etag,
                                        f"shopbot-canary-{intent_id[:16]}")
    state = cf.get_state(run.cloudfront, staging_id)
    origins = {name: moved["to"] for name, moved in staged.moves.items()}
    move = planning.plan_move(staging_id, state.config, state.etag, origins)
    cf.update_config(run.cloudfront, staging_id, move.new, state.etag)
    return staging_id, state.domain_name


def _attach(run: Run, live: dict[str, Any], etag: str, policy_id: str) -> str:
    """The primary's config as planned, plus the policy id: the only field that changes."""
    return cf.update_config(run.cloudfront, run.distribution_id, {**live, POLICY_FIELD: policy_id}, etag)


def run_promote(
    settings: Settings,
    *,
    clients: AwsClients | None = None,
    ui: UI | None = None,
    options: Options | None = None,
) -> dict[str, Any]:
    """Copy the running canary's staging config onto the primary (everyone moves)."""
    settings.require("distribution_id", "ledger")
    run = new_run(settings, clients, ui, options)
    live, etag = cf.get_config(run.cloudfront, run.distribution_id)
    ledger: Ledger = run.ledger()
    canary = planning.last_applied(ledger.entries(), run.distribution_id, ("canary", "promote", "cutover",
                                                                            "rollback"))
    if canary is None or canary.intent.get("action") != "canary" or canary.outcome is None \
            or not live.get(POLICY_FIELD):
        raise CliError(f"no canary is running on {run.distribution_id}: start one with "
                       "`shopbot cutover --to lambda --canary 5`")
    staging_id = str(canary.outcome["staging_id"])
    _, staging_etag = cf.get_config(run.cloudfront, staging_id)
    moves = canary.outcome.get("staged_moves") or {}
    result: dict[str, Any] = {"action": "promote", "distribution": run.distribution_id, "staging_id": staging_id,
                              "changed": False, "moves": moves}
    state: dict[str, Any] = {}
    plan = Plan(f"Promote staging {staging_id} onto {run.distribution_id}")
    plan.add("record the intent in the ledger (previous config + ETags)",
             lambda: state.update(intent=ledger.append(
                 INTENT, distribution=run.distribution_id, action="promote", target=canary.intent.get("target"),
                 etag=etag, staging_etag=staging_etag, previous_config=planning.redacted(live), moves=moves,
                 gates=[])))
    plan.add(f"UpdateDistributionWithStagingConfig (IfMatch '{etag}, {staging_etag}')",
             lambda: state.update(etag=cf.promote_staging(run.cloudfront, run.distribution_id, staging_id,
                                                          etag, staging_etag)))
    plan.add("record the outcome in the ledger",
             lambda: ledger.append(OUTCOME, distribution=run.distribution_id, intent_id=state["intent"]["id"],
                                   ok=True, etag=state["etag"]))
    execute(plan, run.ui, dry_run=run.options.dry_run)
    if run.options.dry_run:
        return {**result, "dry_run": True}
    result.update(changed=True, etag=state["etag"])
    run.ui.success(f"promoted {staging_id} onto {run.distribution_id}")
    follow(run, canary.intent.get("target"), result)
    return result
