"""Planning a CloudFront cutover: pure functions over a distribution config and the ledger.

A cutover changes ONLY the chosen behaviours' `TargetOriginId` (`default` is the
DefaultCacheBehavior, any other name is a CacheBehavior's `PathPattern`). The semantic diff
of the whole config is the proof: anything else in it stops the plan. The ledger's last
entry for the distribution says what the live config should look like; a difference is
drift (a hand edit, or a change made behind the toolkit's back).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import CliError, ConfigError
from ..secrets.masking import mask
from ..settings.environments import Settings

DEFAULT = "default"
TARGETS = ("lambda", "ecs")
ORIGIN_FIELD = "TargetOriginId"
# List items in a distribution config are identified by these keys (in this order).
_IDENTITY_KEYS = ("Id", "PathPattern", "OriginId", "ErrorCode", "EventType", "HeaderName", "Key")


@dataclass(frozen=True)
class Change:
    """One difference between two configs, at a readable path."""

    path: str
    before: Any
    after: Any

    def __str__(self) -> str:
        return f"{self.path}: {_short(self.before)} -> {_short(self.after)}"


@dataclass
class Move:
    """The planned change: previous and new config, and each behaviour's from/to origin."""

    distribution_id: str
    etag: str
    previous: dict[str, Any]
    new: dict[str, Any]
    moves: dict[str, dict[str, str]]          # behaviour -> {"from": origin, "to": origin}
    diff: list[Change] = field(default_factory=list)

    @property
    def is_noop(self) -> bool:
        return not self.diff


# --- settings -> origins ---------------------------------------------------------------


def origin_for(settings: Settings, target: str) -> str:
    """The origin id serving `target` (lambda = API Gateway, ecs = ALB)."""
    if target not in TARGETS:
        raise CliError(f"unknown target '{target}': use --to lambda or --to ecs")
    origin = settings.api_origin_id if target == "lambda" else settings.alb_origin_id
    if not origin:
        name = "api_origin_id" if target == "lambda" else "alb_origin_id"
        settings.require(name)
    return str(origin)


def target_of(settings: Settings, origin_id: str) -> str:
    """`lambda`, `ecs`, or the bare origin id when it is neither."""
    if origin_id == settings.api_origin_id:
        return "lambda"
    if origin_id == settings.alb_origin_id:
        return "ecs"
    return origin_id


# --- reading and changing behaviours --------------------------------------------------


def origin_ids(config: Mapping[str, Any]) -> list[str]:
    """Every id a behaviour may target: origins and origin groups."""
    origins = [str(o["Id"]) for o in config.get("Origins", {}).get("Items") or []]
    groups = [str(g["Id"]) for g in config.get("OriginGroups", {}).get("Items") or []]
    return origins + groups


