"""diff, sync, pull and rollback of the service's one JSON secret.

Every function takes the clients and settings it needs (no client is built here) and
returns a result the command renders. Changes go through `plan.execute`. A sync is ONE
`PutSecretValue` (or `CreateSecret`) whose token is derived from the new content and the
versions it was planned against (AWSCURRENT and AWSPREVIOUS): a retried call is the same
call, a repeated sync finds nothing to do and makes no call at all, and a sync after a
rollback still makes a new version. (A token from the content alone, or from content and
the current version only, would match the rolled-back version's token and AWS would
silently ignore the put: each put moves the labels, so this pair never recurs.)
"""

from __future__ import annotations

import dataclasses
import os
import secrets as token_source
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..aws import AwsClients
from ..aws import secretsmanager as sm
from ..errors import CliError
from ..plan import Plan, execute
from ..settings.environments import Settings
from ..ui import UI, get_ui
from .masking import as_text, mask
from .sources import LocalSecrets, to_dotenv


class Change(StrEnum):
    ADDED = "added"          # in the source, not in the secret
    CHANGED = "changed"      # in both, different values
    REMOVED = "removed"      # in the secret, not in the source (a sync deletes it only with --prune)
    KEPT = "kept"            # in the secret only, and a sync without --prune keeps it
    UNCHANGED = "unchanged"


_MARK = {Change.ADDED: "+", Change.CHANGED: "~", Change.REMOVED: "-", Change.KEPT: "=", Change.UNCHANGED: " "}


@dataclass(frozen=True)
class KeyDiff:
    key: str
    change: Change
    local: str   # masked
    remote: str  # masked

    def line(self) -> str:
        if self.change is Change.CHANGED:
            return f"{_MARK[self.change]} {self.key}: {self.remote} -> {self.local}"
        shown = self.remote if self.change in (Change.REMOVED, Change.KEPT) else self.local
        return f"{_MARK[self.change]} {self.key}: {shown} ({self.change})"


@dataclass(frozen=True)
class SecretDiff:
    entries: list[KeyDiff]

    @property
    def changes(self) -> list[KeyDiff]:
        return [e for e in self.entries if e.change in (Change.ADDED, Change.CHANGED, Change.REMOVED)]

    def count(self, change: Change) -> int:
        return sum(1 for entry in self.entries if entry.change is change)

    def as_dict(self) -> list[dict[str, str]]:
        return [dataclasses.asdict(entry) for entry in self.entries]


def diff_values(new: dict[str, Any], old: dict[str, Any], *, keep_old_only: bool = False) -> SecretDiff:
    """Key by key, `old` (the secret) -> `new` (the source); values masked from here on."""
    entries: list[KeyDiff] = []
    for key in sorted(set(new) | set(old)):
        if key not in old:
            change = Change.ADDED
        elif key not in new:
            change = Change.KEPT if keep_old_only else Change.REMOVED
        elif as_text(new[key]) != as_text(old[key]):
            change = Change.CHANGED
        else:
            change = Change.UNCHANGED
        entries.append(KeyDiff(key, change, mask(new.get(key)), mask(old.get(key))))
    return SecretDiff(entries)


def merged_values(local: dict[str, str], remote: dict[str, Any], *, prune: bool) -> dict[str, Any]:
    """What the secret holds after a sync: the source's keys, plus the secret's others unless pruned."""
    kept = {} if prune else {key: value for key, value in remote.items() if key not in local}
    return {**kept, **local}


def _with_yes(ui: UI | None, assume_yes: bool) -> UI:
    ui = ui or get_ui()
    return dataclasses.replace(ui, assume_yes=True) if assume_yes and not ui.assume_yes else ui


# --- diff -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffResult:
    secret: str
    exists: bool
    version_id: str | None
    diff: SecretDiff

    def as_dict(self) -> dict[str, Any]:
        return {"secret": self.secret, "exists": self.exists, "version_id": self.version_id,
                "in_sync": not self.diff.changes, "keys": self.diff.as_dict()}


def diff_secret(clients: AwsClients, settings: Settings, source: LocalSecrets) -> DiffResult:
    """The source against the current secret (a missing secret: every key is added)."""
    current = sm.find_current(sm.secrets_client(clients), settings.secret_name)
    remote = current.values if current else {}
    return DiffResult(settings.secret_name, current is not None,
                      current.version_id if current else None, diff_values(source.values, remote))


# --- sync -------------------------------------------------------------------------------


@dataclass
class SyncResult:
    secret: str
    diff: SecretDiff
    plan: Plan
    created: bool = False
    applied: bool = False
    dry_run: bool = False
    version_id: str | None = None
    arn: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.plan.steps)

    def as_dict(self) -> dict[str, Any]:
        return {"secret": self.secret, "arn": self.arn, "version_id": self.version_id,
                "changed": self.changed, "created": self.created, "applied": self.applied,
                "dry_run": self.dry_run, "keys": self.diff.as_dict(), "plan": self.plan.as_dict()}


def check_required(settings: Settings, source: LocalSecrets) -> None:
    """Refuse a source that lacks (or leaves empty) a key the service needs, naming them all."""
    if not source.values:
        raise CliError(f"{source.origin} holds no keys: nothing to sync (check the file or --from-env)")
    missing = [key for key in settings.required_secret_keys if not source.values.get(key, "").strip()]
    if missing:
        raise CliError(f"required keys missing or empty in {source.origin}: {', '.join(missing)} "
                       "(add them, or change `required_secret_keys` in shopbot.toml); nothing was changed")


