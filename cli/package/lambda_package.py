"""`build_lambda_package`: pinned requirements + the service -> a verified-shape Lambda zip + manifest.

Two caches keep a rebuild fast: the wheels (`<cache>/wheels/<key>`, keyed by the pins and
the target) and the trimmed, compiled dependency layer (`<cache>/layers/<key>`, keyed by
the wheels' hashes, the target and the compiling interpreter). A layer is the shipped
dependencies already compressed (`deps.zip`: the wheels' own compressed members copied as
they are, plus the bytecode deflated once; nothing is unpacked to disk), so a build only
compresses the service and copies the rest. The service is staged and compiled on every build; when
the inputs of the zip are unchanged the existing zip is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import CliError
from ..ui import UI, get_ui
from . import archive as package
from . import bytecode
from .manifest import Archive, Bytecode, Manifest, PackageEntry, git_commit, read_manifest, write_manifest, zip_digests
from .members import DEFLATED, Member, deflate, deflate_files, load_index, save_index
from .pins import SDK_PACKAGES, Pin, canonical, check_runtime_set, left_to_runtime, read_pins
from .resolve import (
    Unpacked,
    Wheel,
    check_unchanged,
    fetch_wheels,
    file_sha256,
    installed_members,
    publish,
    requirements_of,
    unpack_wheel,
)
from .target import Interpreter, Target, cache_root, find_interpreter
from .verify import Verification, require_interpreter, require_native_arch, verify_package
from .wheel_compile import WheelCompiler

# Bump when trimming, compiling or layout rules change: it invalidates cached layers.
BUILDER_VERSION = "5"
SERVICE_PACKAGE = "shopbot"


@dataclass(frozen=True)
class LambdaBuild:
    """Everything one build needs; paths are absolute or relative to the current directory."""

    target: Target
    requirements: Path
    output: Path
    service: Path                 # the `shopbot/` package directory
    repo: Path                    # for the git commit
    bundle_sdk: bool = False
    cache: Path | None = None     # default: SHOPBOT_CACHE_DIR or ~/.cache/shopbot

    @classmethod
    def for_project(cls, repo: Path, output: Path | None = None, python: str = "3.12", arch: str = "x86_64",
                    bundle_sdk: bool = False, requirements: Path | None = None) -> LambdaBuild:
        """The usual build of a checkout: requirements/runtime.txt + shopbot/ -> <repo>/dist."""
        return cls(
            target=Target.parse(python, arch),
            requirements=requirements or repo / "requirements" / "runtime.txt",
            output=output or repo / "dist",
            service=repo / SERVICE_PACKAGE,
            repo=repo,
            bundle_sdk=bundle_sdk,
        )

    @property
    def zip_path(self) -> Path:
        return self.output / f"shopbot-lambda-{self.target.slug}.zip"

    @property
    def manifest_path(self) -> Path:
        return self.output / f"shopbot-lambda-{self.target.slug}.manifest.json"


@dataclass(frozen=True)
class Layer:
    """The cached, trimmed and compiled dependency tree for one pinned set and target."""

    key: str
    directory: Path     # deps.zip + deps.json + layer.json
    runtime: Path       # what the Lambda runtime provides (see `ensure_runtime`): for --verify
    info: dict[str, Any]

    @property
    def deps_zip(self) -> Path:
        """The shipped dependencies, compressed: the members every build copies without recompressing."""
        return self.directory / "deps.zip"

    @property
    def deps_index(self) -> Path:
        """Where each member sits in deps.zip (members.save_index)."""
        return self.directory / "deps.json"


@dataclass(frozen=True)
class Prepared:
    """Pins split into shipped/provided, the wheels, the interpreter and the cached layer."""

    shipped: list[Pin]
    provided: list[Pin]
    wheels: dict[str, Wheel]
    hashes: dict[str, str]
    interpreter: Interpreter | None
    layer: Layer


def prepare(build: LambdaBuild, ui: UI, announce: bool = True) -> Prepared:
    """Validate the pins, fetch the wheels and make sure the dependency layer is built (cached)."""
    pins = read_pins(build.requirements)
    check_runtime_set(pins, build.requirements)
    interpreter = find_interpreter(build.target.python)
    if interpreter is None and announce:
        ui.warn(
            f"no CPython {build.target.python} found on PATH or under pyenv: building WITHOUT bytecode, so every "
            f"cold start compiles every module (install python{build.target.python} and rebuild)"
        )
    cache = build.cache or cache_root()
    early = _EarlyCompile(interpreter, build.bundle_sdk)
    try:
        with phase(ui, f"resolving {len(pins)} wheels for CPython {build.target.python} {build.target.platform}"):
            wheels, source = fetch_wheels(pins, build.target, cache, early.wheel_arrived)
        ui.info(f"wheels: {len(wheels)} for {build.target.platform} ({'cache' if source == 'cache' else source})")
        hashes = {name: wheel.sha256 for name, wheel in wheels.items()}
        check_unchanged(wheels, hashes)
        with damaged_cache(cache):
            requires = requirements_of(wheels, build.target)
            left = left_to_runtime(pins, requires, build.bundle_sdk)
            shipped = [pin for pin in pins if pin.name not in left]
            provided = [pin for pin in pins if pin.name in left]
            layer = ensure_layer(build, shipped, provided, wheels, hashes, interpreter, cache, ui, early.compiler)
    finally:
        early.close()
    return Prepared(shipped, provided, wheels, hashes, interpreter, layer)


@contextmanager
def damaged_cache(cache: Path) -> Iterator[None]:
    """A truncated wheel or a broken cached layer is one line that says how to recover."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, json.JSONDecodeError) as error:
        raise CliError(f"damaged build cache ({type(error).__name__}: {error}): delete {cache} "
                       "(or set SHOPBOT_CACHE_DIR elsewhere) and rebuild") from None


