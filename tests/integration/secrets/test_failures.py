"""Failures: each is one clear line, a documented exit code, and nothing half-applied.

AWS errors are injected with botocore event hooks on the clients the command builds, so the
real retry logic (standard mode, 5 attempts) runs; only its sleeps are skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from shopbot_cli.errors import ExitStatus
from typer.testing import Result

from tests.support import free_port

from .conftest import SECRET, Cli, current, error_response, version_count, write_env

pytestmark = pytest.mark.usefixtures("no_backoff")


def _one_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


def _seed(sm: Any, tmp_path: Path) -> str:
    sm.create_secret(Name=SECRET, SecretString='{"ANTHROPIC_API_KEY": "one"}')
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": "two"})
    return str(current(sm)[0])


def test_access_denied(cli: Cli, sm: Any, tmp_path: Path) -> None:
    _seed(sm, tmp_path)
    cli.hook("before-send.secretsmanager.GetSecretValue",
             lambda **kw: error_response(400, "AccessDeniedException", "not allowed"))

    result = cli("secrets", "diff")

    assert result.exit_code == ExitStatus.AWS
    assert "AccessDeniedException" in _one_line(result) and "IAM policy" in result.stderr


def test_throttling_is_retried_then_reported(cli: Cli, sm: Any, tmp_path: Path) -> None:
    _seed(sm, tmp_path)
    attempts: list[int] = []

    def throttle(**_: Any) -> Any:
        attempts.append(1)
        return error_response(400, "ThrottlingException", "Rate exceeded")

    cli.hook("before-send.secretsmanager.GetSecretValue", throttle)

    result = cli("secrets", "sync", "--yes")

    assert result.exit_code == ExitStatus.AWS
    # RETRY_CONFIG max_attempts=5: in a Config object botocore counts retries, so 1 call + 5 retries
    assert len(attempts) == 6
    assert "throttled every one of 6 attempts" in _one_line(result)
    assert current(sm)[1] == {"ANTHROPIC_API_KEY": "one"}


def test_throttling_that_clears_is_invisible(cli: Cli, sm: Any, tmp_path: Path) -> None:
    _seed(sm, tmp_path)
    attempts: list[int] = []

    def throttle_twice(**_: Any) -> Any:
        attempts.append(1)
        return error_response(400, "ThrottlingException", "Rate exceeded") if len(attempts) <= 2 else None

    cli.hook("before-send.secretsmanager.GetSecretValue", throttle_twice)

    assert cli.json("secrets", "sync", "--yes")["applied"] is True
    assert current(sm)[1] == {"ANTHROPIC_API_KEY": "two"}


def test_unreachable_endpoint(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": "two"})
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")

    result = cli("secrets", "diff")

    assert result.exit_code == ExitStatus.ERROR and "cannot reach AWS" in _one_line(result)


def test_connection_dropped_during_the_put_changes_nothing(cli: Cli, sm: Any, tmp_path: Path) -> None:
    before = _seed(sm, tmp_path)

    def drop(request: Any, **_: Any) -> None:
        raise botocore.exceptions.ConnectionClosedError(endpoint_url=request.url)

    cli.hook("before-send.secretsmanager.PutSecretValue", drop)
    result = cli("secrets", "sync", "--yes")

    assert result.exit_code == ExitStatus.ERROR
    assert "network error" in _one_line(result) and "run the same command again" in result.stderr
    assert current(sm) == (before, {"ANTHROPIC_API_KEY": "one"}) and version_count(sm) == 1


def test_lost_response_then_rerun_makes_no_second_version(cli: Cli, sm: Any, tmp_path: Path) -> None:
    """The put reached AWS but the answer was lost: running the sync again is a no-op."""
    _seed(sm, tmp_path)
    lost: list[int] = []

    def lose_answer(**_: Any) -> None:
        if not lost:
            lost.append(1)
            raise botocore.exceptions.ReadTimeoutError(endpoint_url="http://secretsmanager")

    cli.hook("after-call.secretsmanager.PutSecretValue", lose_answer)

    assert cli("secrets", "sync", "--yes").exit_code == ExitStatus.ERROR
    again = cli.json("secrets", "sync", "--yes")

    assert again["changed"] is False
    assert current(sm)[1] == {"ANTHROPIC_API_KEY": "two"} and version_count(sm) == 2


def test_someone_else_writes_between_plan_and_apply(cli: Cli, sm: Any, tmp_path: Path) -> None:
    _seed(sm, tmp_path)
    describes: list[int] = []

    def other_writer(**_: Any) -> None:
        describes.append(1)
        if len(describes) == 2:  # the re-check just before the put
            sm.put_secret_value(SecretId=SECRET, SecretString='{"ANTHROPIC_API_KEY": "theirs"}')

    cli.hook("before-call.secretsmanager.DescribeSecret", other_writer)
    result = cli("secrets", "sync", "--yes")

    assert result.exit_code == ExitStatus.CONFLICT and "changed since the plan" in _one_line(result)
    assert current(sm)[1] == {"ANTHROPIC_API_KEY": "theirs"}


def test_missing_secret(cli: Cli, aws: str) -> None:
    for command in (["pull"], ["rollback", "--yes"], ["check"]):
        result = cli("secrets", *command)
        assert result.exit_code == ExitStatus.CONFIG, command
        assert "no such secret" in _one_line(result) or "`secret_name`" in result.stderr


@pytest.mark.parametrize(("stored", "expected"), [
    ("not json at all", "is not valid JSON"),
    ('["a", "list"]', "holds a JSON list"),
])
def test_secret_that_is_not_a_json_object(cli: Cli, sm: Any, tmp_path: Path, stored: str, expected: str) -> None:
    sm.create_secret(Name=SECRET, SecretString=stored)
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": "two"})

    for command in (["diff"], ["sync", "--yes"], ["pull", "--to", "pulled.env"]):
        result = cli("secrets", *command)
        assert result.exit_code == ExitStatus.ERROR, command
        assert expected in _one_line(result)
    assert version_count(sm) == 1


def test_dotenv_that_does_not_parse_names_file_and_line(cli: Cli, sm: Any, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text('# comment\nANTHROPIC_API_KEY=abc\nBROKEN="no closing quote\n')

    result = cli("secrets", "sync", "--yes")

    assert result.exit_code == ExitStatus.ERROR
    assert ".env:3: not a valid dotenv line" in _one_line(result)
    assert sm.list_secrets()["SecretList"] == []


def test_bad_sources(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "list.json").write_text('["x"]')
    (tmp_path / "nums.json").write_text('{"ANTHROPIC_API_KEY": 5}')
    (tmp_path / "broken.json").write_text('{\n"a": }')
    cases = {
        ("--from", "missing.env"): "missing.env: no such file",
        ("--from", "list.json"): "must be a JSON object",
        ("--from", "nums.json"): "values must be strings; not for ANTHROPIC_API_KEY",
        ("--from", "broken.json"): "broken.json:2: not valid JSON",
        ("--from-env", "SHOPBOT_TEST_UNSET_VAR"): "not set: SHOPBOT_TEST_UNSET_VAR",
        ("--from", "x.env", "--from-env", "A"): "not both",
    }
    for args, expected in cases.items():
        result = cli("secrets", "diff", *args)
        assert result.exit_code == ExitStatus.ERROR, args
        assert expected in _one_line(result), args


def test_secret_created_by_someone_else_meanwhile(cli: Cli, sm: Any, tmp_path: Path) -> None:
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": "mine"})

    def other_creator(**_: Any) -> None:
        sm.create_secret(Name=SECRET, SecretString='{"ANTHROPIC_API_KEY": "theirs"}')

    cli.hook("before-call.secretsmanager.CreateSecret", other_creator)
    result = cli("secrets", "sync", "--yes")

    assert result.exit_code == ExitStatus.CONFLICT and "created meanwhile" in _one_line(result)
    assert current(sm)[1] == {"ANTHROPIC_API_KEY": "theirs"}
