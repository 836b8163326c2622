"""Load the service's JSON secret from AWS Secrets Manager into the environment.

Once per cold start, on first need, never at import (boto3 costs ~50 ms to import).
Values already set in the environment win, so an operator can override one key. No
value is ever logged: only the key names.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import MutableMapping
from typing import Any

from .errors import DependencyUnavailable

log = logging.getLogger("shopbot")


def load_secret_into_env(
    secret_id: str, env: MutableMapping[str, str] | None = None, client: Any | None = None
) -> list[str]:
    """Copy the secret's keys into `env` (default os.environ); returns the keys set."""
    env = os.environ if env is None else env
    if client is None:
        import boto3

        client = boto3.client("secretsmanager")
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
    loaded = []
    for key, value in values.items():
        if key not in env and isinstance(value, str | int | float | bool):
            env[key] = str(value)
            loaded.append(key)
    log.info("loaded %d keys from secret %s: %s", len(loaded), secret_id, ", ".join(sorted(loaded)))
    return loaded
