"""Secrets Manager calls for `shopbot secrets`: read a staged version, put, create, move a stage.

Reads always name a `VersionStage`: after a stage move, moto (and a cached reader) can hand
back an older version when none is given. Writes carry a `ClientRequestToken` derived from
the content, so a retried call is the same call and never creates a second version.
Errors become one line; none of them quotes a secret value.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from ..errors import AwsError, CliError, ConfigError, ConflictError
from ..secrets.masking import install_log_redaction
from . import AwsClients, aws_errors, error_code

CURRENT = "AWSCURRENT"
PREVIOUS = "AWSPREVIOUS"
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
    "RequestThrottled", "RequestThrottledException", "RequestLimitExceeded", "SlowDown",
})


class SecretNotFound(ConfigError):
    """The secret does not exist (sync creates it; the other commands stop)."""


@dataclass(frozen=True)
class SecretVersion:
    """One version of the secret, its values parsed from the JSON object it holds."""

    name: str
    arn: str
    version_id: str
    values: dict[str, Any]


def secrets_client(clients: AwsClients) -> Any:
    """The Secrets Manager client, with botocore's body logging redacted first."""
    install_log_redaction()
    return clients.client("secretsmanager")


@contextmanager
def secret_errors(doing: str, missing: str | None = None) -> Iterator[None]:
    """`aws_errors` plus what secrets need: a missing secret, throttling, a dropped connection."""
    try:
        with aws_errors(doing):
            try:
                yield
            except botocore.exceptions.ClientError as error:
                code = error_code(error)
                if code == "ResourceNotFoundException" and missing is not None:
                    raise SecretNotFound(f"{doing}: {missing}") from None
                if code == "ResourceExistsException":
                    raise ConflictError(f"{doing}: it was created meanwhile by someone else; nothing was "
                                        "changed - run again to see the difference") from None
                if code in THROTTLING_CODES:
                    attempts = 1 + int(error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0))
                    raise AwsError(f"{doing}: AWS throttled every one of {attempts} attempts ({code}); "
                                   "nothing was changed - wait a minute and run it again") from None
                raise
    except botocore.exceptions.HTTPClientError as error:
        raise CliError(f"{doing}: network error ({error}); each write is one atomic, idempotent call - "
                       "run the same command again") from None


def canonical_json(values: dict[str, Any]) -> str:
    """The exact text stored: sorted keys, no spaces, so equal content gives equal text."""
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_token(*parts: str) -> str:
    """A UUID made from the SHA-256 of `parts`: the same content always gives the same token."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def parse_values(text: str | None, where: str) -> dict[str, Any]:
    """The JSON object a version holds; one line (never the content) when it is anything else."""
    if text is None:
        raise CliError(f"{where} holds binary data, not a JSON object: shopbot manages JSON key/value secrets")
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise CliError(f"{where} is not valid JSON: it must be one JSON object of KEY: \"value\" pairs "
                       "(fix it in the Secrets Manager console, then run again)") from None
    if not isinstance(document, dict):
        raise CliError(f"{where} holds a JSON {type(document).__name__}, not an object of KEY: \"value\" "
                       "pairs (fix it in the Secrets Manager console, then run again)")
    return document


def read_version(client: Any, secret_id: str, stage: str = CURRENT) -> SecretVersion:
    """The version carrying `stage`; a missing secret is a ConfigError naming the setting."""
    with secret_errors(f"reading secret {secret_id} ({stage})",
                       missing="no such secret in this account/region (check `secret_name` and `region`, "
                               "or create it with `shopbot secrets sync`)"):
        response = client.get_secret_value(SecretId=secret_id, VersionStage=stage)
    return SecretVersion(
        name=str(response["Name"]), arn=str(response["ARN"]), version_id=str(response["VersionId"]),
        values=parse_values(response.get("SecretString"), f"secret {secret_id} ({stage})"),
    )


def find_current(client: Any, secret_id: str) -> SecretVersion | None:
    """The current version, or None when the secret does not exist yet."""
    try:
        return read_version(client, secret_id, CURRENT)
    except SecretNotFound:
        return None


def version_stages(client: Any, secret_id: str) -> dict[str, list[str]]:
    """Version id -> its stages (DescribeSecret: metadata only, no values)."""
    with secret_errors(f"describing secret {secret_id}",
                       missing="no such secret in this account/region (check `secret_name` and `region`)"):
        response = client.describe_secret(SecretId=secret_id)
    return {str(k): list(v) for k, v in response.get("VersionIdsToStages", {}).items()}


def version_with(stages: dict[str, list[str]], stage: str) -> str | None:
    return next((version for version, names in stages.items() if stage in names), None)


def ensure_current_is(client: Any, secret_id: str, expected: str) -> None:
    """Refuse to write when AWSCURRENT moved since the plan was made (someone else wrote)."""
    actual = version_with(version_stages(client, secret_id), CURRENT)
    if actual != expected:
        raise ConflictError(f"secret {secret_id} changed since the plan was made (current version is now "
                            f"{actual}, planned against {expected}); nothing was changed - run again")


def put_value(client: Any, secret_id: str, secret_string: str, token: str) -> str:
    """One PutSecretValue (it moves AWSCURRENT to the new version); returns the version id."""
    with secret_errors(f"writing secret {secret_id}"):
        response = client.put_secret_value(SecretId=secret_id, SecretString=secret_string,
                                           ClientRequestToken=token)
    return str(response["VersionId"])


def create(client: Any, name: str, secret_string: str, token: str, kms_key_id: str | None,
           tags: dict[str, str]) -> tuple[str, str]:
    """CreateSecret with its first value, KMS key and tags; returns (ARN, version id)."""
    request: dict[str, Any] = {"Name": name, "SecretString": secret_string, "ClientRequestToken": token}
    if kms_key_id:
        request["KmsKeyId"] = kms_key_id
    if tags:
        request["Tags"] = [{"Key": key, "Value": value} for key, value in sorted(tags.items())]
    with secret_errors(f"creating secret {name}"):
        response = client.create_secret(**request)
    return str(response["ARN"]), str(response["VersionId"])


def move_current(client: Any, secret_id: str, to_version: str, from_version: str) -> None:
    """Make `to_version` AWSCURRENT (AWS then labels `from_version` AWSPREVIOUS)."""
    with secret_errors(f"moving AWSCURRENT of secret {secret_id}"):
        client.update_secret_version_stage(SecretId=secret_id, VersionStage=CURRENT,
                                           MoveToVersionId=to_version, RemoveFromVersionId=from_version)
