"""Load the service's JSON secret from AWS Secrets Manager into the environment, and keep it fresh.

Loaded on first need, never at import (boto3 costs ~50 ms to import). Values already set
in the environment when it is first loaded win, so an operator can override one key.
After `SECRETS_TTL_SECONDS` (default 300; 0 = once per cold start, as before) the next
request reads it again, so a warm Lambda or a long-lived ECS task sees `secrets sync`
within the TTL instead of at its next recycle. A changed version rewrites only the keys
the secret put there; a failed re-read keeps the values in hand (the service keeps
answering) and tries again one TTL later. No value is ever logged: only key names.

Why not Powertools' `parameters.get_secret(max_age=...)`: it caches the string, but the
service also needs to know *that* it changed (to rebuild clients made with the old key)
and which environment keys it owns; the version id answers both for one small class.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, MutableMapping
from typing import Any

from .errors import DependencyUnavailable

log = logging.getLogger("shopbot")
DEFAULT_TTL_SECONDS = 300.0


def _fetch(client: Any, secret_id: str) -> tuple[str | None, dict[str, str]]:
    """(version id, values as strings) of the secret's AWSCURRENT version."""
    try:
        response = client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")
    except Exception as error:  # botocore raises many types; all mean "not available now"
        log.warning("could not load secret %s: %s", secret_id, type(error).__name__)
        raise DependencyUnavailable("configuration secrets could not be loaded") from None
    try:
        values = json.loads(response.get("SecretString") or "")
    except ValueError:
        values = None
    if not isinstance(values, dict):
        log.error("secret %s is not a JSON object of key/value pairs", secret_id)
        raise DependencyUnavailable("configuration secret is malformed")
    version = response.get("VersionId")
    return (str(version) if version else None,
            {str(k): str(v) for k, v in values.items() if isinstance(v, str | int | float | bool)})


def _default_client() -> Any:
    import boto3

    return boto3.client("secretsmanager")


class SecretCache:
    """The secret's keys in `env`, read again once `ttl` seconds have passed."""

    def __init__(self, secret_id: str, ttl: float = DEFAULT_TTL_SECONDS,
                 env: MutableMapping[str, str] | None = None, client: Any | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.secret_id = secret_id
        self.ttl = ttl
        self.env = os.environ if env is None else env
        self._client = client
        self._clock = clock
        self.loaded_at: float | None = None
        self.version_id: str | None = None
        self._owned: dict[str, str] = {}     # keys this cache set, and the value it set
        self._pinned: set[str] = set()       # keys the environment had before the first load

    def due(self) -> bool:
        if self.loaded_at is None:
            return True
        return self.ttl > 0 and self._clock() - self.loaded_at >= self.ttl

    def expire(self) -> None:
        """Read again on next need (after a SnapStart restore the snapshot's copy may be old)."""
        if self.loaded_at is not None:
            self.loaded_at = self._clock() - self.ttl if self.ttl > 0 else self.loaded_at

    def refresh(self) -> bool:
        """Read the secret; returns whether the environment changed. The first read raises
        DependencyUnavailable on failure; later ones keep the old values and log."""
        first = self.loaded_at is None
        if self._client is None:
            self._client = _default_client()
        try:
            version, values = _fetch(self._client, self.secret_id)
        except DependencyUnavailable:
            if first:
                raise
            self.loaded_at = self._clock()
            log.warning("keeping the values of secret %s loaded earlier; next try in %.0f s",
                        self.secret_id, self.ttl)
            return False
        self.loaded_at = self._clock()
        if first:
            self._pinned = {key for key in values if key in self.env}
        elif version is not None and version == self.version_id:
            return False
        self.version_id = version
        return self._apply(values, first)

    def _apply(self, values: dict[str, str], first: bool) -> bool:
        changed: list[str] = []
        for key, value in values.items():
            if key in self._pinned or self._owned.get(key) == value:
                continue
            if key not in self._owned and key in self.env:  # set by someone else since: theirs wins
                continue
            self.env[key] = value
            self._owned[key] = value
            changed.append(key)
        for key in [k for k in self._owned if k not in values]:
            self.env.pop(key, None)
            del self._owned[key]
            changed.append(key)
        if first:
            log.info("loaded %d keys from secret %s: %s", len(changed), self.secret_id, ", ".join(sorted(changed)))
        elif changed:
            log.info("secret %s changed (version %s): %s", self.secret_id, self.version_id, ", ".join(sorted(changed)))
        return bool(changed)


def load_secret_into_env(
    secret_id: str, env: MutableMapping[str, str] | None = None, client: Any | None = None
) -> list[str]:
    """Copy the secret's keys into `env` (default os.environ) once; returns the keys set."""
    cache = SecretCache(secret_id, ttl=0, env=env, client=client)
    cache.refresh()
    return sorted(cache._owned)