class _EarlyCompile:
    """Starts the compile workers when the first wheel is downloaded (never when the wheels are cached)."""

    def __init__(self, interpreter: Interpreter | None, bundle_sdk: bool) -> None:
        self.interpreter, self.bundle_sdk = interpreter, bundle_sdk
        self.compiler: WheelCompiler | None = None
        self.lock = threading.Lock()

    def wheel_arrived(self, path: Path) -> None:
        if self.interpreter is None:
            return
        if not self.bundle_sdk and canonical(path.name.split("-")[0]) in SDK_PACKAGES:
            return  # the runtime provides them
        with self.lock:
            if self.compiler is None:
                self.compiler = WheelCompiler(self.interpreter)
        try:
            self.compiler.wheel_arrived(path)
        except Exception:  # not a download failure: the layer queues this wheel again and reports it
            return

    def close(self) -> None:
        if self.compiler is not None:
            self.compiler.close()


def build_lambda_package(build: LambdaBuild, ui: UI | None = None) -> Manifest:
    """Build (or confirm up to date) the zip and manifest of `build`; returns the manifest."""
    ui = ui or get_ui()
    prepared = prepare(build, ui)
    shipped, provided, wheels, hashes = prepared.shipped, prepared.provided, prepared.wheels, prepared.hashes
    interpreter, layer = prepared.interpreter, prepared.layer

    with damaged_cache(build.cache or cache_root()):
        dependencies = load_index(layer.deps_zip, layer.deps_index)
    unzipped = sum(member.size for member in dependencies.values())
    package.check_unzipped(unzipped)  # before anything is written
    build.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".stage-", dir=build.output) as scratch:
        service_root = Path(scratch, "service")
        package.copy_service(build.service, service_root)
        service_compiled = 0
        if interpreter:
            with phase(ui, f"compiling {SERVICE_PACKAGE}/ with {interpreter.label}"):
                service_compiled = bytecode.compile_cached(
                    interpreter, service_root, bytecode.service_modules(service_root, SERVICE_PACKAGE),
                    (build.cache or cache_root()) / "pyc",
                )
        service_files = package.entries(service_root)
        for name, path in service_files:
            if name in dependencies:
                raise CliError(f"{name} comes from two places (a dependency and {path}); rename one")
        unzipped += package.unzipped_size(service_files)
        package.check_unzipped(unzipped)
        files = len(dependencies) + len(service_files)
        inputs = _inputs_digest(layer.key, service_root)
        commit = git_commit(build.repo)
        if _up_to_date(build, inputs) is None:
            staged_zip = Path(scratch, "package.zip")
            with phase(ui, f"zipping {files} files ({len(service_files)} compressed, the rest copied)"):
                service = deflate_files(service_files, package.COMPRESS_LEVEL)
                package.write_package([*dependencies.values(), *service], staged_zip)
            os.replace(staged_zip, build.zip_path)
        else:
            ui.info(f"up to date: {build.zip_path} (inputs unchanged)")
    hex_digest, b64_digest = zip_digests(build.zip_path)
    size = build.zip_path.stat().st_size
    warnings = []
    if size > package.DIRECT_UPLOAD_LIMIT:
        warnings.append(
            f"zip is {size / package.MB:.1f} MB, over the {package.DIRECT_UPLOAD_LIMIT // package.MB} MB direct "
            "upload limit: deploy must upload it through S3 (artifact_bucket)"
        )
    manifest = Manifest(
        target="lambda",
        python=build.target.python,
        arch=build.target.arch,
        platform=build.target.platform,
        git_commit=commit,
        requirements=_display(build.requirements, build.repo),
        requirements_sha256=file_sha256(build.requirements),
        bundle_sdk=build.bundle_sdk,
        packages=[PackageEntry(pin.name, pin.version, wheels[pin.name].path.name, hashes[pin.name]) for pin in shipped],
        runtime_provided={pin.name: pin.version for pin in provided},
        bytecode=_bytecode_record(interpreter, layer, service_compiled),
        archive=Archive(_display(build.zip_path, build.repo), hex_digest, b64_digest, size, unzipped, files),
        inputs_sha256=inputs,
        warnings=warnings,
    )
    write_manifest(manifest, build.manifest_path)
    for warning in warnings:
        ui.warn(warning)
    return manifest


