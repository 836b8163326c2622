"""Masked values tell two values apart without showing either."""

from __future__ import annotations

import hashlib
import logging

import pytest
from shopbot_cli.secrets.masking import fingerprint, install_log_redaction, mask

VALUE = "test.value.api03.abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"


def test_mask_shows_length_and_short_fingerprint_only() -> None:
    digest = hashlib.sha256(VALUE.encode()).hexdigest()[:6]

    assert mask(VALUE) == f"••••••(len {len(VALUE)}, sha256:{digest})"
    assert VALUE[:6] not in mask(VALUE)


def test_different_values_of_the_same_length_differ() -> None:
    assert mask("aaaa") != mask("aaab")
    assert fingerprint("aaaa") == fingerprint("aaaa")


def test_absent_empty_and_non_string_values() -> None:
    assert mask(None) == "(absent)"
    assert mask("") == "(empty)"
    assert mask(6379) == mask("6379")


@pytest.mark.parametrize("logger_name", ["botocore.endpoint", "botocore.parsers"])
def test_botocore_body_logs_are_redacted(logger_name: str, caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    caplog.set_level(logging.DEBUG)
    logger = logging.getLogger(logger_name)

    logger.debug("Response body:\n%r", b'{"SecretString": "' + VALUE.encode() + b'"}')
    logger.debug("Making request for %s with params: %s", "OperationModel(name=PutSecretValue)",
                 {"body": VALUE, "url": "https://example"})
    logger.debug("something else %s", "harmless")

    messages = [record.getMessage() for record in caplog.records if record.name == logger_name]
    assert not any(VALUE in message for message in messages)
    assert "Making request for OperationModel(name=PutSecretValue) [body redacted by shopbot]" in messages
    assert "something else harmless" in messages
