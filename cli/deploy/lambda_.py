"""`shopbot deploy --target lambda`: ship a built zip and move the `live` alias.

Plan first (read-only `GetFunction`/`GetAlias`), then: upload (through S3 above the 50 MB
direct-upload limit), `UpdateFunctionCode`, check the `CodeSha256` Lambda computed against
the package manifest (a mismatch stops before anything is published), wait for the update,
`PublishVersion`, move the alias (optionally keeping a weighted second version for a
Lambda-side canary), record it in the ledger. `--to-version N` only moves the alias.

Programmatic use (the demo): `load_package(path)`, then
`run_lambda_deploy(clients, settings, ui, LambdaRequest(package=...), dry_run=False)`
with `ui.assume_yes = True`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.exceptions

from ..aws import AwsClients, aws_errors, error_code
from ..cutover.ledger import Ledger
from ..errors import CliError, ConfigError, ExitStatus
from ..plan import Plan, execute
from ..settings.environments import Settings
from ..ui import UI
from . import provisioned

DEFAULT_PACKAGE = Path("dist/shopbot-lambda-3.12-x86_64.zip")
# Lambda refuses a ZipFile request body above 50 MB; bigger packages go through S3.
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024
POLL_SECONDS = 1.0
NEW_VERSION = "the new version"              # how a plan names the version PublishVersion will create


# --- the package -------------------------------------------------------------------------


@dataclass(frozen=True)
class Package:
    """A built zip whose bytes match its manifest; `sha256` is base64, as Lambda reports it."""

    path: Path
    manifest_path: Path
    sha256: str
    size: int
    python: str | None = None                  # "3.12", from the manifest
    arch: str | None = None                    # "x86_64" or "arm64"

    @property
    def megabytes(self) -> float:
        return self.size / (1024 * 1024)


def manifest_path_for(zip_path: Path) -> Path:
    """`x.zip` -> `x.manifest.json` (or `x.zip.manifest.json`, whichever exists)."""
    beside = zip_path.with_suffix(".manifest.json")
    appended = zip_path.with_name(zip_path.name + ".manifest.json")
    return appended if appended.is_file() and not beside.is_file() else beside


def load_package(zip_path: Path) -> Package:
    """Read the zip and its manifest; refuse when they disagree."""
    if not zip_path.is_file():
        raise CliError(f"package {zip_path} not found: run `shopbot build` first, or pass --package PATH")
    manifest_path = manifest_path_for(zip_path)
    if not manifest_path.is_file():
        raise CliError(
            f"no manifest {manifest_path} next to the package: rebuild it with `shopbot build`"
        )
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as error:
        raise CliError(
            f"manifest {manifest_path} is not readable JSON ({error}): rebuild with `shopbot build`"
        ) from error
    expected = manifest_sha256(manifest, manifest_path)
    data = zip_path.read_bytes()
    actual = base64.b64encode(hashlib.sha256(data).digest()).decode()
    if actual != expected:
        raise CliError(
            f"package {zip_path} does not match its manifest (sha256 {actual} on disk, {expected} in "
            f"{manifest_path.name}): rebuild with `shopbot build` instead of deploying a changed zip"
        )
    python, arch = manifest.get("python"), manifest.get("arch")
    return Package(zip_path, manifest_path, actual, len(data),
                   python if isinstance(python, str) else None, arch if isinstance(arch, str) else None)


def manifest_sha256(manifest: Any, where: Path) -> str:
    """The zip's sha256 from a build manifest (`archive.sha256_base64`, or hex `archive.sha256`), as base64."""
    archive = manifest.get("archive") if isinstance(manifest, dict) else None
    if isinstance(archive, dict):
        for value in (archive.get("sha256_base64"), archive.get("sha256")):
            if isinstance(value, str) and value:
                return _as_base64_digest(value, where)
    raise CliError(f"manifest {where} has no archive.sha256: rebuild with `shopbot build`")


def _as_base64_digest(value: str, where: Path) -> str:
    if re.fullmatch(r"[0-9a-fA-F]{64}", value):
        return base64.b64encode(bytes.fromhex(value)).decode()
    try:
        if len(base64.b64decode(value, validate=True)) == 32:
            return value
    except (binascii.Error, ValueError):
        pass
    raise CliError(f"manifest {where}: '{value}' is not a sha256 digest: rebuild with `shopbot build`")


# --- what is there now ----------------------------------------------------------------


