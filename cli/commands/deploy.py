"""`shopbot deploy --target lambda|ecs`: a thin Typer command over the two deployers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..aws import AwsClients
from ..deploy.ecs import EcsRequest, run_ecs_deploy
from ..deploy.lambda_ import DEFAULT_PACKAGE, LambdaRequest, load_package, run_lambda_deploy
from ..errors import CliError
from ..options import DryRunOption, EnvOption, JsonOption, YesOption, choices, command_settings, examples
from ..ui import get_ui

TARGETS = ("lambda", "ecs")


def deploy(
    target: Annotated[str, typer.Option("--target", "-t", autocompletion=choices(*TARGETS), help="lambda or ecs.")],
    package: Annotated[
        Path | None, typer.Option("--package", help=f"Lambda zip from `shopbot build` (default {DEFAULT_PACKAGE}).")
    ] = None,
    to_version: Annotated[
        int | None, typer.Option("--to-version", help="Lambda: point the alias at this published version.")
    ] = None,
    weight: Annotated[
        float | None, typer.Option("--weight", help="Lambda: share (0-1) the new or --canary-version gets; "
                                                    "the alias keeps its current version for the rest.")
    ] = None,
    canary_version: Annotated[
        int | None, typer.Option("--canary-version", help="Lambda: weight this existing version (with --weight).")
    ] = None,
    image_tag: Annotated[str | None, typer.Option("--image-tag", help="ECS: new revision with this image tag.")] = None,
    to_revision: Annotated[
        int | None, typer.Option("--to-revision", help="ECS: run this existing task definition revision.")
    ] = None,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="ECS: return once the service is updated.")] = False,
    env: EnvOption = None,
    json_out: JsonOption = False,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Ship a new build to one target, or move it back to an earlier version/revision."""
    settings = command_settings(env, json_out, yes)
    ui = get_ui()
    if target not in TARGETS:
        raise CliError(f"unknown target '{target}': use --target lambda or --target ecs")
    result: dict[str, Any]
    if target == "lambda":
        if image_tag is not None or to_revision is not None:
            raise CliError("--image-tag/--to-revision are for --target ecs")
        moves_alias_only = to_version is not None or canary_version is not None
        if package is not None and moves_alias_only:
            raise CliError("--to-version/--canary-version move the alias only: drop --package (or them)")
        request = LambdaRequest(
            package=None if moves_alias_only else load_package(package or DEFAULT_PACKAGE),
            to_version=to_version, canary_version=canary_version, weight=weight,
        )
        result = run_lambda_deploy(AwsClients(settings), settings, ui, request, dry_run=dry_run)
    else:
        if package is not None or to_version is not None or weight is not None or canary_version is not None:
            raise CliError("--package/--to-version/--weight/--canary-version are for --target lambda")
        ecs_request = EcsRequest(image_tag=image_tag, to_revision=to_revision, wait=not no_wait)
        result = run_ecs_deploy(AwsClients(settings), settings, ui, ecs_request, dry_run=dry_run)
    ui.emit_json(result)


def register(app: typer.Typer) -> None:
    app.command("deploy", epilog=examples(
        "shopbot deploy --target lambda --env production            # the zip `shopbot build` made",
        "shopbot deploy --target lambda --weight 0.1 --yes           # 10% to the new version",
        "shopbot deploy --target ecs --image-tag 3f2a1c --dry-run",
    ))(deploy)
