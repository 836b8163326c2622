"""`shopbot secrets diff|sync|pull|rollback|check`: thin Typer commands over `secrets/` (ops, check, sources).

Each parses its options, calls one function and renders the result (masked values only).
`make_clients` is the one seam tests use to reach the clients a command builds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from ..aws import AwsClients
from ..errors import CliError, ConfigError, ExitStatus
from ..options import DryRunOption, EnvOption, JsonOption, YesOption, command_settings, examples
from ..secrets.check import check_wiring
from ..secrets.ops import Change, SecretDiff, diff_secret, pull_secret, rollback_secret, sync_secret
from ..secrets.roll import roll as roll_targets
from ..secrets.sources import load_source
from ..settings.environments import DEFAULTS, SETTINGS_FILE, Settings
from ..ui import get_ui

make_clients: Callable[[Settings], AwsClients] = AwsClients

app = typer.Typer(
    name="secrets",
    help="Diff, sync, pull and roll back the service's Secrets Manager secret; check both targets read it.",
    no_args_is_help=True,
)

FromOption = Annotated[
    Path | None, typer.Option("--from", help="Source file: .env (default ./.env) or a .json object.")
]
FromEnvOption = Annotated[
    str | None, typer.Option("--from-env", help="Take these environment variables instead: NAME,NAME.")
]
PruneOption = Annotated[bool, typer.Option("--prune", help="Delete keys the source does not have.")]
_COLOURS = {Change.ADDED: "green", Change.CHANGED: "yellow", Change.REMOVED: "red", Change.KEPT: "cyan",
            Change.UNCHANGED: "dim"}


def secret_settings(env: str | None, json_out: bool, yes: bool = False) -> Settings:
    """The environment's settings, refusing to fall back to the built-in example secret name."""
    settings = command_settings(env, json_out, yes)
    if settings.origin("secret_name") == "default":
        where = settings.source if settings.source != DEFAULTS else SETTINGS_FILE
        raise ConfigError(f"environment '{settings.name}' names no secret: set `secret_name` under "
                          f"[environments.{settings.name}] in {where}, or SHOPBOT_SECRET_NAME "
                          f"(the built-in {settings.secret_name!r} is only an example)")
    return settings


def _show_diff(title: str, diff: SecretDiff) -> None:
    rows = [(f"[{_COLOURS[e.change]}]{e.change}[/]", e.key, e.remote, e.local) for e in diff.entries]
    get_ui().table(title, ["change", "key", "secret now", "source"], rows)


@app.command("diff", epilog=examples(
    "shopbot secrets diff --from .env --env production",
    "shopbot secrets diff --exit-code || echo 'the secret differs from .env'",
))
def diff(from_path: FromOption = None, from_env: FromEnvOption = None, env: EnvOption = None,
         json_out: JsonOption = False,
         exit_code: Annotated[bool, typer.Option(
             "--exit-code", help="Exit 1 when any key differs, as `git diff --exit-code` does.")] = False) -> None:
    """Compare the source with the secret, key by key (values masked)."""
    settings = secret_settings(env, json_out)
    source = load_source(from_path, from_env)
    result = diff_secret(make_clients(settings), settings, source)
    ui = get_ui()
    changes = len(result.diff.changes)
    if ui.json_mode:
        ui.emit_json(result.as_dict())
    else:
        if not result.exists:
            ui.warn(f"secret {result.secret} does not exist yet: `shopbot secrets sync` creates it")
        _show_diff(f"{source.origin} vs secret {result.secret}", result.diff)
        ui.info("In sync." if not changes else f"{changes} key(s) differ: `shopbot secrets sync` applies them "
                                               "(removed keys only with --prune).")
    if exit_code and changes:
        raise typer.Exit(int(ExitStatus.DIFFERENCES))


RollOption = Annotated[bool, typer.Option(
    "--roll", help="Then replace the running ECS tasks (a new deployment, waited for) and say when warm "
                   "Lambdas see the change.")]
NoWaitOption = Annotated[bool, typer.Option("--no-wait", help="With --roll: do not wait for the ECS deployment.")]


