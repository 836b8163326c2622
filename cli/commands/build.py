"""`shopbot build`: the Lambda zip (`--target lambda`) or the ECS image (`--target ecs`).

Thin: parse and check options, call shopbot_cli.build, show a closing table (or the
manifest with --json).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

import shopbot

from ..errors import CliError, ExitStatus
from ..options import EnvOption, JsonOption, choices, command_settings, examples, hidden_alias
from ..package.archive import MB
from ..package.lambda_package import LambdaBuild, build_lambda_package, verify_lambda_package
from ..package.manifest import Manifest, git_commit, read_manifest, write_json
from ..package.pins import read_pins
from ..package.target import ARCHES, PYTHONS, Target
from ..settings.environments import Settings
from ..ui import UI, get_ui

TARGETS = ("lambda", "ecs")


def register(app: typer.Typer) -> None:
    app.command("build", help="Build the Lambda zip or the ECS image from the pinned requirements.", epilog=examples(
        "shopbot build --verify                       # dist/shopbot-lambda-3.12-x86_64.zip, checked",
        "shopbot build --python 3.13 --arch arm64 --output dist/",
        "shopbot build --target ecs --context-only ctx/",
    ))(build)


def build(
    target: Annotated[str, typer.Option("--target", autocompletion=choices(*TARGETS),
                                        help="lambda (zip) or ecs (image).")] = "lambda",
    python: Annotated[str, typer.Option("--python", autocompletion=choices(*PYTHONS),
                                        help="Lambda Python version: 3.11, 3.12 or 3.13.")] = "3.12",
    arch: Annotated[str, typer.Option("--arch", autocompletion=choices(*ARCHES),
                                      help="Lambda architecture: x86_64 or arm64.")] = "x86_64",
    bundle_sdk: Annotated[bool, typer.Option("--bundle-sdk", help="Ship boto3/botocore too (the runtime has them).")]
    = False,
    verify: Annotated[bool, typer.Option("--verify", help="Run the zip's handler in an isolated interpreter.")]
    = False,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where the zip and manifests go.")] = Path("dist"),
    out: Annotated[Path | None, hidden_alias("--out")] = None,
    push: Annotated[bool, typer.Option("--push", help="ECS: log in to ECR and push the image.")] = False,
    context_only: Annotated[
        Path | None, typer.Option("--context-only", help="ECS: write the docker build context to DIR, no build.")
    ] = None,
    compare: Annotated[bool, typer.Option("--compare", help="Show version differences Lambda zip vs ECS image.")]
    = False,
    requirements: Annotated[
        Path | None, typer.Option("--requirements", help="Pinned set (default requirements/runtime.txt or ecs.txt).")
    ] = None,
    env: EnvOption = None,
    json_out: JsonOption = False,
) -> None:
    settings = command_settings(env, json_out)
    ui = get_ui()
    output = out or output
    if target not in TARGETS:
        raise CliError(f"unknown --target {target!r}: use lambda or ecs")
    lambda_target = Target.parse(python, arch)
    _check_combinations(target, verify, bundle_sdk, push, context_only)
    repo = project_root()
    if compare:
        _compare(repo, lambda_target, output, requirements, ui)
    elif target == "lambda":
        _build_lambda(repo, lambda_target, output, requirements, bundle_sdk, verify, ui)
    else:
        _build_ecs(repo, settings, output, requirements, push, context_only, ui)


def project_root() -> Path:
    """The current directory when it is the project, else the checkout the service was installed from."""
    here = Path.cwd()
    if (here / "shopbot" / "__init__.py").is_file():
        return here
    return Path(shopbot.__file__).resolve().parent.parent


def _check_combinations(target: str, verify: bool, bundle_sdk: bool, push: bool, context_only: Path | None) -> None:
    if target == "ecs" and (verify or bundle_sdk):
        raise CliError("--verify and --bundle-sdk apply to --target lambda only")
    if target == "lambda" and (push or context_only):
        raise CliError("--push and --context-only apply to --target ecs only")
    if push and context_only:
        raise CliError("--push needs a built image: drop --context-only (or push from the machine that builds it)")


def _build_lambda(
    repo: Path, target: Target, output: Path, requirements: Path | None, bundle_sdk: bool, verify: bool, ui: UI
) -> None:
    build = LambdaBuild.for_project(repo, output, target.python, target.arch, bundle_sdk, requirements)
    manifest = build_lambda_package(build, ui)
    result: dict[str, Any] = manifest.to_dict()
    _lambda_table(manifest, build, ui)
    if verify:
        try:
            verification = verify_lambda_package(build, ui)
        except CliError as error:
            result["verify"] = {"passed": False, "status": int(error.status), "reason": str(error)}
            ui.emit_json(result)
            raise
        result["verify"] = verification.to_dict()
        ui.success(
            f"verified under {verification.interpreter}: /health {verification.health_status}, /api/chat "
            f"{verification.chat_status} ({verification.chat_products} products), cold import "
            f"{verification.import_seconds:.2f} s, {len(verification.compiled_at_import)} modules compiled at import, "
            f"runtime SDK imported: {', '.join(verification.sdk_imported) or 'none'}"
        )
    ui.emit_json(result)


def _lambda_table(manifest: Manifest, build: LambdaBuild, ui: UI) -> None:
    archive, code = manifest.archive, manifest.bytecode
    rows = [
        ("zip", str(build.zip_path)),
        ("manifest", str(build.manifest_path)),
        ("target", f"CPython {manifest.python} {manifest.arch} ({manifest.platform})"),
        ("size", f"{archive.size / MB:.1f} MB zipped, {archive.unzipped_size / MB:.1f} MB unzipped, "
                 f"{archive.files} files"),
        ("sha256", archive.sha256),
        ("source_code_hash", archive.sha256_base64),
        ("packages", f"{len(manifest.packages)} shipped; runtime provides "
                     f"{', '.join(manifest.runtime_provided) or 'nothing (bundled)'}"),
        ("bytecode", f"{code.interpreter}, {code.invalidation}, {code.modules} modules" if code.compiled
         else "NONE - no interpreter of the target version (cold starts compile everything)"),
        ("commit", manifest.git_commit),
    ]
    ui.table("shopbot build --target lambda", ["", "value"], rows)


def _build_ecs(
    repo: Path, settings: Settings, output: Path, requirements: Path | None, push: bool,
    context_only: Path | None, ui: UI,
) -> None:
    from ..aws import AwsClients, aws_errors  # boto3: only the ECS push needs it
    from ..package import image

    requirements = requirements or repo / "requirements" / "ecs.txt"
    read_pins(requirements)  # a broken lock fails before anything is written
    commit = git_commit(repo)
    tag = f"shopbot:{commit}"
    if context_only is not None:
        context = image.write_context(repo, context_only)
        ui.success(f"build context written to {context_only} ({len(context)} files): "
                   f"docker build -f {image.DOCKERFILE} -t {tag} {context_only}")
        manifest = image.image_manifest(repo, requirements, commit, context)
    else:
        if push:
            settings.require("ecr_repository")
        image.require_docker()
        with ui.progress(f"docker build {tag}"):
            context = image.build_image(repo, tag)
        manifest = image.image_manifest(repo, requirements, commit, context)
        manifest.built = True
        ui.success(f"built {tag}")
        if push and settings.ecr_repository:
            with aws_errors("pushing the image to ECR"), ui.progress(f"docker push {tag}"):
                manifest.pushed = image.push_image(AwsClients(settings).client("ecr"), tag, settings.ecr_repository)
            ui.success(f"pushed {manifest.pushed}")
    output.mkdir(parents=True, exist_ok=True)
    path = output / "shopbot-ecs.manifest.json"
    write_json(path, manifest.to_dict())
    ui.table("shopbot build --target ecs", ["", "value"], [
        ("image", manifest.image), ("built", "yes" if manifest.built else "no (context only)"),
        ("packages", f"{len(manifest.packages)} from {manifest.requirements}"), ("manifest", str(path)),
    ])
    ui.emit_json(manifest.to_dict())


def _compare(repo: Path, target: Target, output: Path, requirements: Path | None, ui: UI) -> None:
    from ..package import image

    lambda_path = output / f"shopbot-lambda-{target.slug}.manifest.json"
    lambda_manifest = read_manifest(lambda_path)
    image_path = output / "shopbot-ecs.manifest.json"
    if requirements is None and image_path.is_file():
        source, packages = str(image_path), dict(image.read_image_manifest(image_path)["packages"])
    else:
        ecs = requirements or repo / "requirements" / "ecs.txt"
        source, packages = str(ecs), {pin.name: pin.version for pin in read_pins(ecs)}
    differences, notes = image.compare(lambda_manifest, packages)
    ui.emit_json({
        "lambda_manifest": str(lambda_path), "image_set": source, "notes": notes,
        "differences": [{"name": d.name, "lambda": d.lambda_version, "image": d.image_version} for d in differences],
    })
    for note in notes:
        ui.info(note)
    if differences:
        ui.table(f"{lambda_path} vs {source}", ["package", "lambda", "image"],
                 [(d.name, d.lambda_version or "-", d.image_version or "-") for d in differences])
        raise CliError(f"{len(differences)} version differences between the Lambda zip and the ECS image: "
                       "rebuild both from the same lock", ExitStatus.DIFFERENCES)
    ui.success(f"no version differences: {len(lambda_manifest.packages)} packages match {source}")