def verify_lambda_package(build: LambdaBuild, ui: UI | None = None) -> Verification:
    """Run the built zip's handler in isolation (see verify.py); UNVERIFIED when it cannot run here."""
    ui = ui or get_ui()
    if not build.zip_path.is_file():
        raise CliError(f"no package at {build.zip_path}: run `shopbot build --target lambda` first")
    prepared = prepare(build, ui, announce=False)
    interpreter = require_interpreter(prepared.interpreter, build.target.python)
    require_native_arch(build.target)
    runtime = ensure_runtime(prepared.layer, prepared.provided, prepared.wheels)
    with phase(ui, f"verifying the handler under {interpreter.label}"):
        return verify_package(build.zip_path, interpreter, [runtime])


def ensure_layer(
    build: LambdaBuild,
    shipped: list[Pin],
    provided: list[Pin],
    wheels: dict[str, Wheel],
    hashes: dict[str, str],
    interpreter: Interpreter | None,
    cache: Path,
    ui: UI,
    compiler: WheelCompiler | None = None,
) -> Layer:
    """The cached dependency tree, built atomically on a miss."""
    key_source = {
        "builder": BUILDER_VERSION,
        "target": [build.target.python, build.target.platform],
        "interpreter": interpreter.label if interpreter else None,
        "shipped": sorted(hashes[pin.name] for pin in shipped),
        "provided": sorted(hashes[pin.name] for pin in provided),
    }
    key = hashlib.sha256(json.dumps(key_source, sort_keys=True).encode()).hexdigest()[:24]
    directory = cache / "layers" / key
    if not directory.is_dir():
        directory.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".layer-", dir=directory.parent))
        try:
            owned = WheelCompiler(interpreter) if interpreter and compiler is None else None  # else the caller's
            try:
                info = _build_layer(scratch, shipped, wheels, compiler or owned, ui)
            finally:
                if owned is not None:
                    owned.close()
            (scratch / "layer.json").write_text(json.dumps(info, indent=2, sort_keys=True))
            publish(scratch, directory)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
    else:
        ui.info(f"dependencies: cached layer {key}")
    info = json.loads((directory / "layer.json").read_text())
    return Layer(key, directory, directory / "runtime", info)


def ensure_runtime(layer: Layer, provided: list[Pin], wheels: dict[str, Wheel]) -> Path:
    """What the Lambda runtime provides (the pinned SDK and its own dependencies), unpacked once per layer.

    Only --verify needs it (and it is 80 MB of botocore), so a plain build never unpacks it.
    """
    if not layer.runtime.is_dir():
        scratch = Path(tempfile.mkdtemp(prefix=".runtime-", dir=layer.runtime.parent))
        try:
            for pin in provided:
                unpack_wheel(wheels[pin.name].path, scratch)
            publish(scratch, layer.runtime)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
    return layer.runtime