def _behaviour(config: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    if name == DEFAULT:
        return dict(config["DefaultCacheBehavior"])
    for item in config.get("CacheBehaviors", {}).get("Items") or []:
        if item.get("PathPattern") == name:
            return dict(item)
    known = [DEFAULT, *(str(i["PathPattern"]) for i in config.get("CacheBehaviors", {}).get("Items") or [])]
    raise ConfigError(
        f"behaviour '{name}' is not in the distribution (it has: {', '.join(known)}): fix `behaviors`"
    )


def behaviour_origins(config: Mapping[str, Any], behaviours: list[str]) -> dict[str, str]:
    """Which origin each named behaviour targets now."""
    return {name: str(_behaviour(config, name)[ORIGIN_FIELD]) for name in behaviours}


def with_origins(config: Mapping[str, Any], origins: Mapping[str, str]) -> dict[str, Any]:
    """A deep copy of `config` where only the named behaviours' `TargetOriginId` differs."""
    new = copy.deepcopy(dict(config))
    for name, origin in origins.items():
        _behaviour(config, name)  # unknown names fail before anything is built
        if name == DEFAULT:
            new["DefaultCacheBehavior"][ORIGIN_FIELD] = origin
            continue
        for item in new["CacheBehaviors"]["Items"]:
            if item.get("PathPattern") == name:
                item[ORIGIN_FIELD] = origin
    return new


def behaviour_path(name: str) -> str:
    """The diff path of a behaviour's origin field."""
    if name == DEFAULT:
        return f"DefaultCacheBehavior.{ORIGIN_FIELD}"
    return f"CacheBehaviors.Items[{name!r}].{ORIGIN_FIELD}"


# --- the semantic diff ----------------------------------------------------------------


def semantic_diff(before: Any, after: Any, path: str = "") -> list[Change]:
    """Every difference, with list items matched by identity (and their order checked)."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        changes: list[Change] = []
        for key in sorted(set(before) | set(after), key=str):
            here = f"{path}.{key}" if path else str(key)
            if key not in before:
                changes.append(Change(here, None, after[key]))
            elif key not in after:
                changes.append(Change(here, before[key], None))
            else:
                changes.extend(semantic_diff(before[key], after[key], here))
        return changes
    if isinstance(before, list) and isinstance(after, list):
        return _list_diff(before, after, path)
    return [] if before == after else [Change(path, before, after)]


def _identity(items: list[Any]) -> str | None:
    """The key naming each item of this list uniquely, if there is one."""
    if not items or not all(isinstance(item, Mapping) for item in items):
        return None
    for key in _IDENTITY_KEYS:
        values = [item.get(key) for item in items]
        if all(v is not None for v in values) and len(set(map(str, values))) == len(values):
            return key
    return None


def _list_diff(before: list[Any], after: list[Any], path: str) -> list[Change]:
    key = _identity(before) if _identity(before) == _identity(after) else None
    if key is None:
        if len(before) != len(after):
            return [Change(path, before, after)]
        return [c for i, (b, a) in enumerate(zip(before, after, strict=True))
                for c in semantic_diff(b, a, f"{path}[{i}]")]
    old = {str(item[key]): item for item in before}
    new = {str(item[key]): item for item in after}
    changes = [Change(f"{path}[{name!r}]", old.get(name), new.get(name))
               for name in sorted(set(old) ^ set(new))]
    for name in old.keys() & new.keys():
        changes.extend(semantic_diff(old[name], new[name], f"{path}[{name!r}]"))
    shared_old = [name for name in old if name in new]
    shared_new = [name for name in new if name in old]
    if shared_old != shared_new:  # CacheBehaviors are evaluated in order: a reorder is a change
        changes.append(Change(f"{path}.order", shared_old, shared_new))
    return sorted(changes, key=lambda change: change.path)


# --- planning -------------------------------------------------------------------------


def plan_move(
    distribution_id: str, config: dict[str, Any], etag: str, origins: Mapping[str, str]
) -> Move:
    """Point each named behaviour at its origin; refuse anything but those fields changing."""
    present = origin_ids(config)
    for origin in set(origins.values()):
        if origin not in present:
            raise ConfigError(
                f"origin '{origin}' is not in distribution {distribution_id} (it has: {', '.join(present)}): "
                "fix `alb_origin_id`/`api_origin_id` in shopbot.toml"
            )
    current = behaviour_origins(config, list(origins))
    new = with_origins(config, origins)
    diff = semantic_diff(config, new)
    allowed = {behaviour_path(name) for name in origins}
    unexpected = [str(change) for change in diff if change.path not in allowed]
    if unexpected:
        raise CliError(f"refusing: the new config would also change {'; '.join(unexpected)}")
    moves = {name: {"from": current[name], "to": origins[name]} for name in origins
             if current[name] != origins[name]}
    return Move(distribution_id, etag, config, new, moves, diff)


# --- what the ledger says -------------------------------------------------------------

INTENT, OUTCOME = "intent", "outcome"


@dataclass(frozen=True)
class LastChange:
    """An intent entry and its outcome (None when the run never recorded one)."""

    intent: dict[str, Any]
    outcome: dict[str, Any] | None

    @property
    def failed(self) -> bool:
        return self.outcome is not None and not self.outcome.get("ok")


def history(entries: list[dict[str, Any]], distribution_id: str) -> list[dict[str, Any]]:
    """This distribution's intent and outcome entries, oldest first."""
    return [e for e in entries if e.get("distribution") == distribution_id and e.get("kind") in (INTENT, OUTCOME)]


def changes(entries: list[dict[str, Any]], distribution_id: str) -> list[LastChange]:
    """Each intent paired with its outcome, oldest first."""
    mine = history(entries, distribution_id)
    outcomes = {e.get("intent_id"): e for e in mine if e["kind"] == OUTCOME}
    return [LastChange(e, outcomes.get(e["id"])) for e in mine if e["kind"] == INTENT]


def last_change(entries: list[dict[str, Any]], distribution_id: str) -> LastChange | None:
    found = changes(entries, distribution_id)
    return found[-1] if found else None


def last_standing(entries: list[dict[str, Any]], distribution_id: str) -> LastChange | None:
    """The newest change that did not fail: what the live config should reflect.

    A change that failed (a loser's PreconditionFailed) changed nothing, so it is no
    reference for drift: the change before it is.
    """
    for change in reversed(changes(entries, distribution_id)):
        if not change.failed:
            return change
    return None


def last_applied(entries: list[dict[str, Any]], distribution_id: str, actions: tuple[str, ...]) -> LastChange | None:
    """The newest change of these actions not yet undone by a rollback that did not fail.

    A crash counts as applied (it may have been): undoing a change that never applied plans
    nothing. Rollbacks undo in stack order: each one the newest change still standing.
    """
    found = [change for change in changes(entries, distribution_id) if not change.failed]
    undone = {change.intent.get("undoes") for change in found
              if change.intent.get("action") == "rollback" and change.outcome is not None}
    for change in reversed(found):
        if change.intent.get("action") in actions and change.intent["id"] not in undone:
            return change
    return None


def first_origins(entries: list[dict[str, Any]], distribution_id: str, actions: tuple[str, ...]) -> dict[str, str]:
    """Each behaviour any of these changes moved, with the origin it had before the first (`rollback --all`)."""
    origins: dict[str, str] = {}
    for change in changes(entries, distribution_id):
        if change.intent.get("action") in actions and not change.failed:
            for name, moved in (change.intent.get("moves") or {}).items():
                origins.setdefault(name, moved["from"])
    return origins


def present_behaviours(config: Mapping[str, Any]) -> list[str]:
    """Every behaviour of the distribution: `default`, then each PathPattern in order."""
    items = config.get("CacheBehaviors", {}).get("Items") or []
    return [DEFAULT, *(str(item["PathPattern"]) for item in items)]


def split_missing(config: Mapping[str, Any], origins: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """(the origins whose behaviour still exists, the behaviours deleted since)."""
    present = set(present_behaviours(config))
    kept = {name: origin for name, origin in origins.items() if name in present}
    return kept, [name for name in origins if name not in present]


def is_missing_behaviour(change: Change, missing: list[str]) -> bool:
    """A difference that is only a behaviour deleted by hand (the item, the count, the order)."""
    if not missing:
        return False
    paths = {f"CacheBehaviors.Items[{name!r}]" for name in missing}
    return change.path in paths or change.path in {"CacheBehaviors.Quantity", "CacheBehaviors.Items.order"}


def config_after(intent: Mapping[str, Any], outcome: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The config an intent's change leaves behind (its previous config, changed as planned).

    `set_fields` are top-level fields the change sets besides origins (a canary's policy
    id, known only once the policy exists, so the outcome may carry them).
    """
    config = with_origins(intent["previous_config"], {b: m["to"] for b, m in intent.get("moves", {}).items()})
    config.update(copy.deepcopy(intent.get("set_fields") or {}))
    config.update(copy.deepcopy((outcome or {}).get("set_fields") or {}))
    return config


POLICY_FIELD = "ContinuousDeploymentPolicyId"


def expected_configs(change: LastChange, live: Mapping[str, Any] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The configs the live one may equal after this change, each with what it would mean."""
    before = ("the change was never applied", dict(change.intent["previous_config"]))
    if change.intent.get("action") == "canary" and change.outcome is None:
        policy = (live or {}).get(POLICY_FIELD)
        started = {**before[1], POLICY_FIELD: policy}
        return [("the canary did not start (no policy attached; its outcome was not recorded)", before[1]),
                (f"the canary started (policy {policy} attached) but its outcome was not recorded", started)]
    after = ("the change was applied", config_after(change.intent, change.outcome))
    if change.outcome is None:
        return [after, before]
    return [before] if change.failed else [after]


def redacted(config: Any) -> Any:
    """The config with origin custom-header values masked (they are often the ALB's shared secret).

    The ledger stores configs this way, and drift is computed between redacted configs: a
    changed header value still shows (its fingerprint changes), its value never does.
    """
    if isinstance(config, Mapping):
        return {key: mask(value) if key == "HeaderValue" else redacted(value) for key, value in config.items()}
    if isinstance(config, list):
        return [redacted(item) for item in config]
    return config


def drift(live: dict[str, Any], change: LastChange | None) -> list[Change]:
    """How the live config differs from what the ledger last recorded (empty: no drift)."""
    if change is None:
        return []
    candidates = expected_configs(change, live)
    diffs = [semantic_diff(config, redacted(live)) for _, config in candidates]
    return [] if any(not d for d in diffs) else diffs[0]


def explain(live: dict[str, Any], change: LastChange) -> str:
    """Which expected state the live config is in (for `status` after a crash)."""
    if change.outcome is not None and not change.outcome.get("ok"):
        return f"the change failed and changed nothing ({change.outcome.get('error') or 'no reason recorded'})"
    for meaning, config in expected_configs(change, live):
        if not semantic_diff(config, redacted(live)):
            return meaning
    return "the live config matches neither the planned nor the previous config (drift)"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
