"""A planted canary value must never appear in any output, log record or exception message.

Every `secrets` command runs in human and --json mode (and --debug for the failures), over
success and failure paths, with every logger at DEBUG - botocore logs whole request and
response bodies at that level, which is exactly where a secret would leak.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from shopbot_cli.aws import AwsClients
from shopbot_cli.errors import CliError
from shopbot_cli.secrets.ops import diff_secret, pull_secret, rollback_secret, sync_secret
from shopbot_cli.secrets.sources import LocalSecrets
from shopbot_cli.settings.environments import load_settings
from shopbot_cli.ui import UI
from typer.testing import Result

from .conftest import CANARY, SECRET, Cli, error_response, wire_targets, write_env

MODES: list[tuple[str, ...]] = [(), ("--json",)]


def _exception_texts(error: BaseException | None) -> Iterator[str]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield str(error)
        yield repr(error.args)
        error = error.__cause__ or error.__context__


def _leaks(results: list[Result], caplog: pytest.LogCaptureFixture) -> list[str]:
    found = []
    for result in results:
        texts = [result.stdout, result.stderr, *_exception_texts(result.exception)]
        if any(CANARY in text for text in texts):
            found.append(f"output of {result}")
    for record in caplog.records:
        if CANARY in record.getMessage() or CANARY in str(record.exc_info):
            found.append(f"log record {record.name}: {record.getMessage()[:300]!r}")
    return found


def _replace_secret(sm: Any, text: str) -> None:
    """Recreate the secret holding `text` (a put after a rollback trips a moto stage bug)."""
    sm.delete_secret(SecretId=SECRET, ForceDeleteWithoutRecovery=True)
    sm.create_secret(Name=SECRET, SecretString=text)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.usefixtures("no_backoff")
def test_no_command_ever_shows_the_canary(cli: Cli, sm: Any, tmp_path: Path,
                                          debug_logs: pytest.LogCaptureFixture) -> None:
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": CANARY, "ES_API_KEY": "es"})
    for mode in MODES:
        cli("secrets", "diff", *mode)
        cli("secrets", "sync", "--dry-run", *mode)
    created = cli.json("secrets", "sync", "--yes")
    for mode in MODES:
        cli("secrets", "sync", "--yes", *mode)                              # no-op
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": CANARY + "-v2", "ES_API_KEY": "es"})
    for mode in MODES:
        cli("secrets", "diff", *mode)
    cli("secrets", "sync", "--yes")
    for mode in MODES:
        cli("secrets", "rollback", "--dry-run", *mode)
    cli("secrets", "rollback", "--yes")
    cli("secrets", "rollback", "--yes", "--json")
    for number, mode in enumerate(MODES):
        cli("secrets", "pull", "--to", f"pulled-{number}.env", *mode)
    cli("secrets", "pull", "--to", "pulled-0.env")                          # refused: exists
    arn = str(created["arn"])
    wire_targets(arn, lambda_secret=SECRET, policy_resource=arn,
                 lambda_env={"ANTHROPIC_API_KEY": CANARY},
                 ecs_secrets=[{"name": "ANTHROPIC_API_KEY", "valueFrom": f"{arn}:ANTHROPIC_API_KEY::"}])
    for mode in MODES:
        assert cli("secrets", "check", *mode).exit_code == 1

    # failures: refused source, unparsable .env, AccessDenied and throttling on a put
    (tmp_path / "bad.env").write_text(f'ANTHROPIC_API_KEY=""\nOTHER={CANARY}\n')
    (tmp_path / "broken.env").write_text(f'ANTHROPIC_API_KEY=x\nBROKEN="{CANARY}\n')
    write_env(tmp_path / ".env", {"ANTHROPIC_API_KEY": CANARY + "-v3"})
    for mode in [*MODES, ("--debug",)]:
        debug = ["--debug"] if "--debug" in mode else []
        json_mode = [m for m in mode if m == "--json"]
        assert cli(*debug, "secrets", "sync", "--yes", "--from", "bad.env", *json_mode).exit_code == 2
        assert cli(*debug, "secrets", "diff", "--from", "broken.env", *json_mode).exit_code == 2
    denied = [error_response(400, "AccessDeniedException", "no"), error_response(400, "ThrottlingException", "slow")]
    cli.hook("before-send.secretsmanager.PutSecretValue", lambda **kw: denied[0])
    assert cli("--debug", "secrets", "sync", "--yes").exit_code == 4
    denied.reverse()
    assert cli("secrets", "sync", "--yes", "--json").exit_code == 4

    # a secret that is not a JSON object, and holds the canary
    _replace_secret(sm, f"{CANARY} is not json")
    for mode in MODES:
        for command in (["diff"], ["sync", "--yes"], ["pull", "--to", "x.env"], ["rollback", "--dry-run"],
                        ["check"]):
            assert cli("secrets", *command, *mode).exit_code == 2, command
    assert cli("--debug", "secrets", "sync", "--yes").exit_code == 2

    assert CANARY in (tmp_path / "pulled-0.env").read_text()  # the one place it belongs
    assert _leaks(cli.results, debug_logs) == []
    assert len(cli.results) > 35


def test_library_calls_raise_and_return_nothing_with_the_canary(
        aws: str, settings_file: Path, sm: Any, tmp_path: Path, debug_logs: pytest.LogCaptureFixture) -> None:
    """The functions the demo calls directly: results and raised errors carry masked values only."""
    settings = load_settings()
    clients = AwsClients(settings)
    ui = UI(json_mode=True)
    source = LocalSecrets({"ANTHROPIC_API_KEY": CANARY}, "test")
    results = [
        diff_secret(clients, settings, source).as_dict(),
        sync_secret(clients, settings, source, assume_yes=True, ui=ui).as_dict(),
        sync_secret(clients, settings, LocalSecrets({"ANTHROPIC_API_KEY": CANARY + "2"}, "t"),
                    assume_yes=True, ui=ui).as_dict(),
        rollback_secret(clients, settings, assume_yes=True, ui=ui).as_dict(),
        pull_secret(clients, settings, tmp_path / "p.env").as_dict(),
    ]
    _replace_secret(sm, f"[\"{CANARY}\"]")
    errors: list[str] = []
    calls: list[Callable[[], object]] = [
                 lambda: diff_secret(clients, settings, source),
                 lambda: sync_secret(clients, settings, source, assume_yes=True, ui=ui),
                 lambda: sync_secret(clients, settings, LocalSecrets({"X": CANARY}, "t"), ui=ui)]
    for call in calls:
        with pytest.raises(CliError) as caught:
            call()
        errors.extend(_exception_texts(caught.value))

    assert CANARY not in repr(results) and not any(CANARY in text for text in errors)
    assert not [r for r in debug_logs.records if CANARY in r.getMessage()]