def _build_layer(
    root: Path, shipped: list[Pin], wheels: dict[str, Wheel], compiler: WheelCompiler | None, ui: UI,
) -> dict[str, Any]:
    """deps.zip straight from the wheels: their compressed members copied as they are, the bytecode
    compiled by target-Python workers from the sources read in memory (most of it while the wheels
    downloaded, see wheel_compile.py) and deflated as it comes back.

    Nothing is unpacked to disk: writing the ~8,600 files and ~4,300 pycs first was several seconds
    of system time on a cold build, and every byte of the zip is the same (the files a wheel
    installs, each path from the last wheel that has it, sorted in the zip).
    """
    chosen: dict[str, tuple[Path, zipfile.ZipInfo, Member]] = {}
    trimmed = Unpacked({})
    for pin in shipped:
        path = wheels[pin.name].path
        with zipfile.ZipFile(path) as archive:
            for relpath, info, member in installed_members(path, archive, package.trimmed, trimmed):
                chosen[relpath] = (path, info, replace(member, name=relpath))
    label = f" and compiling with {compiler.label}" if compiler else ""
    members: list[Member] = []
    modules: list[tuple[str, str]] = []
    with phase(ui, f"installing {len(shipped)} packages (offline, from the wheel cache){label}"):
        if compiler is not None:
            for pin in shipped:  # queues those not downloaded on this run (the others are queued already)
                compiler.wheel_arrived(wheels[pin.name].path)
        by_wheel: dict[Path, list[tuple[str, zipfile.ZipInfo, Member]]] = {}
        for relpath, (path, info, member) in chosen.items():
            by_wheel.setdefault(path, []).append((relpath, info, member))
        for path, files in by_wheel.items():
            with zipfile.ZipFile(path) as archive:
                for relpath, info, member in files:
                    if relpath.endswith(".py"):
                        modules.append((path.name, relpath))
                    members.append(member if member.method == DEFLATED
                                   else deflate(relpath, archive.read(info), package.COMPRESS_LEVEL))
        compiled, failed = compiler.take(modules) if compiler is not None else ([], [])
    ui.info(f"trimmed {trimmed.skipped_files} files ({trimmed.skipped_bytes / package.MB:.1f} MB) "
            "the runtime never loads")
    with phase(ui, "writing the dependency zip (the wheels' members keep their compressed bytes)"):
        package.write_package([*members, *compiled], root / "deps.zip")
        save_index(root / "deps.zip", root / "deps.json")
    if compiler is not None:
        ui.info(f"bytecode: {len(compiled)} dependency modules compiled for {compiler.label}")
    return {"trimmed_files": trimmed.skipped_files, "trimmed_bytes": trimmed.skipped_bytes,
            "compiled": len(compiled), "not_compiled": failed}


def _inputs_digest(layer_key: str, service_root: Path) -> str:
    settings = f"{BUILDER_VERSION}|{layer_key}|{package.zip_timestamp()}|{package.COMPRESS_LEVEL}"
    digest = hashlib.sha256(settings.encode())
    for name, path in package.entries(service_root):
        digest.update(f"{name}\0{file_sha256(path)}\n".encode())
    return digest.hexdigest()


def _up_to_date(build: LambdaBuild, inputs: str) -> Manifest | None:
    """The previous manifest when its zip is present, intact and built from the same inputs."""
    if not (build.manifest_path.is_file() and build.zip_path.is_file()):
        return None
    try:
        previous = read_manifest(build.manifest_path)
    except CliError:
        return None
    if previous.inputs_sha256 != inputs or previous.archive.sha256 != zip_digests(build.zip_path)[0]:
        return None
    return previous


def _bytecode_record(interpreter: Interpreter | None, layer: Layer, service_compiled: int) -> Bytecode:
    if interpreter is None:
        return Bytecode(False, None, None, 0, "no interpreter of the target version found: built without bytecode")
    compiled = int(layer.info["compiled"]) + service_compiled
    return Bytecode(
        True, interpreter.label, "unchecked-hash", compiled,
        "every module of the dependencies and the service (a file that is not valid Python stays source-only)",
    )


def _display(path: Path, repo: Path) -> str:
    """Repo-relative when inside the repo: the manifest must not name this machine's paths."""
    try:
        return path.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return path.name


@contextmanager
def phase(ui: UI, description: str) -> Iterator[None]:
    """One spinner line per phase of the build (silent when stderr is not a terminal)."""
    with ui.progress(description):
        yield