def plan_sync(clients: AwsClients, settings: Settings, source: LocalSecrets, *, prune: bool) -> SyncResult:
    """Read the secret, diff it, and plan at most one write (none when nothing changes)."""
    client = sm.secrets_client(clients)
    name = settings.secret_name
    current = sm.find_current(client, name)
    remote = current.values if current else {}
    diff = diff_values(source.values, remote, keep_old_only=not prune)
    text = sm.canonical_json(merged_values(source.values, remote, prune=prune))
    plan = Plan(title=f"Sync {source.origin} -> secret {name} ({clients.region})")
    result = SyncResult(name, diff, plan, version_id=current.version_id if current else None,
                        arn=current.arn if current else None)
    counts = ", ".join(f"{diff.count(c)} {c}" for c in Change if diff.count(c))
    plan.notes.append(f"keys: {counts or 'none'}")
    details = [entry.line() for entry in diff.entries if entry.change is not Change.UNCHANGED]

    if current is None:
        token = sm.content_token("create", name, text)
        kms = f", KMS key {settings.kms_key_id}" if settings.kms_key_id else ", AWS managed KMS key"

        def create() -> None:
            result.arn, result.version_id = sm.create(client, name, text, token, settings.kms_key_id,
                                                      settings.secret_tags)
            result.created = True

        plan.add(f"create secret {name} ({len(diff.entries)} keys{kms}, {len(settings.secret_tags)} tags)",
                 create, details)
    elif diff.changes:
        base = current.version_id
        previous = sm.version_with(sm.version_stages(client, name), sm.PREVIOUS) or ""
        token = sm.content_token(base, previous, text)

        def put() -> None:
            sm.ensure_current_is(client, name, base)
            result.version_id = sm.put_value(client, name, text, token)

        plan.add(f"put a new version of {name} (one PutSecretValue; current is {base})", put, details)
    return result


def sync_secret(clients: AwsClients, settings: Settings, source: LocalSecrets, *, prune: bool = False,
                dry_run: bool = False, assume_yes: bool = False, ui: UI | None = None) -> SyncResult:
    """Plan -> show -> confirm -> apply. The demo calls this with `assume_yes=True`."""
    check_required(settings, source)
    result = plan_sync(clients, settings, source, prune=prune)
    execute(result.plan, _with_yes(ui, assume_yes), dry_run=dry_run)
    result.dry_run = dry_run
    result.applied = bool(result.plan.steps) and not dry_run
    return result


# --- pull -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PullResult:
    secret: str
    version_id: str
    path: str
    keys: list[str]

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def pull_secret(clients: AwsClients, settings: Settings, path: Path, *, force: bool = False) -> PullResult:
    """Write the current values to `path` (.env, or JSON by suffix), mode 0600, never half-written."""
    if path.exists() and not force:
        raise CliError(f"{path} already exists: pass --force to overwrite it, or choose another --to")
    current = sm.read_version(sm.secrets_client(clients), settings.secret_name, sm.CURRENT)
    values = {key: as_text(value) for key, value in current.values.items()}
    if path.suffix.lower() == ".json":
        text = sm.canonical_json(values) + "\n"
    else:
        text = to_dotenv(values)
    write_private(path, text, force=force)
    return PullResult(current.name, current.version_id, str(path), sorted(values))


def write_private(path: Path, text: str, *, force: bool) -> None:
    """A new file created 0600 (O_CREAT|O_EXCL), filled, then linked (or with --force renamed) into place."""
    temporary = path.with_name(f".{path.name}.{token_source.token_hex(6)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)   # fails if the file appeared meanwhile: never clobbers
    except FileExistsError:
        raise CliError(f"{path} already exists: pass --force to overwrite it") from None
    except OSError as error:
        raise CliError(f"{path}: cannot write ({error.strerror})") from None
    finally:
        temporary.unlink(missing_ok=True)


# --- rollback ---------------------------------------------------------------------------


@dataclass
class RollbackResult:
    secret: str
    from_version: str
    to_version: str
    diff: SecretDiff
    plan: Plan
    applied: bool = False
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"secret": self.secret, "from_version": self.from_version, "to_version": self.to_version,
                "applied": self.applied, "dry_run": self.dry_run, "keys": self.diff.as_dict(),
                "plan": self.plan.as_dict()}


def plan_rollback(clients: AwsClients, settings: Settings) -> RollbackResult:
    """Read AWSCURRENT and AWSPREVIOUS (by stage, explicitly) and plan the stage move."""
    client = sm.secrets_client(clients)
    name = settings.secret_name
    stages = sm.version_stages(client, name)
    if sm.version_with(stages, sm.PREVIOUS) is None:
        raise CliError(f"secret {name} has no previous version (AWSPREVIOUS) to roll back to")
    current = sm.read_version(client, name, sm.CURRENT)
    previous = sm.read_version(client, name, sm.PREVIOUS)
    diff = diff_values(previous.values, current.values)
    plan = Plan(title=f"Roll back secret {name} ({clients.region})")
    result = RollbackResult(name, current.version_id, previous.version_id, diff, plan)
    if not diff.changes:
        plan.notes.append("the previous version holds the same values")

    def move() -> None:
        sm.ensure_current_is(client, name, current.version_id)
        sm.move_current(client, name, previous.version_id, current.version_id)

    plan.add(f"make version {previous.version_id} (AWSPREVIOUS) current again, replacing {current.version_id}",
             move, [entry.line() for entry in diff.entries if entry.change is not Change.UNCHANGED])
    return result


def rollback_secret(clients: AwsClients, settings: Settings, *, dry_run: bool = False,
                    assume_yes: bool = False, ui: UI | None = None) -> RollbackResult:
    result = plan_rollback(clients, settings)
    execute(result.plan, _with_yes(ui, assume_yes), dry_run=dry_run)
    result.dry_run = dry_run
    result.applied = not dry_run
    return result
