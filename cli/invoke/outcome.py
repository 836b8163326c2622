"""Pure: the management event, and what a Lambda's answer to it means for the user.

Exit codes (README "Exit codes"): the command's own failure is 1; a command that is not
registered, a function without the invoke hook, or a Lambda timeout is 2 (could not run).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..errors import CliError, ExitStatus

INVOKE_KEY = "shopbot_invoke"  # shopbot/manage.py's key; the service cannot import the toolkit, nor we it here


def command_event(argv: list[str]) -> dict[str, Any]:
    if not argv:
        raise CliError("say what to run: shopbot invoke -- flask <command> [args] (or --raw EVENT.json)")
    return {INVOKE_KEY: {"argv": list(argv)}}


@dataclass(frozen=True)
class Answer:
    """One Invoke response: FunctionError (None when the handler returned) and the payload bytes."""

    function_error: str | None
    payload: bytes

    def document(self) -> Any:
        try:
            return json.loads(self.payload or b"null")
        except ValueError:
            return None


def _timed_out(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    return document.get("errorType") == "Sandbox.Timedout" or "Task timed out" in str(document.get("errorMessage", ""))


def _error_text(document: Any) -> str:
    if isinstance(document, dict):
        return f"{document.get('errorType', 'error')}: {str(document.get('errorMessage', ''))[:300]}"
    return "an answer that is not JSON"


@dataclass(frozen=True)
class CommandResult:
    command: list[str]
    exit_code: int
    output: str
    truncated: bool

    def as_dict(self) -> dict[str, Any]:
        return {"command": self.command, "exit_code": self.exit_code, "output": self.output,
                "truncated": self.truncated}


def judge_command(function: str, argv: list[str], answer: Answer, timeout_hint: str) -> CommandResult:
    """What the command's answer means; raises CliError for everything but a command that ran."""
    document = answer.document()
    shown = " ".join(argv)
    if answer.function_error is not None:
        if _timed_out(document):
            raise CliError(f"Lambda {function} timed out running `{shown}` ({timeout_hint}): the command may have "
                           "partly run; raise the function's timeout or split the work")
        raise CliError(f"Lambda {function} failed before running `{shown}` ({_error_text(document)}): a function "
                       "without the invoke hook fails like this; deploy a current build "
                       "(`shopbot deploy --target lambda`)")
    if not isinstance(document, dict) or INVOKE_KEY not in document:
        raise CliError(f"Lambda {function} has no invoke hook (it answered as if `{shown}` were something else): "
                       "deploy a current build (`shopbot deploy --target lambda`)")
    if not document.get("ok"):
        raise CliError(f"Lambda {function} refused `{shown}`: {document.get('message', document.get('error'))}")
    exit_code, output = document.get("exit_code"), document.get("output")
    if not isinstance(exit_code, int) or not isinstance(output, str):
        raise CliError(f"Lambda {function} answered `{shown}` without an exit code and output: deploy a current build")
    command = [str(part) for part in document.get("command") or argv]
    return CommandResult(command, exit_code, output, bool(document.get("truncated")))


def judge_raw(function: str, answer: Answer) -> Any:
    """A raw event's answer: the payload document; a timeout or handler error raises."""
    document = answer.document()
    if answer.function_error is not None:
        if _timed_out(document):
            raise CliError(f"Lambda {function} timed out: {_error_text(document)}")
        raise CliError(f"Lambda {function} raised {_error_text(document)}", ExitStatus.DIFFERENCES)
    return document if document is not None else answer.payload.decode(errors="replace")
