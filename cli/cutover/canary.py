"""`cutover --canary 5[,10,15] [--step-watch 10m]` and `cutover --promote`: CloudFront continuous deployment.

A canary is a staging copy of the distribution whose behaviours point at the new origin,
and a `SingleWeight` policy (sticky per viewer session) attached to the primary that sends
PERCENT of viewers there. With `--step-watch`, each step is watched (watch_rules: finished
windows, enough requests, and the staging distribution really received traffic), the
weight advances to the next step, the last step promotes, and the first breach or an
inconclusive step rolls back. Promote (`UpdateDistributionWithStagingConfig`, IfMatch
"<primary etag>, <staging etag>") leaves the policy attached, so we detach it and delete the
staging distribution and the policy (quota: 20 each per account); a rollback during a canary
does the same. CloudFront refuses continuous deployment on a distribution with HTTP/3.
The same ledger discipline as a cutover: intent before the first write, outcome after.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.markup import escape

from ..aws import AwsClients
from ..aws import cloudfront as cf
from ..errors import CliError, ExitStatus
from ..plan import Plan, execute
from ..settings.environments import Settings
from ..ui import UI
from . import planning
from . import watch_rules as rules
from .flow import (
    Options,
    Run,
    check_drift,
    follow,
    gate_fields,
    holding,
    new_run,
    required_settings,
    run_gates,
    run_rollback,
    show_move,
)
from .ledger import Ledger
from .planning import INTENT, OUTCOME, POLICY_FIELD, Move

MAX_PERCENT = 15.0
STICKINESS_SECONDS = 300     # CloudFront allows 300-3600 s
HTTP3 = ("http2and3", "http3")


def parse_steps(text: str) -> list[float]:
    """`5` or `5,10,15` -> increasing percentages, each more than 0 and at most 15."""
    try:
        steps = [float(part) for part in text.split(",")]
    except ValueError:
        raise CliError(f"--canary '{text}': give percentages such as 5 or 5,10,15") from None
    if any(not 0 < step <= MAX_PERCENT for step in steps):
        raise CliError(f"--canary '{text}': CloudFront continuous deployment allows more than 0 and at "
                       f"most {MAX_PERCENT:g} percent")
    if steps != sorted(set(steps)):
        raise CliError(f"--canary '{text}': steps must increase, such as 5,10,15")
    return steps


def refuse_http3(distribution_id: str, config: dict[str, Any]) -> None:
    """CloudFront continuous deployment cannot be used with a distribution that supports HTTP/3."""
    version = config.get("HttpVersion")
    if version in HTTP3:
        raise CliError(f"distribution {distribution_id} supports HTTP/3 (HttpVersion {version}), and CloudFront "
                       "continuous deployment cannot be used with HTTP/3: set `canary_planned = true` in "
                       "deploy/edge (HTTP/3 off) and apply it, or cut over without --canary")


def run_canary(
    settings: Settings,
    target: str,
    percent: float | list[float],
    *,
    clients: AwsClients | None = None,
    ui: UI | None = None,
    options: Options | None = None,
    step_watch: float | None = None,
    limits: rules.Thresholds | None = None,
    wall: Callable[[], Any] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Start a canary (PERCENT of viewers, sticky) to `target`; with `step_watch`, walk the steps."""
    steps = percent if isinstance(percent, list) else parse_steps(f"{percent:g}")
    if any(not 0 < step <= MAX_PERCENT for step in steps):
        raise CliError(f"--canary {steps[0]:g}: CloudFront continuous deployment allows more than 0 and at "
                       f"most {MAX_PERCENT:g} percent")
    settings.require(*required_settings(options))
    run = new_run(settings, clients, ui, options)
    with holding(run, "canary"):
        result = _start(run, target, steps[0])
        if step_watch is None or not result["changed"] or run.options.dry_run:
            return result
        return _walk(run, result, steps, step_watch, limits, wall, sleep)


