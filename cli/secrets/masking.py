"""Show secret values without showing them, and keep them out of botocore's debug logs.

A masked value keeps what a person needs to tell two values apart - the length and a
short SHA-256 fingerprint - and nothing else: `••••••(len 51, sha256:3f2a1c)`.
(`printf %s "$VALUE" | sha256sum` gives the same fingerprint, to match a value by hand.)
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

FINGERPRINT_CHARS = 6
ABSENT = "(absent)"

# botocore logs whole request and response bodies at DEBUG level from these loggers; bodies
# carry secret values (SecretString) and other services' secrets too (a Lambda's environment).
_BODY_LOGGERS = ("botocore.endpoint", "botocore.parsers")
_SECRET_FIELDS = ("SecretString", "SecretBinary")


def as_text(value: Any) -> str:
    """A secret's value as the text a process would see (non-strings as their JSON)."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def fingerprint(value: Any) -> str:
    digest = hashlib.sha256(as_text(value).encode("utf-8")).hexdigest()
    return f"sha256:{digest[:FINGERPRINT_CHARS]}"


def mask(value: Any) -> str:
    """`••••••(len N, sha256:xxxxxx)`; `(absent)` for None, `(empty)` for ""."""
    if value is None:
        return ABSENT
    text = as_text(value)
    if text == "":
        return "(empty)"
    return f"••••••(len {len(text)}, {fingerprint(text)})"


class RedactBodies(logging.Filter):
    """Keep botocore's debug records but drop the request/response bodies they carry."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("Response body") or message.startswith("Making request for"):
            operation = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            label = "Response body" if message.startswith("Response body") else f"Making request for {operation}"
            record.msg, record.args = f"{label} [body redacted by shopbot]", ()
        elif any(name in record.getMessage() for name in _SECRET_FIELDS):
            record.msg, record.args = "[botocore record redacted by shopbot: it carried a secret]", ()
        return True


_redactor = RedactBodies()


def install_log_redaction() -> None:
    """Attach the redactor to botocore's body-logging loggers (idempotent, process-wide)."""
    for name in _BODY_LOGGERS:
        logger = logging.getLogger(name)
        if _redactor not in logger.filters:
            logger.addFilter(_redactor)
