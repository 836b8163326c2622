"""Management commands a direct Lambda Invoke may run: `shopbot invoke -- flask <command>`.

The Lambda handler hands an event shaped exactly `{"shopbot_invoke": {"argv": [...]}}` here
(API Gateway never builds that shape, so no HTTP request can reach these). Only commands
registered with `@safe_command` run; they are Flask CLI commands on `app.cli`, run with
Flask's CLI runner inside the app context, so they see the same configuration (and
secret) the requests see. Output (at most MAX_OUTPUT characters) and the exit status
come back in the response. Imported only on such an invocation: never at cold start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app

from .errors import ShopbotError
from .extensions import components

INVOKE_KEY = "shopbot_invoke"
MAX_OUTPUT = 256 * 1024
MAX_ARGS = 64
SAFE_COMMANDS: dict[str, click.Command] = {}


def safe_command(name: str, help_text: str) -> Callable[[Callable[..., Any]], click.Command]:
    """Register a click command as safe to run from a direct Invoke."""

    def register(function: Callable[..., Any]) -> click.Command:
        command = click.command(name, help=help_text)(function)
        SAFE_COMMANDS[name] = command
        return command

    return register


@safe_command("check-ready", "Ping Redis and search the way /health/ready does; exit 1 when one fails.")
def check_ready() -> None:
    parts = components()
    failed = 0
    for name in ("context", "search"):
        try:
            getattr(parts, name).ping()
            click.echo(f"{name}: ok")
        except ShopbotError as error:
            failed += 1
            click.echo(f"{name}: {error.message}")
    if failed:
        raise SystemExit(1)


@safe_command("load-catalog", "Load the packaged catalog into the configured Elasticsearch index.")
def load_catalog() -> None:
    from .search.catalog import load_packaged_catalog
    from .search.elastic import ElasticsearchSearch

    search = components().search
    if not isinstance(search, ElasticsearchSearch):
        click.echo("ELASTICSEARCH_URL is not set: the service searches its packaged catalog, nothing to load")
        raise SystemExit(2)
    try:
        created = search.ensure_index()
        count = search.load_catalog(load_packaged_catalog())
    except ShopbotError as error:
        click.echo(f"error: {error.message}")
        raise SystemExit(1) from None
    click.echo(f"loaded {count} products into {search.index!r} ({'created' if created else 'existing'} index)")


@safe_command("routes", "List the service's routes.")
def routes() -> None:
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        methods = ",".join(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
        click.echo(f"{methods:<12} {rule.rule}")


def is_invocation(event: dict[str, Any]) -> bool:
    """A direct Invoke of a management command: exactly one key, ours."""
    return set(event) == {INVOKE_KEY}


def _refusal(code: str, message: str) -> dict[str, Any]:
    return {"shopbot_invoke": 1, "ok": False, "error": code, "message": message,
            "registered": sorted(SAFE_COMMANDS)}


def run_invocation(app: Flask, request: Any) -> dict[str, Any]:
    """Run one registered command; a refusal is an answer, never an exception."""
    argv = request.get("argv") if isinstance(request, dict) else None
    if not isinstance(argv, list) or not argv or len(argv) > MAX_ARGS or not all(
            isinstance(a, str) and len(a) <= 4096 for a in argv):
        return _refusal("bad_request", f'expected {{"{INVOKE_KEY}": {{"argv": ["flask", "<command>", ...]}}}} '
                                       f"with at most {MAX_ARGS} string arguments")
    args = argv[1:] if argv[0] == "flask" else argv
    if not args or args[0] not in SAFE_COMMANDS:
        name = args[0] if args else "(none)"
        return _refusal("not_registered", f"command {name!r} is not registered as safe to invoke "
                                          f"(registered: {', '.join(sorted(SAFE_COMMANDS))})")
    for name, command in SAFE_COMMANDS.items():
        if name not in app.cli.commands:
            app.cli.add_command(command)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=args)
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += f"\n{type(result.exception).__name__}: {result.exception}\n"
    truncated = len(output) > MAX_OUTPUT
    return {"shopbot_invoke": 1, "ok": True, "command": args, "exit_code": result.exit_code,
            "output": output[-MAX_OUTPUT:] if truncated else output, "truncated": truncated}