def _start(run: Run, target: str, percent: float) -> dict[str, Any]:
    to_origin = planning.origin_for(run.settings, target)
    live, etag = cf.get_config(run.cloudfront, run.distribution_id)
    if live.get(POLICY_FIELD):
        raise CliError(f"a canary is already running on {run.distribution_id} (policy {live[POLICY_FIELD]}): "
                       "`shopbot cutover --promote` or `shopbot rollback` first")
    refuse_http3(run.distribution_id, live)
    staged = planning.plan_move(run.distribution_id, live, etag, dict.fromkeys(run.behaviours, to_origin))
    result: dict[str, Any] = {"action": "canary", "distribution": run.distribution_id, "target": target,
                              "percent": percent, "changed": False, "moves": staged.moves}
    if staged.is_noop:
        run.ui.success(f"{', '.join(run.behaviours)} already served by {target}: no canary needed")
        return result
    ledger = run.ledger()
    drifted = planning.drift(live, planning.last_standing(ledger.entries(), run.distribution_id))
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
             lambda: _stage(run, staged, state),
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
    try:
        execute(plan, run.ui, dry_run=run.options.dry_run)
    except CliError as error:
        if "intent" in state:
            _failed_start(run, ledger, state, error)
        raise
    if run.options.dry_run:
        return {**result, "dry_run": True}
    result.update(changed=True, staging_id=state["staging"][0], policy_id=state["policy"], etag=state["etag"],
                  intent_id=state["intent"]["id"])
    run.ui.success(f"canary running: {percent:g}% of viewers to {target} via {state['staging'][0]}; "
                   "`shopbot cutover --promote` to finish, `shopbot rollback` to stop")
    follow(run, None, result)
    return result


def _failed_start(run: Run, ledger: Ledger, state: dict[str, Any], error: CliError) -> None:
    """The start failed part-way: record it, then remove what was created (best effort, said)."""
    ledger.append(OUTCOME, distribution=run.distribution_id, intent_id=state["intent"]["id"], ok=False,
                  error=str(error), staging_id=(state.get("staging") or [None])[0], policy_id=state.get("policy"))
    run.ui.error(f"the canary did not start: {escape(str(error))}")
    cleanup(run, ledger, (state.get("staging") or [None])[0], state.get("policy"))


def _stage(run: Run, staged: Move, state: dict[str, Any]) -> None:
    """Copy the primary to staging and move the staging copy's behaviours."""
    staging_id, _ = cf.copy_to_staging(run.cloudfront, run.distribution_id, staged.etag,
                                        f"shopbot-canary-{state['intent']['id'][:16]}")
    found = cf.get_state(run.cloudfront, staging_id)
    state["staging"] = (staging_id, found.domain_name)
    origins = {name: moved["to"] for name, moved in staged.moves.items()}
    move = planning.plan_move(staging_id, found.config, found.etag, origins)
    cf.update_config(run.cloudfront, staging_id, move.new, found.etag)


def _attach(run: Run, live: dict[str, Any], etag: str, policy_id: str) -> str:
    """The primary's config as planned, plus the policy id: the only field that changes."""
    return cf.update_config(run.cloudfront, run.distribution_id, {**live, POLICY_FIELD: policy_id}, etag)


def cleanup(run: Run, ledger: Ledger, staging_id: str | None, policy_id: str | None) -> None:
    """Delete the canary's policy and staging distribution (the primary must no longer point at them)."""
    if not (staging_id or policy_id):
        return
    done: list[str] = []
    try:
        if policy_id:
            cf.delete_policy(run.cloudfront, policy_id)
            done.append(f"policy {policy_id}")
        if staging_id:
            cf.delete_distribution(run.cloudfront, staging_id, run.ui,
                                   timeout=run.settings.deploy_timeout_seconds, poll=run.options.poll_seconds)
            done.append(f"staging distribution {staging_id}")
    except CliError as error:
        ledger.append("canary-cleanup", distribution=run.distribution_id, deleted=done, ok=False, error=str(error))
        run.ui.warn(f"could not delete everything the canary created ({escape(str(error))}); deleted: "
                    f"{', '.join(done) or 'nothing'}; delete the rest by hand (quota: 20 per account)")
        return
    ledger.append("canary-cleanup", distribution=run.distribution_id, deleted=done, ok=True)
    if done:
        run.ui.success(f"deleted {', '.join(done)}")