@dataclass(frozen=True)
class LambdaState:
    function: str
    arn: str
    code_sha256: str
    alias: str
    alias_version: str | None                    # None: the alias does not exist yet
    alias_weights: dict[str, float] = field(default_factory=dict)
    runtime: str | None = None                   # "python3.12"
    arch: str | None = None                      # "x86_64"


def read_state(lam: Any, function: str, alias: str) -> LambdaState:
    """Read-only: the function and where its alias points."""
    try:
        with aws_errors(f"reading Lambda function '{function}'"):
            config = lam.get_function(FunctionName=function)["Configuration"]
    except CliError as error:
        if _code(error) == "ResourceNotFoundException":
            raise ConfigError(
                f"Lambda function '{function}' does not exist in this account/region: "
                "check `lambda_function` and `region` in shopbot.toml"
            ) from error
        raise
    runtime, arch = config.get("Runtime"), (config.get("Architectures") or [None])[0]
    try:
        with aws_errors(f"reading alias '{alias}' of '{function}'"):
            found = lam.get_alias(FunctionName=function, Name=alias)
    except CliError as error:
        if _code(error) != "ResourceNotFoundException":
            raise
        return LambdaState(function, config["FunctionArn"], config["CodeSha256"], alias, None, {}, runtime, arch)
    weights = found.get("RoutingConfig", {}).get("AdditionalVersionWeights", {}) or {}
    return LambdaState(
        function, config["FunctionArn"], config["CodeSha256"], alias, str(found["FunctionVersion"]),
        {str(k): float(v) for k, v in weights.items()}, runtime, arch,
    )


def version_exists(lam: Any, function: str, version: str) -> bool:
    try:
        with aws_errors(f"reading version {version} of '{function}'"):
            lam.get_function_configuration(FunctionName=function, Qualifier=version)
    except CliError as error:
        if _code(error) == "ResourceNotFoundException":
            return False
        raise
    return True


def _code(error: Exception) -> str | None:
    cause = error.__cause__
    return error_code(cause) if isinstance(cause, botocore.exceptions.ClientError) else None


# --- the request and the plan -----------------------------------------------------------


@dataclass(frozen=True)
class LambdaRequest:
    """What to do: ship `package`, or point the alias at `to_version`, or weight `canary_version`."""

    package: Package | None = None
    to_version: int | None = None
    canary_version: int | None = None
    weight: float | None = None


@dataclass
class LambdaDeploy:
    """The executor's shared state: each plan step is one of these methods."""

    lam: Any
    s3: Any
    settings: Settings
    state: LambdaState
    request: LambdaRequest
    ui: UI
    ledger: Ledger | None = None
    s3_key: str | None = None
    published: str | None = None
    result: dict[str, Any] = field(default_factory=dict)

    def upload(self) -> None:
        package = self._package()
        bucket = str(self.settings.artifact_bucket)
        with aws_errors(f"uploading {package.path.name} to s3://{bucket}/{self.s3_key}"):
            self.s3.upload_file(str(package.path), bucket, self.s3_key)

    def update_code(self) -> None:
        package = self._package()
        code: dict[str, Any]
        if self.s3_key:
            code = {"S3Bucket": self.settings.artifact_bucket, "S3Key": self.s3_key}
        else:
            code = {"ZipFile": package.path.read_bytes()}
        with aws_errors(f"updating the code of '{self.state.function}'"):
            answer = self.lam.update_function_code(FunctionName=self.state.function, Publish=False, **code)
        if answer["CodeSha256"] != package.sha256:
            raise CliError(
                f"Lambda computed CodeSha256 {answer['CodeSha256']} but the manifest says {package.sha256}: "
                f"the upload was altered; nothing was published and alias '{self.state.alias}' was not moved "
                "(deploy again)",
                ExitStatus.DIFFERENCES,
            )

    def wait_updated(self) -> None:
        wait_for_update(self.lam, self.state.function, self.settings.deploy_timeout_seconds, self.ui)

    def publish(self) -> None:
        package = self._package()
        with aws_errors(f"publishing a version of '{self.state.function}'"):
            answer = self.lam.publish_version(
                FunctionName=self.state.function, CodeSha256=package.sha256,
                Description=f"shopbot deploy {package.path.name}",
            )
        self.published = str(answer["Version"])

    def move_alias(self) -> None:
        primary, weights = self.target()
        routing = {"AdditionalVersionWeights": weights}
        with aws_errors(f"moving alias '{self.state.alias}' of '{self.state.function}'"):
            if self.state.alias_version is None:
                self.lam.create_alias(
                    FunctionName=self.state.function, Name=self.state.alias, FunctionVersion=primary,
                    RoutingConfig=routing,
                )
            else:
                self.lam.update_alias(
                    FunctionName=self.state.function, Name=self.state.alias, FunctionVersion=primary,
                    RoutingConfig=routing,
                )
        self.result.update(to_version=primary, weights=weights)

    def wait_provisioned(self) -> None:
        self.result["provisioned_concurrency"] = provisioned.wait_ready(
            self.lam, self.state.function, self.state.alias, self.settings.deploy_timeout_seconds, self.ui)

    def record(self) -> None:
        assert self.ledger is not None
        primary, weights = self.target()
        self.ledger.append(
            "deploy", target="lambda", env=self.settings.name, function=self.state.function,
            alias=self.state.alias, from_version=self.state.alias_version, to_version=primary,
            weights=weights, code_sha256=self.request.package.sha256 if self.request.package else None,
            package=self.request.package.path.name if self.request.package else None,
        )

    def target(self) -> tuple[str, dict[str, float]]:
        """(primary version, extra weights) the alias should end at."""
        request = self.request
        if request.to_version is not None:
            return str(request.to_version), {}
        new = self.published or NEW_VERSION
        if request.canary_version is not None:
            new = str(request.canary_version)
        if request.weight is None:
            return new, {}
        primary = self.state.alias_version
        if primary is None or primary == new:
            raise CliError(
                f"a weighted canary needs alias '{self.state.alias}' on another version first "
                f"(it points at {primary or 'nothing'}): deploy without --weight first"
            )
        return primary, {new: request.weight}

    def _package(self) -> Package:
        if self.request.package is None:
            raise AssertionError("a code step without a package")
        return self.request.package


