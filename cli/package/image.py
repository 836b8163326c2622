"""The ECS image: its exact build context, `docker build`/`push`, and its dependency set.

The context holds only what the Dockerfile copies (Dockerfile, requirements, the service,
the gunicorn settings), so `--context-only DIR` gives another machine exactly what this
one would have built. The image installs requirements/ecs.txt (= the runtime set +
gunicorn), which `compare` checks against the Lambda manifest.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CliError
from .manifest import Manifest, write_json
from .pins import SDK_PACKAGES, read_pins
from .resolve import file_sha256

DOCKERFILE = "deploy/ecs/Dockerfile"
CONTEXT_FILES = ("deploy/ecs/Dockerfile", "deploy/ecs/gunicorn.conf.py", "requirements/runtime.txt",
                 "requirements/ecs.txt")
SERVICE_DIR = "shopbot"
IMAGE_ONLY = frozenset({"gunicorn", "packaging"})  # the WSGI server (and its one dependency): ECS-only
MARKER = ".shopbot-context.json"


@dataclass
class ImageManifest:
    target: str
    git_commit: str
    image: str
    requirements: str
    requirements_sha256: str
    packages: dict[str, str]                  # the image's dependency set: name -> version
    context: dict[str, str]                   # path -> sha256 of every file in the build context
    built: bool = False
    pushed: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def image_manifest(repo: Path, requirements: Path, commit: str, context: dict[str, str]) -> ImageManifest:
    pins = read_pins(requirements)
    return ImageManifest(
        target="ecs", git_commit=commit, image=f"shopbot:{commit}",
        requirements=requirements.relative_to(repo).as_posix() if requirements.is_relative_to(repo)
        else requirements.name,
        requirements_sha256=file_sha256(requirements),
        packages={pin.name: pin.version for pin in pins},
        context=context,
    )


def write_context(repo: Path, dest: Path) -> dict[str, str]:
    """Copy the exact build context to `dest` (new, empty, or an earlier context); path -> sha256."""
    if dest.exists() and any(dest.iterdir()) and not (dest / MARKER).is_file():
        raise CliError(f"{dest} is not empty and holds no earlier build context: choose a new or empty directory")
    missing = [name for name in (*CONTEXT_FILES, f"{SERVICE_DIR}/__init__.py") if not (repo / name).is_file()]
    if missing:
        raise CliError(f"build context incomplete: {', '.join(missing)} missing under {repo}")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in CONTEXT_FILES:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(repo / name, dest / name)
    shutil.copytree(repo / SERVICE_DIR, dest / SERVICE_DIR,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"))
    digests = {path.relative_to(dest).as_posix(): file_sha256(path)
               for path in sorted(dest.rglob("*")) if path.is_file()}
    write_json(dest / MARKER, {"files": digests})
    return digests


def require_docker() -> None:
    """A clear error when no Docker engine answers (the client alone is not enough)."""
    if shutil.which("docker") is None:
        raise CliError("no `docker` command: install Docker, or use --context-only DIR and build elsewhere")
    result = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                            timeout=30, check=False)
    if result.returncode != 0:
        detail = next((line.strip() for line in result.stderr.splitlines() if line.strip()), "no answer")
        raise CliError(
            f"no Docker engine answers ({detail[:160]}): start Docker, or use --context-only DIR "
            "to write the build context for a machine that has one"
        )


def build_image(repo: Path, tag: str) -> dict[str, str]:
    """`docker build` from a freshly written context (never the whole work tree)."""
    with tempfile.TemporaryDirectory(prefix="shopbot-image-") as scratch:
        context = write_context(repo, Path(scratch, "context"))
        _docker(["build", "-f", DOCKERFILE, "-t", tag, str(Path(scratch, "context"))], "building the image")
    return context


def push_image(ecr: Any, tag: str, repository: str) -> str:
    """Log in to ECR with a boto3 token, tag and push; returns the pushed URI."""
    token = ecr.get_authorization_token()["authorizationData"][0]
    user, password = base64.b64decode(token["authorizationToken"]).decode().split(":", 1)
    registry = token["proxyEndpoint"].removeprefix("https://")
    _docker(["login", "--username", user, "--password-stdin", registry], "logging in to ECR", stdin=password)
    uri = f"{registry}/{repository}:{tag.split(':', 1)[1]}"
    _docker(["tag", tag, uri], "tagging the image")
    _docker(["push", uri], "pushing the image")
    return uri


def _docker(args: list[str], doing: str, stdin: str | None = None) -> None:
    result = subprocess.run(["docker", *args], input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        raise CliError(f"{doing} failed: {lines[-1] if lines else 'docker exited ' + str(result.returncode)}")


@dataclass(frozen=True)
class Difference:
    name: str
    lambda_version: str | None
    image_version: str | None


def compare(lambda_manifest: Manifest, image_packages: dict[str, str]) -> tuple[list[Difference], list[str]]:
    """Version differences between what the Lambda zip carries and what the image installs.

    ECS-only packages (gunicorn) are not differences; neither is the SDK the Lambda runtime
    provides, as long as the pins agree. Returns (differences, notes).
    """
    shipped = lambda_manifest.versions
    pinned = {**shipped, **lambda_manifest.runtime_provided}
    differences = []
    for name in sorted(set(pinned) | set(image_packages)):
        ours, theirs = pinned.get(name), image_packages.get(name)
        if ours == theirs or (ours is None and name in IMAGE_ONLY):
            continue
        differences.append(Difference(name, ours, theirs))
    notes = [f"{name}: ECS-only ({image_packages[name]})" for name in sorted(IMAGE_ONLY & set(image_packages))]
    provided = sorted(set(lambda_manifest.runtime_provided) & SDK_PACKAGES)
    if provided:
        notes.append(f"provided by the Lambda runtime (not in the zip): {', '.join(provided)}")
    return differences, notes


def read_image_manifest(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))