def _walk(run: Run, started: dict[str, Any], steps: list[float], step_watch: float,
          limits: rules.Thresholds | None, wall: Callable[[], Any] | None,
          sleep: Callable[[float], None]) -> dict[str, Any]:
    """Watch each step; advance the weight; promote after the last; roll back at the first bad step."""
    from .watch import thresholds, watcher  # watch imports flow; imported here to keep the cycle out

    ledger = run.ledger()
    watching = watcher(run, limits or thresholds(run.settings), staging=started["staging_id"], wall=wall,
                       sleep=sleep, label="canary")
    result = {**started, "steps": []}
    for number, percent in enumerate(steps, 1):
        if number > 1:
            cf.set_policy_weight(run.cloudfront, started["policy_id"], percent / 100)
            run.ui.success(f"canary step {number}/{len(steps)}: {percent:g}% of viewers to {started['target']}")
        decision, verdicts = watching.watch(step_watch, watching.wall(), step=number, percent=percent)
        ledger.append("canary-step", distribution=run.distribution_id, intent_id=started["intent_id"],
                      step=number, percent=percent, decision=decision)
        result["steps"].append({"percent": percent, "decision": decision,
                                "windows": [v.state for v in verdicts]})
        if decision != rules.PASSED:
            reasons = "; ".join(verdicts[-1].reasons) or decision
            run.ui.error(f"canary step {number} ({percent:g}%): {decision}: {escape(reasons)}: rolling back")
            run_rollback(run.settings, clients=run.clients, ui=run.ui,
                         options=Options(yes=True, wait=run.options.wait, poll_seconds=run.options.poll_seconds,
                                         holder=run.options.holder, verify=False))
            status = ExitStatus.DIFFERENCES if decision == rules.ROLLBACK else ExitStatus.INCONCLUSIVE
            raise CliError(f"canary step {number} ({percent:g}%) {decision}: {reasons}; the canary was rolled "
                           "back and its staging distribution deleted", status)
    result["promote"] = run_promote(run.settings, clients=run.clients, ui=run.ui, options=run.options)
    result["promoted"] = True
    return result


def run_promote(
    settings: Settings,
    *,
    clients: AwsClients | None = None,
    ui: UI | None = None,
    options: Options | None = None,
) -> dict[str, Any]:
    """Copy the running canary's staging config onto the primary (everyone moves), then tidy up."""
    settings.require("distribution_id", "ledger")
    run = new_run(settings, clients, ui, options)
    with holding(run, "promote"):
        return _promote(run)


def _promote(run: Run) -> dict[str, Any]:
    live, etag = cf.get_config(run.cloudfront, run.distribution_id)
    ledger: Ledger = run.ledger()
    canary = planning.last_applied(ledger.entries(), run.distribution_id, ("canary", "promote", "cutover"))
    if canary is None or canary.intent.get("action") != "canary" or canary.outcome is None \
            or not live.get(POLICY_FIELD) or not canary.outcome.get("staging_id"):
        raise CliError(f"no canary is running on {run.distribution_id}: start one with "
                       "`shopbot cutover --to lambda --canary 5`")
    staging_id = str(canary.outcome["staging_id"])
    policy_id = str(canary.outcome.get("policy_id") or live[POLICY_FIELD])
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
                 gates=[], staging_id=staging_id, policy_id=policy_id)))
    plan.add(f"UpdateDistributionWithStagingConfig (IfMatch '{etag}, {staging_etag}')",
             lambda: state.update(etag=cf.promote_staging(run.cloudfront, run.distribution_id, staging_id,
                                                          etag, staging_etag)))
    plan.add(f"detach policy {policy_id} from {run.distribution_id} (promote leaves it attached)",
             lambda: state.update(etag=_detach(run)))
    plan.add("record the outcome in the ledger",
             lambda: ledger.append(OUTCOME, distribution=run.distribution_id, intent_id=state["intent"]["id"],
                                   ok=True, etag=state["etag"], set_fields={POLICY_FIELD: ""}))
    plan.add(f"delete policy {policy_id} and staging distribution {staging_id}",
             lambda: cleanup(run, ledger, staging_id, policy_id))
    execute(plan, run.ui, dry_run=run.options.dry_run)
    if run.options.dry_run:
        return {**result, "dry_run": True}
    result.update(changed=True, etag=state["etag"])
    run.ui.success(f"promoted {staging_id} onto {run.distribution_id}")
    follow(run, canary.intent.get("target"), result)
    return result


def _detach(run: Run) -> str:
    config, etag = cf.get_config(run.cloudfront, run.distribution_id)
    return cf.update_config(run.cloudfront, run.distribution_id, {**config, POLICY_FIELD: ""}, etag)
