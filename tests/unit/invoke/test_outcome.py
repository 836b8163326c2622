"""What a Lambda's answer to `shopbot invoke` means, for every answer a function could give."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shopbot_cli.emulator.invoke_api import answer_outcome, function_named
from shopbot_cli.emulator.workers import Outcome
from shopbot_cli.errors import CliError, ExitStatus
from shopbot_cli.invoke.outcome import Answer, command_event, judge_command, judge_raw

ARGV = ["flask", "check-ready"]


def _ok(**document: object) -> Answer:
    return Answer(None, json.dumps(document).encode())


def test_a_command_that_ran() -> None:
    result = judge_command("fn", ARGV, _ok(shopbot_invoke=1, ok=True, command=["check-ready"], exit_code=1,
                                           output="context: down\n", truncated=False), "hint")
    assert (result.exit_code, result.output, result.command) == (1, "context: down\n", ["check-ready"])


@pytest.mark.parametrize(("answer", "says"), [
    (Answer("Unhandled", b'{"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 3.00 seconds"}'),
     "timed out running `flask check-ready`"),
    (Answer("Unhandled", b'{"errorType": "KeyError", "errorMessage": "\'rawPath\'"}'), "without the invoke hook"),
    (_ok(statusCode=500, body="Internal Server Error"), "has no invoke hook"),
    (_ok(shopbot_invoke=1, ok=False, error="not_registered", message="command 'x' is not registered"),
     "refused `flask check-ready`: command 'x' is not registered"),
    (_ok(shopbot_invoke=1, ok=True), "without an exit code"),
])
def test_every_other_answer_is_one_clear_error(answer: Answer, says: str) -> None:
    with pytest.raises(CliError) as raised:
        judge_command("fn", ARGV, answer, "hint")
    assert says in str(raised.value) and raised.value.status == ExitStatus.ERROR


def test_raw_answers() -> None:
    assert judge_raw("fn", _ok(warmed=True)) == {"warmed": True}
    with pytest.raises(CliError) as raised:
        judge_raw("fn", Answer("Unhandled", b'{"errorType": "ValueError", "errorMessage": "no"}'))
    assert raised.value.status == ExitStatus.DIFFERENCES
    with pytest.raises(CliError, match="timed out"):
        judge_raw("fn", Answer("Unhandled", b'{"errorMessage": "x Task timed out after 1.00 seconds"}'))
    with pytest.raises(CliError, match="say what to run"):
        command_event([])


@given(st.one_of(st.none(), st.sampled_from(["Unhandled", "Handled"])), st.binary(max_size=200),
       st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
                    lambda inner: st.dictionaries(st.sampled_from(
                        ["shopbot_invoke", "ok", "exit_code", "output", "command", "errorType", "errorMessage",
                         "message", "truncated"]), inner, max_size=6), max_leaves=12))
def test_any_answer_is_a_result_or_one_clear_error(error: str | None, raw: bytes, document: object) -> None:
    for payload in (raw, json.dumps(document).encode()):
        for judge in (lambda a: judge_command("fn", ARGV, a, "hint"), lambda a: judge_raw("fn", a)):
            try:
                judge(Answer(error, payload))
            except CliError as failure:
                assert "\n" not in str(failure)


def test_invoke_paths_name_the_function() -> None:
    assert function_named("/2015-03-31/functions/shopbot/invocations") == "shopbot"
    assert function_named("/2015-03-31/functions/shopbot:live/invocations?Qualifier=live") == "shopbot"
    assert function_named("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3A"
                          "shopbot%3Alive/invocations") == "shopbot"


@given(st.sampled_from(["ok", "error", "timeout", "init_error", "crash", "too_large"]), st.binary(max_size=100),
       st.one_of(st.none(), st.text(max_size=20)))
def test_every_outcome_becomes_an_invoke_answer(kind: str, payload: bytes, error_type: str | None) -> None:
    answer = answer_outcome(Outcome(kind, payload, error_type), "req-1")  # type: ignore[arg-type]
    assert answer.status == 200
    flagged = ("X-Amz-Function-Error", "Unhandled") in answer.headers
    assert flagged == (kind != "ok")
    if flagged:
        document = json.loads(answer.body)
        assert document["errorType"] and document["errorMessage"]
