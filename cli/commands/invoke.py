"""`shopbot invoke -- flask <command>`: a management command inside the Lambda, or `--raw EVENT.json`.

Thin: parses options, builds the event, calls `invoke/remote.py`, shows the answer.
`make_clients` is the seam tests use to reach the clients it builds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from ..aws import AwsClients
from ..errors import CliError, ExitStatus
from ..invoke.outcome import command_event, judge_command, judge_raw
from ..invoke.remote import invoke as invoke_lambda
from ..options import EnvOption, JsonOption, command_settings, examples
from ..settings.environments import Settings
from ..ui import get_ui

make_clients: Callable[[Settings], AwsClients] = AwsClients


def _raw_event(path: Path) -> Any:
    try:
        text = path.read_text()
    except OSError as error:
        raise CliError(f"{path}: cannot read the event ({error.strerror})") from None
    try:
        return json.loads(text)
    except ValueError as error:
        line = getattr(error, "lineno", "?")
        raise CliError(f"{path}:{line}: not JSON ({error}): an event is one JSON document") from None


def invoke(
    argv: Annotated[list[str] | None, typer.Argument(help="After --: the command, e.g. flask check-ready.")] = None,
    raw: Annotated[Path | None, typer.Option("--raw", help="Send this JSON event as it is; print the answer.")] = None,
    qualifier: Annotated[
        str | None, typer.Option("--qualifier", help="Alias or version (default: the `lambda_alias` setting).")
    ] = None,
    wait: Annotated[float, typer.Option("--wait", min=1, max=960,
                                        help="Seconds to wait for the answer (Lambda's limit is 900).")] = 910,
    endpoint_url: Annotated[
        str | None, typer.Option("--endpoint-url", help="Another Lambda endpoint, e.g. `shopbot serve --target "
                                                        "lambda`'s http://127.0.0.1:3000.")
    ] = None,
    env: EnvOption = None,
    json_out: JsonOption = False,
) -> None:
    """Run a registered management command inside the deployed Lambda (output and exit status come back)."""
    settings = command_settings(env, json_out)
    ui = get_ui()
    settings.require("lambda_function")
    function = str(settings.lambda_function)
    alias = qualifier or settings.lambda_alias
    if raw is not None:
        if argv:
            raise CliError("give either --raw EVENT.json or a command after --, not both")
        answer = invoke_lambda(make_clients(settings), function, alias, _raw_event(raw), wait_seconds=wait,
                               endpoint_url=endpoint_url)
        document = judge_raw(function, answer)
        if ui.json_mode:
            ui.emit_json({"function": function, "qualifier": alias, "payload": document})
        else:
            ui.human.print(escape(json.dumps(document, indent=2)), highlight=False, emoji=False)
        return
    argv = list(argv or [])
    answer = invoke_lambda(make_clients(settings), function, alias, command_event(argv), wait_seconds=wait,
                           endpoint_url=endpoint_url)
    result = judge_command(function, argv, answer, f"waited up to {wait:.0f}s")
    ui.emit_json({"function": function, "qualifier": alias, **result.as_dict()})
    if not ui.json_mode:
        ui.human.print(escape(result.output), end="", highlight=False, emoji=False)
        if result.truncated:
            ui.warn("the output was longer than 256 KiB: only its end is shown")
    if result.exit_code != 0:
        raise CliError(f"`{' '.join(argv)}` exited with status {result.exit_code} in Lambda {function}",
                       ExitStatus.DIFFERENCES)


def register(app: typer.Typer) -> None:
    app.command("invoke", epilog=examples(
        "shopbot invoke -- flask check-ready", "shopbot invoke --raw event.json",
    ))(invoke)