def wait_for_update(
    lam: Any, function: str, timeout: float, ui: UI, *, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Poll until `LastUpdateStatus` is Successful; Failed or timeout stops the deploy."""
    deadline = time.monotonic() + timeout
    with ui.progress(f"waiting for '{function}' to finish updating"):
        while True:
            with aws_errors(f"reading the update status of '{function}'"):
                config = lam.get_function_configuration(FunctionName=function)
            status = config.get("LastUpdateStatus", "Successful")
            if status == "Successful":
                return
            if status == "Failed":
                reason = config.get("LastUpdateStatusReason", "no reason given")
                raise CliError(
                    f"Lambda rejected the new code of '{function}': {reason}; nothing was published",
                    ExitStatus.DIFFERENCES,
                )
            if time.monotonic() >= deadline:
                raise CliError(
                    f"'{function}' still {status} after {timeout:.0f}s: nothing was published "
                    "(check the function in the console, or raise deploy_timeout_seconds)",
                    ExitStatus.DIFFERENCES,
                )
            sleep(POLL_SECONDS)


def plan_lambda_deploy(clients: AwsClients, settings: Settings, ui: UI, request: LambdaRequest) -> LambdaDeploy:
    """Read what is there and build the steps (nothing is changed here)."""
    settings.require("lambda_function")
    _check_request(request)
    lam = clients.client("lambda")
    state = read_state(lam, str(settings.lambda_function), settings.lambda_alias)
    deploy = LambdaDeploy(lam, None, settings, state, request, ui)
    for version in (request.to_version, request.canary_version):
        if version is not None and not version_exists(lam, state.function, str(version)):
            raise ConfigError(
                f"version {version} of '{state.function}' does not exist: "
                "pick one from `aws lambda list-versions-by-function`"
            )
    if request.package is not None:
        check_fits(request.package, state)
    if settings.lambda_provisioned_concurrency > 0 and state.alias_version is not None:
        provisioned.read_config(lam, state.function, state.alias)  # none configured: stop before any change
    if request.package is not None and request.package.size > DIRECT_UPLOAD_LIMIT:
        if not settings.artifact_bucket:
            raise ConfigError(
                f"package is {request.package.megabytes:.1f} MB, over Lambda's 50 MB direct upload: "
                f"set `artifact_bucket` in table environments.{settings.name} of {settings.source}"
            )
        deploy.s3 = clients.client("s3")
        deploy.s3_key = f"shopbot/{state.function}/{request.package.sha256.replace('/', '_')}.zip"
    if settings.ledger:
        deploy.ledger = Ledger.open(clients, settings.ledger)
    deploy.result = {
        "target": "lambda", "function": state.function, "alias": state.alias,
        "from_version": state.alias_version, "from_weights": state.alias_weights,
    }
    return deploy


def check_fits(package: Package, state: LambdaState) -> None:
    """A zip built for another Python or CPU fails at import on every request: refuse it here."""
    if package.python and state.runtime and state.runtime != f"python{package.python}":
        raise CliError(
            f"package {package.path.name} is built for Python {package.python} but '{state.function}' runs "
            f"{state.runtime}: rebuild with `shopbot build --python {state.runtime.removeprefix('python')}`"
        )
    if package.arch and state.arch and package.arch != state.arch:
        raise CliError(
            f"package {package.path.name} is built for {package.arch} but '{state.function}' runs on "
            f"{state.arch}: rebuild with `shopbot build --arch {state.arch}`"
        )


def build_plan(deploy: LambdaDeploy) -> Plan:
    state, request = deploy.state, deploy.request
    plan = Plan(f"Deploy to Lambda function {state.function} (alias {state.alias})")
    current = state.alias_version or "nothing (it will be created)"
    plan.notes.append(f"alias {state.alias} now points at {current}"
                      + (f" with weights {state.alias_weights}" if state.alias_weights else ""))
    package = request.package
    if package is not None:
        plan.notes.append(f"package {package.path} ({package.megabytes:.1f} MB, sha256 {package.sha256})")
        if package.sha256 == state.code_sha256:
            plan.notes.append("$LATEST already runs this code: the published version may be an existing one")
        if deploy.s3_key:
            plan.add(f"Upload the package to s3://{deploy.settings.artifact_bucket}/{deploy.s3_key}",
                     deploy.upload)
        plan.add(f"Update the code of {state.function} and check CodeSha256 = {package.sha256}",
                 deploy.update_code)
        plan.add("Wait until the update is Successful", deploy.wait_updated)
        plan.add("Publish a new version", deploy.publish)
    primary, weights = deploy.target()
    if weights:
        (second, weight), = weights.items()
        summary = f"Point alias {state.alias} at {_label(primary)} and send {weight:.0%} to {_label(second)}"
    else:
        summary = f"Point alias {state.alias} at {_label(primary)}"
    if package is None and state.alias_version == primary and state.alias_weights == weights:
        return plan  # already there: an empty plan says "Nothing to change"
    plan.add(summary, deploy.move_alias)
    if deploy.settings.lambda_provisioned_concurrency > 0:  # issue 17: wait for the alias' warm environments
        plan.add(f"Wait until the alias' {deploy.settings.lambda_provisioned_concurrency} provisioned environments "
                 "are READY on the new version", deploy.wait_provisioned)
    if deploy.ledger is not None:
        plan.add(f"Record the deploy in the ledger {deploy.settings.ledger}", deploy.record)
    else:
        plan.notes.append("no `ledger` setting: this deploy will not be recorded")
    return plan


def _label(version: str) -> str:
    return version if version == NEW_VERSION else f"version {version}"


def run_lambda_deploy(
    clients: AwsClients, settings: Settings, ui: UI, request: LambdaRequest, *, dry_run: bool = False
) -> dict[str, Any]:
    """Plan -> show -> confirm -> execute; returns what `--json` prints."""
    deploy = plan_lambda_deploy(clients, settings, ui, request)
    plan = build_plan(deploy)
    execute(plan, ui, dry_run=dry_run)
    changed = bool(plan.steps) and not dry_run
    result = {**deploy.result, "dry_run": dry_run, "changed": changed, "plan": plan.as_dict()}
    if changed:
        result["published_version"] = deploy.published
        ui.success(f"alias {deploy.state.alias} of {deploy.state.function} -> version {result['to_version']}"
                   + (f" (+ {result['weights']})" if result.get("weights") else ""))
    return result


def _check_request(request: LambdaRequest) -> None:
    if request.package is not None and (request.to_version is not None or request.canary_version is not None):
        raise CliError("--to-version/--canary-version move the alias only: drop --package (or them)")
    if request.to_version is not None and (request.weight is not None or request.canary_version is not None):
        raise CliError("--to-version points the whole alias at one version: drop --weight/--canary-version")
    if request.canary_version is not None and request.weight is None:
        raise CliError("--canary-version needs --weight (the share of traffic it gets, e.g. 0.1)")
    if request.weight is not None and not 0.0 < request.weight < 1.0:
        raise CliError(f"--weight {request.weight} must be between 0 and 1 (e.g. 0.1 sends 10%)")
    for version in (request.to_version, request.canary_version):
        if version is not None and version < 1:
            raise CliError(f"version {version} is not a published version number (1, 2, ...)")
