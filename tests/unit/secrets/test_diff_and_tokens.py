"""Key-by-key diffs, merges, content tokens and secret parsing."""

from __future__ import annotations

import pytest
from shopbot_cli.aws.secretsmanager import canonical_json, content_token, parse_values
from shopbot_cli.errors import CliError
from shopbot_cli.secrets.ops import Change, check_required, diff_values, merged_values
from shopbot_cli.secrets.sources import LocalSecrets
from shopbot_cli.settings.environments import Settings


def test_diff_classifies_every_key_and_masks_values() -> None:
    diff = diff_values({"A": "1", "B": "2", "C": "new"}, {"B": "2", "C": "old", "D": "gone"})

    assert {e.key: e.change for e in diff.entries} == {
        "A": Change.ADDED, "B": Change.UNCHANGED, "C": Change.CHANGED, "D": Change.REMOVED}
    assert [e.key for e in diff.changes] == ["A", "C", "D"]
    assert all("new" not in e.line() and "old" not in e.line() for e in diff.entries)


def test_remote_only_keys_are_kept_without_prune() -> None:
    diff = diff_values({"A": "1"}, {"A": "1", "D": "x"}, keep_old_only=True)

    assert diff.changes == [] and diff.count(Change.KEPT) == 1
    assert merged_values({"A": "2"}, {"A": "1", "D": "x"}, prune=False) == {"A": "2", "D": "x"}
    assert merged_values({"A": "2"}, {"A": "1", "D": "x"}, prune=True) == {"A": "2"}


def test_non_string_remote_values_compare_by_their_text() -> None:
    assert diff_values({"PORT": "6379"}, {"PORT": 6379}).changes == []


def test_tokens_depend_on_content_and_base_only() -> None:
    text = canonical_json({"B": "2", "A": "1"})

    assert text == '{"A":"1","B":"2"}'
    assert content_token("v1", "", text) == content_token("v1", "", canonical_json({"A": "1", "B": "2"}))
    assert content_token("v1", "", text) != content_token("v1", "v0", text)
    assert content_token("v1", "", text) != content_token("v1", "", text + " ")
    assert len(content_token("x")) == 36


@pytest.mark.parametrize(("text", "message"), [
    (None, "holds binary data"),
    ("nope", "is not valid JSON"),
    ("[1]", "holds a JSON list"),
    ('"str"', "holds a JSON str"),
])
def test_secret_must_be_a_json_object(text: str | None, message: str) -> None:
    with pytest.raises(CliError, match=message):
        parse_values(text, "secret s")


def test_required_keys_missing_or_blank_are_named() -> None:
    settings = Settings(required_secret_keys=["ANTHROPIC_API_KEY", "ES_API_KEY", "REDIS_PASSWORD"])

    with pytest.raises(CliError, match=r"missing or empty in f\.env: ANTHROPIC_API_KEY, ES_API_KEY \("):
        check_required(settings, LocalSecrets({"ES_API_KEY": "  ", "REDIS_PASSWORD": "x"}, "f.env"))
    with pytest.raises(CliError, match="holds no keys"):
        check_required(Settings(required_secret_keys=[]), LocalSecrets({}, "f.env"))