@app.command("sync", epilog=examples(
    "shopbot secrets sync --from .env --dry-run", "shopbot secrets sync --from-env ANTHROPIC_API_KEY --yes --roll",
))
def sync(from_path: FromOption = None, from_env: FromEnvOption = None, prune: PruneOption = False,
         roll: RollOption = False, no_wait: NoWaitOption = False,
         env: EnvOption = None, json_out: JsonOption = False, yes: YesOption = False,
         dry_run: DryRunOption = False) -> None:
    """Write the source into the secret: one PutSecretValue (or CreateSecret), idempotent."""
    settings = secret_settings(env, json_out, yes)
    if no_wait and not roll:
        raise CliError("--no-wait goes with --roll")
    source = load_source(from_path, from_env)
    clients = make_clients(settings)
    result = sync_secret(clients, settings, source, prune=prune, dry_run=dry_run)
    ui = get_ui()
    if result.applied:
        verb = "created" if result.created else "updated"
        ui.success(f"secret {result.secret} {verb}: version {result.version_id} is current")
    elif not result.changed:
        ui.success(f"secret {result.secret} already matches {source.origin} (version {result.version_id})")
    if not roll:
        ui.emit_json(result.as_dict())
        return
    rolled = roll_targets(clients, settings, ui, wait=not no_wait, dry_run=dry_run)
    ui.emit_json({**result.as_dict(), "roll": rolled.as_dict()})
    if rolled.deployment:
        ui.success(f"ECS service {rolled.service}: new deployment {rolled.deployment} "
                   + ("is stable: every task holds the current secret" if rolled.stable else
                      "started (not waited for: `shopbot secrets check` tells when old tasks are gone)"))
    if rolled.lambda_note and not dry_run:
        ui.info(f"Lambda: {rolled.lambda_note}")


@app.command("pull", epilog=examples("shopbot secrets pull --to .env.production --env production"))
def pull(to: Annotated[Path, typer.Option("--to", help="File to write (.env, or .json), mode 0600.")] = Path(".env"),
         force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
         env: EnvOption = None, json_out: JsonOption = False) -> None:
    """Write the secret's current values to a new file only you can read (mode 0600)."""
    settings = secret_settings(env, json_out)
    result = pull_secret(make_clients(settings), settings, to, force=force)
    ui = get_ui()
    ui.emit_json(result.as_dict())
    ui.success(f"wrote {len(result.keys)} keys of {result.secret} (version {result.version_id}) to "
               f"{result.path} (mode 0600)")


@app.command("rollback", epilog=examples("shopbot secrets rollback --dry-run", "shopbot secrets rollback --yes"))
def rollback(env: EnvOption = None, json_out: JsonOption = False, yes: YesOption = False,
             dry_run: DryRunOption = False) -> None:
    """Make the previous version (AWSPREVIOUS) current again, showing the masked diff first."""
    settings = secret_settings(env, json_out, yes)
    result = rollback_secret(make_clients(settings), settings, dry_run=dry_run)
    ui = get_ui()
    ui.emit_json(result.as_dict())
    if result.applied:
        ui.success(f"secret {result.secret}: version {result.to_version} is current again "
                   f"({result.from_version} is now AWSPREVIOUS)")


@app.command("check", epilog=examples("shopbot secrets check --env production"))
def check(env: EnvOption = None, json_out: JsonOption = False) -> None:
    """Check the Lambda and the ECS service read this secret and end up with the same keys."""
    settings = secret_settings(env, json_out)
    report = check_wiring(make_clients(settings), settings)
    ui = get_ui()
    ui.emit_json(report.as_dict())
    if not ui.json_mode:
        ui.info(f"secret {report.secret}: {len(report.secret_keys)} keys")
        ui.info(f"  Lambda gets: {', '.join(report.lambda_keys) or 'none'}")
        ui.info(f"  ECS gets:    {', '.join(report.ecs_keys) or 'none'}")
        for note in report.notes:
            ui.info(f"  [dim]{note}[/]")
        for finding in report.findings:
            ui.info(f"[red]✗[/] [bold]{finding.target}[/]: {finding.problem}")
            ui.info(f"    fix: {finding.fix}")
    if not report.ok:
        raise CliError(f"{len(report.findings)} wiring mismatch(es) between the secret and its targets",
                       ExitStatus.DIFFERENCES)
    ui.success("both targets read the same secret keys")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="secrets")
