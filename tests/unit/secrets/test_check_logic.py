"""valueFrom parsing, secret references and IAM policy evaluation for `secrets check`."""

from __future__ import annotations

from typing import Any

from shopbot_cli.secrets.check import names_secret, parse_value_from, policy_verdict

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:flean-services/shopbot-AbCdEf"
ACTION = "secretsmanager:GetSecretValue"


def _doc(*statements: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [("inline policy p", {"Version": "2012-10-17", "Statement": list(statements)})]


def test_value_from_parts() -> None:
    parsed = parse_value_from(f"{ARN}:ANTHROPIC_API_KEY::")
    assert parsed is not None and (parsed.secret, parsed.key, parsed.stage) == (ARN, "ANTHROPIC_API_KEY", "")
    pinned = parse_value_from(f"{ARN}:K:AWSPREVIOUS:")
    assert pinned is not None and pinned.stage == "AWSPREVIOUS"
    whole = parse_value_from(ARN)
    assert whole is not None and whole.key == ""
    assert parse_value_from("arn:aws:ssm:us-east-1:123456789012:parameter/db") is None


def test_secret_named_by_name_arn_or_partial_arn() -> None:
    name = "flean-services/shopbot"
    assert names_secret(name, name, ARN) and names_secret(ARN, name, ARN)
    assert names_secret(ARN[:-7], name, ARN)
    assert not names_secret("flean-services/shopbot-old", name, ARN)


def test_policy_allows_by_wildcards() -> None:
    allow = {"Effect": "Allow", "Action": "secretsmanager:Get*", "Resource": ARN[:-6] + "??????"}
    assert policy_verdict(_doc(allow), ACTION, ARN) == ("allow", "inline policy p")
    assert policy_verdict(_doc({"Effect": "Allow", "Action": "*", "Resource": "*"}), ACTION, ARN)[0] == "allow"


def test_policy_for_another_secret_or_action_does_not_allow() -> None:
    other = {"Effect": "Allow", "Action": ACTION, "Resource": ARN.replace("shopbot", "other")}
    describe = {"Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": ARN}
    assert policy_verdict(_doc(other, describe), ACTION, ARN) == ("none", None)


def test_explicit_deny_wins() -> None:
    allow = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    deny = {"Effect": "Deny", "Action": ["secretsmanager:*"], "Resource": [ARN]}
    assert policy_verdict(_doc(allow, deny), ACTION, ARN) == ("deny", "inline policy p")


def test_single_statement_object_is_read() -> None:
    document = [("managed policy m", {"Statement": {"Effect": "Allow", "Action": ACTION, "Resource": ARN}})]
    assert policy_verdict(document, ACTION, ARN) == ("allow", "managed policy m")
