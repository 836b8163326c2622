"""Planning a cutover on a real-world config: only the chosen TargetOriginIds may change."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from shopbot_cli.cutover import planning
from shopbot_cli.errors import CliError, ConfigError
from shopbot_cli.settings.environments import Settings

from tests.unit.cutover.sample import ALB, API, GROUP, distribution_config, without_origins

SETTINGS = Settings(alb_origin_id=ALB, api_origin_id=API)


def test_moving_the_default_changes_only_its_target_origin() -> None:
    config = distribution_config()
    move = planning.plan_move("D1", config, "E1", {"default": API})
    assert [str(c.path) for c in move.diff] == ["DefaultCacheBehavior.TargetOriginId"]
    assert move.moves == {"default": {"from": ALB, "to": API}}
    assert move.new["DefaultCacheBehavior"]["TargetOriginId"] == API
    assert without_origins(move.new, ["default"]) == without_origins(config, ["default"])
    assert config == distribution_config(), "planning must not mutate the live config"
    # function associations, policies, aliases, logging ride along untouched
    assert move.new["DefaultCacheBehavior"]["FunctionAssociations"] == config["DefaultCacheBehavior"][
        "FunctionAssociations"]
    assert move.new["Aliases"] == config["Aliases"] and move.new["Logging"] == config["Logging"]


def test_moving_a_path_pattern_and_the_default_together() -> None:
    move = planning.plan_move("D1", distribution_config(), "E1", {"default": API, "/api/*": API})
    assert sorted(c.path for c in move.diff) == [
        "CacheBehaviors.Items['/api/*'].TargetOriginId", "DefaultCacheBehavior.TargetOriginId"]
    health = next(b for b in move.new["CacheBehaviors"]["Items"] if b["PathPattern"] == "/health")
    assert health["TargetOriginId"] == ALB, "a behaviour not named stays where it was"


def test_a_behaviour_can_target_an_origin_group() -> None:
    move = planning.plan_move("D1", distribution_config(), "E1", {"/api/*": GROUP})
    assert move.moves == {"/api/*": {"from": ALB, "to": GROUP}}


def test_already_on_the_target_is_a_noop() -> None:
    move = planning.plan_move("D1", distribution_config(), "E1", {"default": ALB})
    assert move.is_noop and move.moves == {}


def test_unknown_behaviour_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"behaviour '/nope/\*'.*default, /api/\*, /static/\*, /health"):
        planning.plan_move("D1", distribution_config(), "E1", {"/nope/*": API})


def test_missing_target_origin_is_refused() -> None:
    with pytest.raises(ConfigError, match="origin 'shopbot-fn' is not in distribution D1"):
        planning.plan_move("D1", distribution_config(), "E1", {"default": "shopbot-fn"})


def test_origin_for_maps_targets_and_refuses_unknown() -> None:
    assert planning.origin_for(SETTINGS, "lambda") == API
    assert planning.origin_for(SETTINGS, "ecs") == ALB
    assert planning.target_of(SETTINGS, API) == "lambda" and planning.target_of(SETTINGS, GROUP) == GROUP
    with pytest.raises(CliError, match="--to lambda or --to ecs"):
        planning.origin_for(SETTINGS, "k8s")
    with pytest.raises(ConfigError, match="api_origin_id"):
        planning.origin_for(Settings(alb_origin_id=ALB), "lambda")


def test_each_origin_is_named_by_the_target_it_serves() -> None:
    """What `status` and the plan show: `ecs` for the ALB origin, `lambda` for the API, any other by its id."""
    assert planning.target_of(SETTINGS, ALB) == "ecs" and planning.target_of(SETTINGS, API) == "lambda"
    for other in ("cdn-edge", GROUP, "zz-origin"):  # sorting before, between and after the two
        assert planning.target_of(SETTINGS, other) == other
    assert planning.target_of(Settings(api_origin_id=API), ALB) == ALB, "no alb_origin_id: the bare id"


def test_semantic_diff_matches_items_by_identity_and_sees_reorders() -> None:
    before = distribution_config()
    after = copy.deepcopy(before)
    after["CacheBehaviors"]["Items"].reverse()
    after["Origins"]["Items"][1]["CustomOriginConfig"]["OriginReadTimeout"] = 60
    after["Comment"] = "hand edit"
    paths = [c.path for c in planning.semantic_diff(before, after)]
    assert "CacheBehaviors.Items.order" in paths
    assert "Origins.Items['shopbot-api'].CustomOriginConfig.OriginReadTimeout" in paths
    assert "Comment" in paths
    assert len(paths) == 3, paths


def test_semantic_diff_of_identical_configs_is_empty() -> None:
    assert planning.semantic_diff(distribution_config(), distribution_config()) == []


def _intent(config: dict[str, Any], moves: dict[str, Any]) -> dict[str, Any]:
    """An intent entry as the ledger holds it (header values masked)."""
    return {"id": "i1", "kind": "intent", "distribution": "D1", "action": "cutover",
            "previous_config": planning.redacted(config), "moves": moves}


def test_drift_after_a_recorded_cutover() -> None:
    before = distribution_config()
    intent = _intent(before, {"default": {"from": ALB, "to": API}})
    after = planning.with_origins(before, {"default": API})
    ok = planning.LastChange(intent, {"kind": "outcome", "intent_id": "i1", "ok": True})
    assert planning.drift(after, ok) == []
    assert [c.path for c in planning.drift(before, ok)] == ["DefaultCacheBehavior.TargetOriginId"]
    edited = copy.deepcopy(after)
    edited["Comment"] = "hand edit"
    assert [str(c) for c in planning.drift(edited, ok)] == ["Comment: 'shopbot production' -> 'hand edit'"]


def test_a_crashed_intent_accepts_both_states_and_explains_which() -> None:
    before = distribution_config()
    intent = _intent(before, {"default": {"from": ALB, "to": API}})
    crashed = planning.LastChange(intent, None)
    after = planning.with_origins(before, {"default": API})
    assert planning.drift(before, crashed) == [] and planning.drift(after, crashed) == []
    assert planning.explain(before, crashed) == "the change was never applied"
    assert planning.explain(after, crashed) == "the change was applied"
    other = copy.deepcopy(after)
    other["PriceClass"] = "PriceClass_All"
    assert "drift" in planning.explain(other, crashed)


def test_a_failed_outcome_means_the_previous_config_is_expected() -> None:
    before = distribution_config()
    failed = planning.LastChange(_intent(before, {"default": {"from": ALB, "to": API}}),
                                 {"ok": False, "intent_id": "i1"})
    assert failed.failed and planning.drift(before, failed) == []


def test_last_applied_skips_failed_changes_and_pairs_outcomes() -> None:
    config = distribution_config()
    entries = [
        {**_intent(config, {"default": {"from": ALB, "to": API}}), "id": "a"},
        {"kind": "outcome", "distribution": "D1", "intent_id": "a", "ok": True},
        {**_intent(config, {"default": {"from": API, "to": ALB}}), "id": "b"},
        {"kind": "outcome", "distribution": "D1", "intent_id": "b", "ok": False},
        {"kind": "intent", "distribution": "OTHER", "id": "c", "action": "cutover"},
        {"kind": "deploy", "distribution": "D1", "id": "d"},
    ]
    found = planning.last_applied(entries, "D1", ("cutover",))
    assert found is not None and found.intent["id"] == "a" and found.outcome is not None
    last = planning.last_change(entries, "D1")
    assert last is not None and last.intent["id"] == "b" and last.failed
    assert [c.intent["id"] for c in planning.changes(entries, "D1")] == ["a", "b"]


def test_config_after_applies_fields_the_outcome_learned() -> None:
    config = distribution_config()
    intent = {**_intent(config, {}), "action": "canary"}
    after = planning.config_after(intent, {"set_fields": {"ContinuousDeploymentPolicyId": "P1"}})
    assert after["ContinuousDeploymentPolicyId"] == "P1"


def test_secret_header_values_never_show_but_their_change_does() -> None:
    before = distribution_config()
    recorded = planning.redacted(before)
    header = recorded["Origins"]["Items"][0]["CustomHeaders"]["Items"][0]
    assert header["HeaderName"] == "X-Origin-Verify" and "not-a-secret" not in str(recorded)
    rotated = copy.deepcopy(before)
    rotated["Origins"]["Items"][0]["CustomHeaders"]["Items"][0]["HeaderValue"] = "rotated-secret-value"
    ok = planning.LastChange(_intent(before, {}), {"ok": True, "intent_id": "i1"})
    [change] = planning.drift(rotated, ok)
    assert change.path == "Origins.Items['shopbot-alb'].CustomHeaders.Items['X-Origin-Verify'].HeaderValue"
    assert "rotated-secret-value" not in str(change) and "not-a-secret" not in str(change)
    assert planning.drift(before, ok) == []


def test_a_behaviour_added_or_removed_by_hand_is_named_with_the_count() -> None:
    before = distribution_config()
    removed = copy.deepcopy(before)
    gone = removed["CacheBehaviors"]["Items"].pop(0)
    removed["CacheBehaviors"]["Quantity"] = 2
    changes = planning.semantic_diff(before, removed)
    assert [(c.path, c.after) for c in changes] == [("CacheBehaviors.Items['/api/*']", None),
                                                    ("CacheBehaviors.Quantity", 2)]
    assert changes[0].before == gone
    added = planning.semantic_diff(removed, before)
    assert [(c.path, c.before) for c in added] == [("CacheBehaviors.Items['/api/*']", None),
                                                   ("CacheBehaviors.Quantity", 2)]
    assert added[0].after == gone
    assert str(added[1]) == "CacheBehaviors.Quantity: 2 -> 3"


def test_an_origin_added_or_removed_by_hand_is_named() -> None:
    before = distribution_config()
    extra = copy.deepcopy(before)
    extra["Origins"]["Items"].append({**copy.deepcopy(before["Origins"]["Items"][1]), "Id": "shopbot-api-2"})
    extra["Origins"]["Quantity"] = 4
    assert [c.path for c in planning.semantic_diff(before, extra)] == [
        "Origins.Items['shopbot-api-2']", "Origins.Quantity"]
    assert [c.path for c in planning.semantic_diff(extra, before)] == [
        "Origins.Items['shopbot-api-2']", "Origins.Quantity"]
    assert planning.semantic_diff(extra, before)[0].after is None


def test_a_long_list_is_still_matched_by_identity() -> None:
    """More than 256 items (past CPython's cached small ints): one removed item is one change, by its id."""
    before = {"Items": [{"Id": f"o{i}", "Weight": 1} for i in range(300)]}
    after = {"Items": before["Items"][1:]}
    assert [(c.path, c.after) for c in planning.semantic_diff(before, after)] == [("Items['o0']", None)]


def test_lists_without_identity_compare_by_position_and_length() -> None:
    before = {"Aliases": {"Items": ["a.example.com", "b.example.com"]}}
    assert [str(c) for c in planning.semantic_diff(before, {"Aliases": {"Items": ["a.example.com",
                                                                                   "c.example.com"]}})] == [
        "Aliases.Items[1]: 'b.example.com' -> 'c.example.com'"]
    longer = {"Aliases": {"Items": ["a.example.com", "b.example.com", "c.example.com"]}}
    [change] = planning.semantic_diff(before, longer)
    assert change.path == "Aliases.Items" and change.after == longer["Aliases"]["Items"]
    assert planning.semantic_diff({"A": 1}, {"B": 1}) == [planning.Change("A", 1, None),
                                                          planning.Change("B", None, 1)]
    duplicated = [{"Id": "x", "v": 1}, {"Id": "x", "v": 2}]
    assert [c.path for c in planning.semantic_diff({"L": duplicated}, {"L": duplicated[::-1]})] == [
        "L[0].v", "L[1].v"], "ids that repeat are no identity: compared by position"


def test_a_plan_that_would_change_anything_else_is_refused() -> None:
    config = distribution_config()
    config["CacheBehaviors"]["Items"].append({**config["CacheBehaviors"]["Items"][0]})  # a duplicate pattern
    with pytest.raises(CliError, match="refusing: the new config would also change"):
        planning.plan_move("D1", config, "E1", {"/api/*": API})


def test_a_failed_loser_is_no_reference_for_drift() -> None:
    config = distribution_config()
    winner = planning.with_origins(config, {"/api/*": API})
    entries = [
        {**_intent(config, {"/api/*": {"from": ALB, "to": API}}), "id": "b"},
        {"kind": "outcome", "distribution": "D1", "intent_id": "b", "ok": True},
        {**_intent(config, {"default": {"from": ALB, "to": API}}), "id": "a"},
        {"kind": "outcome", "distribution": "D1", "intent_id": "a", "ok": False, "error": "PreconditionFailed"},
    ]
    standing = planning.last_standing(entries, "D1")
    assert standing is not None and standing.intent["id"] == "b"
    assert planning.drift(winner, standing) == []
    last = planning.last_change(entries, "D1")
    assert last is not None and planning.drift(winner, last) != [], "the loser alone would report drift"
    assert planning.explain(winner, last) == "the change failed and changed nothing (PreconditionFailed)"
    assert planning.last_standing(entries[2:], "D1") is None


def test_rollbacks_undo_in_stack_order() -> None:
    config = distribution_config()
    entries = [
        {**_intent(config, {"/api/*": {"from": ALB, "to": API}}), "id": "a"},
        {"kind": "outcome", "distribution": "D1", "intent_id": "a", "ok": True},
        {**_intent(config, {"default": {"from": ALB, "to": API}}), "id": "b"},
        {"kind": "outcome", "distribution": "D1", "intent_id": "b", "ok": True},
    ]
    top = planning.last_applied(entries, "D1", ("cutover",))
    assert top is not None and top.intent["id"] == "b"
    undo_b = [{**_intent(config, {}), "id": "r1", "action": "rollback", "undoes": "b"},
              {"kind": "outcome", "distribution": "D1", "intent_id": "r1", "ok": True}]
    below = planning.last_applied(entries + undo_b, "D1", ("cutover",))
    assert below is not None and below.intent["id"] == "a"
    crashed = [{**_intent(config, {}), "id": "r2", "action": "rollback", "undoes": "a"}]
    again = planning.last_applied(entries + undo_b + crashed, "D1", ("cutover",))
    assert again is not None and again.intent["id"] == "a", "a rollback with no outcome may not have applied"
    failed = [*crashed, {"kind": "outcome", "distribution": "D1", "intent_id": "r2", "ok": False}]
    assert planning.last_applied(entries + undo_b + failed, "D1", ("cutover",)).intent["id"] == "a"  # type: ignore[union-attr]
    done = [*crashed, {"kind": "outcome", "distribution": "D1", "intent_id": "r2", "ok": True}]
    assert planning.last_applied(entries + undo_b + done, "D1", ("cutover",)) is None
    assert planning.first_origins(entries, "D1", ("cutover",)) == {"/api/*": ALB, "default": ALB}
    assert planning.first_origins(entries, "D1", ("promote",)) == {}


def test_missing_behaviours_are_split_out_and_their_drift_recognised() -> None:
    config = distribution_config()
    kept, missing = planning.split_missing(config, {"default": ALB, "/gone/*": ALB, "/api/*": ALB})
    assert kept == {"default": ALB, "/api/*": ALB} and missing == ["/gone/*"]
    assert planning.present_behaviours(config) == ["default", "/api/*", "/static/*", "/health"]
    deleted = planning.Change("CacheBehaviors.Items['/gone/*']", {}, None)
    assert planning.is_missing_behaviour(deleted, ["/gone/*"])
    assert planning.is_missing_behaviour(planning.Change("CacheBehaviors.Quantity", 4, 3), ["/gone/*"])
    assert not planning.is_missing_behaviour(planning.Change("CacheBehaviors.Quantity", 4, 3), [])
    assert not planning.is_missing_behaviour(planning.Change("Comment", "a", "b"), ["/gone/*"])
    assert not planning.is_missing_behaviour(planning.Change("CacheBehaviors.Items['/api/*']", {}, None),
                                             ["/gone/*"])


def test_a_canary_without_an_outcome_says_whether_it_started() -> None:
    config = distribution_config()
    canary = planning.LastChange({**_intent(config, {}), "action": "canary"}, None)
    assert planning.explain(config, canary).startswith("the canary did not start")
    attached = {**config, "ContinuousDeploymentPolicyId": "P1"}
    assert planning.explain(attached, canary).startswith("the canary started (policy P1 attached)")
    assert planning.drift(attached, canary) == [] and planning.drift(config, canary) == []
    assert planning.target_of(SETTINGS, API) == "lambda" and planning.target_of(SETTINGS, "x") == "x"


def test_a_canary_read_back_from_the_ledger_json_says_whether_it_started() -> None:
    """Entries come from the S3 object through json.loads: its strings are new objects, never the literals."""
    config = distribution_config()
    stored = json.loads(json.dumps({**_intent(config, {}), "action": "canary"}))
    canary = planning.LastChange(stored, None)
    attached = {**config, "ContinuousDeploymentPolicyId": "P1"}
    assert planning.explain(attached, canary).startswith("the canary started (policy P1 attached)")
    assert planning.drift(attached, canary) == []


def test_a_real_move_is_not_a_noop() -> None:
    move = planning.plan_move("D1", distribution_config(), "E1", {"default": API})
    assert move.is_noop is False and move.moves == {"default": {"from": ALB, "to": API}}
    assert planning.plan_move("D1", distribution_config(), "E1", {"default": ALB}).is_noop is True


def test_a_section_replaced_by_a_scalar_by_hand_is_one_change() -> None:
    assert planning.semantic_diff({"Logging": {"Enabled": True}}, {"Logging": None}) == [
        planning.Change("Logging", {"Enabled": True}, None)]
    assert planning.semantic_diff({"Logging": None}, {"Logging": {"Enabled": True}}) == [
        planning.Change("Logging", None, {"Enabled": True})]


def test_long_values_are_shortened_in_messages_at_80_characters() -> None:
    exactly = "x" * 78  # 80 with its quotes: shown whole
    assert str(planning.Change("Comment", exactly, None)) == f"Comment: '{exactly}' -> null"
    longer = "y" * 79
    assert str(planning.Change("Comment", longer, None)) == f"Comment: '{'y' * 76}... -> null"
