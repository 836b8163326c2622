"""Wheels for the target (not for this machine), cached by the pinned set, and unpacked offline.

The pinned wheels are fetched once into `<cache>/wheels/<key>`; installing is then a plain,
deterministic unpack of those files (no installer metadata that names this machine), so
however they were fetched, the same wheels give the same package.

Fetching: with uv (the `cli` extra installs it), `uv pip compile --format pylock.toml
--python-platform <arch>-manylinux2014 --python-version X.Y --only-binary :all:` names the
one wheel of each pin for the target with its URL and SHA-256, and the wheels download in
parallel, each checked against that hash (~10x faster than pip on a cold cache). Without
uv, with `SHOPBOT_RESOLVER=pip`, or when uv cannot resolve (uv reads its own index settings,
not pip's), `pip download --platform manylinux2014_<arch> --only-binary=:all:` does it.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import tomllib
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, cast

from ..errors import CliError
from .members import Member, read_members
from .pins import Pin, Requirement, canonical, pins_digest
from .target import Target

Arrived = Callable[[Path], None]


@dataclass(frozen=True)
class Wheel:
    pin: Pin
    path: Path

    @property
    def sha256(self) -> str:
        return file_sha256(self.path)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def wheel_key(pins: list[Pin], target: Target) -> str:
    text = f"{pins_digest(pins)}|cp{target.python}|{target.platform}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def fetch_wheels(pins: list[Pin], target: Target, cache: Path, on_wheel: Arrived | None = None,
                 ) -> tuple[dict[str, Wheel], str]:
    """The wheel of every pin for the target, and where they came from ("cache", "uv", "pip", or why pip).

    `on_wheel(path)` is called on a download thread as each wheel downloaded by uv lands (checked),
    so work on it can start while the rest download; the path is only valid during the call.
    """
    directory = cache / "wheels" / wheel_key(pins, target)
    source = "cache"
    if not directory.is_dir():
        directory.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".download-", dir=directory.parent))
        try:
            source = _download(pins, target, scratch, on_wheel)
            record_sums(scratch)
            publish(scratch, directory)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
    return _match_wheels(pins, directory, target), source


SUMS = "SHA256SUMS.json"  # the wheels' digests when they were downloaded and checked


def record_sums(directory: Path) -> None:
    sums = {path.name: file_sha256(path) for path in sorted(directory.glob("*.whl"))}
    (directory / SUMS).write_text(json.dumps(sums, indent=1))


def check_unchanged(wheels: dict[str, Wheel], hashes: dict[str, str]) -> None:
    """Refuse cached wheels whose bytes changed since their download (the layer copies their
    compressed members as they are, so a flipped byte would ship unnoticed). A cache written
    before the digests were recorded gets them now."""
    if not wheels:
        return
    directory = next(iter(wheels.values())).path.parent
    try:
        recorded = json.loads((directory / SUMS).read_text())
    except FileNotFoundError:
        record_sums(directory)
        return
    except (OSError, ValueError):
        recorded = None
    for name, wheel in wheels.items():
        if not isinstance(recorded, dict) or recorded.get(wheel.path.name) != hashes[name]:
            raise CliError(f"wheel cache {directory} changed since it was downloaded ({wheel.path.name}): "
                           "delete that directory and rebuild")


def find_uv() -> str | None:
    """The uv binary: the one the `uv` package installed beside this Python, else on PATH."""
    if os.environ.get("SHOPBOT_RESOLVER", "").lower() == "pip":
        return None
    try:
        import uv  # the PyPI package only ships the binary and this helper

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def _download(pins: list[Pin], target: Target, dest: Path, on_wheel: Arrived | None) -> str:
    uv = find_uv()
    if uv is None:
        _pip_download(pins, target, dest)
        return "pip (uv not installed)" if os.environ.get("SHOPBOT_RESOLVER", "").lower() != "pip" else "pip"
    try:
        _uv_download(uv, pins, target, dest, on_wheel)
        return "uv"
    except CliError as error:
        for leftover in dest.iterdir():
            leftover.unlink()
        _pip_download(pins, target, dest)
        return f"pip (uv could not: {error})"


def _uv_download(uv: str, pins: list[Pin], target: Target, dest: Path, on_wheel: Arrived | None) -> None:
    """Resolve each pin to its one wheel for the target with uv, then download them in parallel."""
    with tempfile.TemporaryDirectory(prefix="shopbot-uv-") as work:
        requirements, lock = Path(work, "requirements.in"), Path(work, "pylock.toml")
        requirements.write_text("".join(f"{pin.spec}\n" for pin in pins))
        command = [
            uv, "pip", "compile", "--quiet", "--no-deps", "--no-header", "--only-binary", ":all:",
            "--python-platform", f"{ARCH_TRIPLES[target.arch]}-manylinux2014", "--python-version", target.python,
            "--format", "pylock.toml", "--output-file", str(lock), str(requirements),
            # Any interpreter will do (--python-version sets the markers); without one uv looks for a
            # 3.X on PATH and, not finding one, downloads a managed CPython first (~10 s of a cold build).
            "--python", sys.executable, "--no-python-downloads",
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        if result.returncode != 0:
            raise CliError(_last_line(result.stderr))
        wanted = _locked_wheels(tomllib.loads(lock.read_text()), pins)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda item: _fetch(item[0], item[1], dest, on_wheel), wanted))


ARCH_TRIPLES = {"x86_64": "x86_64", "arm64": "aarch64"}


def _locked_wheels(lock: dict[str, object], pins: list[Pin]) -> list[tuple[str, str]]:
    """(url, sha256) of the one wheel uv chose for each pin."""
    chosen: dict[str, tuple[str, str]] = {}
    packages = lock.get("packages")
    for package in packages if isinstance(packages, list) else []:
        wheels = package.get("wheels") if isinstance(package, dict) else None
        if not isinstance(wheels, list) or len(wheels) != 1 or not isinstance(wheels[0], dict):
            continue
        wheel = wheels[0]
        url = wheel.get("url") or (Path(str(wheel["path"])).resolve().as_uri() if wheel.get("path") else None)
        digest = (wheel.get("hashes") or {}).get("sha256")
        if url and digest:
            chosen[canonical(str(package.get("name")))] = (str(url), str(digest))
    missing = [pin.spec for pin in pins if pin.name not in chosen]
    if missing:
        raise CliError(f"uv named no single wheel for {', '.join(missing)}")
    return [chosen[pin.name] for pin in pins]


def _fetch(url: str, sha256: str, dest: Path, on_wheel: Arrived | None = None) -> None:
    name = urllib.parse.unquote(PurePosixPath(urllib.parse.urlparse(url).path).name)
    if not name.endswith(".whl") or "/" in name:
        raise CliError(f"uv named {url!r}, not a wheel")
    digest = hashlib.sha256()
    partial = dest / f".{name}.part"
    try:
        with _get(url) as response, partial.open("wb") as out:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
    except (OSError, http.client.HTTPException) as error:
        partial.unlink(missing_ok=True)
        raise CliError(f"downloading {name} failed: {error}") from error
    if digest.hexdigest() != sha256:
        partial.unlink(missing_ok=True)
        raise CliError(f"{name}: SHA-256 differs from the index's; not using it")
    partial.rename(dest / name)
    if on_wheel is not None:
        on_wheel(dest / name)


_connections = threading.local()  # each download thread keeps one connection per host alive


def _get(url: str) -> IO[bytes]:
    """GET over this thread's kept-alive connection: one DNS lookup and TLS handshake per thread
    and host, not per wheel (36 of each were ~1 s of a cold build). A proxy, another scheme or
    a redirect goes through urllib."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"https", "http"} or urllib.request.getproxies():
        return cast(IO[bytes], urllib.request.urlopen(url, timeout=120))
    pool: dict[tuple[str, str], http.client.HTTPConnection] = _connections.__dict__.setdefault("pool", {})
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    for attempt in (1, 2):
        connection = pool.get((parts.scheme, parts.netloc))
        fresh = connection is None
        if connection is None:
            kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            connection = pool[(parts.scheme, parts.netloc)] = kind(parts.netloc, timeout=120)
        try:
            connection.request("GET", path, headers={"User-Agent": "shopbot-build"})
            response = connection.getresponse()
        except (OSError, http.client.HTTPException):
            connection.close()
            del pool[(parts.scheme, parts.netloc)]
            if fresh or attempt == 2:
                raise
            continue  # the server closed a kept-alive connection: once more on a new one
        if response.status == 200:
            return cast(IO[bytes], response)
        response.read()
        if 300 <= response.status < 400:
            return cast(IO[bytes], urllib.request.urlopen(url, timeout=120))
        raise OSError(f"HTTP {response.status} {response.reason}")
    raise AssertionError("unreachable")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def publish(scratch: Path, directory: Path) -> None:
    """Move a finished cache entry into place atomically; a concurrent build's copy wins."""
    try:
        os.replace(scratch, directory)
    except OSError:
        if not directory.is_dir():
            raise
        shutil.rmtree(scratch, ignore_errors=True)


def _pip_download(pins: list[Pin], target: Target, dest: Path) -> None:
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--platform", target.platform, "--implementation", "cp", "--python-version", target.python,
        "--disable-pip-version-check", "--no-input", "--progress-bar", "off", "--dest", str(dest),
        *(pin.spec for pin in pins),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CliError(explain_pip_failure(result.stderr, target))


_NO_MATCH = re.compile(r"(?:No matching distribution found for|satisfies the requirement) (\S+)")


def explain_pip_failure(stderr: str, target: Target) -> str:
    """One line from pip's output: which package has no wheel for which platform."""
    missing = sorted({match.group(1) for match in _NO_MATCH.finditer(stderr)})
    if missing:
        return (
            f"no wheel of {', '.join(missing)} for CPython {target.python} on {target.platform}: "
            "pin a version that publishes a compatible wheel (or check the name)"
        )
    errors = [line.strip() for line in stderr.splitlines() if line.strip().startswith("ERROR")]
    detail = errors[-1] if errors else (stderr.strip().splitlines() or ["no output"])[-1]
    return f"pip could not download the wheels for {target.platform} ({detail}); check the network or the index"


def _match_wheels(pins: list[Pin], directory: Path, target: Target) -> dict[str, Wheel]:
    by_name: dict[str, Path] = {}
    for path in directory.glob("*.whl"):
        name, version = path.name.split("-")[:2]
        by_name[f"{canonical(name)}=={version}"] = path
    wheels: dict[str, Wheel] = {}
    for pin in pins:
        found = by_name.get(pin.spec) or by_name.get(f"{pin.name}=={_normal_version(pin.version)}")
        if found is None:
            raise CliError(
                f"wheel cache {directory} lacks {pin.spec} for {target.platform}: delete that directory and rebuild"
            )
        wheels[pin.name] = Wheel(pin, found)
    return wheels


def _normal_version(version: str) -> str:
    return version.lower().replace("-", "_")


@dataclass
class Unpacked:
    """What one unpack wrote (relative path -> the wheel member it came from) and what it left out."""

    written: dict[str, Member]
    skipped_files: int = 0
    skipped_bytes: int = 0


def unpack_wheel(wheel: Path, dest: Path, skip: Callable[[str], bool] | None = None) -> Unpacked:
    """Install one wheel into `dest` like `pip install --target`, minus scripts and pip's notes.

    Paths for which `skip` says yes are not written. Every written file comes back with its
    member in the wheel, whose compressed bytes the zip can then reuse as they are.
    """
    result = Unpacked({})
    with zipfile.ZipFile(wheel) as archive:
        for relpath, info, member in installed_members(wheel, archive, skip, result):
            target = dest.joinpath(*relpath.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
            result.written[relpath] = member
    return result


def installed_members(
    wheel: Path, archive: zipfile.ZipFile, skip: Callable[[str], bool] | None, report: Unpacked,
) -> Iterator[tuple[str, zipfile.ZipInfo, Member]]:
    """(installed path, zip entry, raw member) of every file `pip install --target` would write, in wheel order.

    Scripts, headers and data go nowhere; paths `skip` says yes to are counted in `report`.
    Nothing is written: the build reads the members in place (see lambda_package._build_layer).
    """
    raw = read_members(wheel)
    for info in archive.infolist():
        if info.is_dir():
            continue
        parts = PurePosixPath(info.filename).parts
        if info.filename.startswith("/") or ".." in parts:
            raise CliError(f"{wheel.name}: unsafe path {info.filename!r} in wheel; refusing to install it")
        if parts[0].endswith(".data"):
            if len(parts) < 3 or parts[1] not in {"purelib", "platlib"}:
                continue  # scripts/headers/data: nothing the Lambda runtime imports
            parts = parts[2:]
        relpath = "/".join(parts)
        if skip is not None and skip(relpath):
            report.skipped_files += 1
            report.skipped_bytes += info.file_size
            continue
        yield relpath, info, raw[info.filename]


def requirements_of(wheels: dict[str, Wheel], target: Target) -> dict[str, list[Requirement]]:
    """Every wheel's `wheel_requirements`, kept beside the wheels after the first read (~40 zip directories)."""
    folders = {wheel.path.parent for wheel in wheels.values()}
    saved = next(iter(folders)) / f".requires-{target.slug}.json" if len(folders) == 1 else None
    if saved is not None and saved.is_file():
        try:
            data = json.loads(saved.read_text())
            if set(data) == set(wheels):
                return {name: [(str(dep), bool(versioned)) for dep, versioned in deps] for name, deps in data.items()}
        except (ValueError, TypeError):
            pass
    found = {name: wheel_requirements(wheel.path, target) for name, wheel in wheels.items()}
    if saved is not None:
        partial = saved.with_suffix(f".{os.getpid()}.part")
        partial.write_text(json.dumps(found, sort_keys=True))
        os.replace(partial, saved)
    return found


def wheel_requirements(wheel: Path, target: Target) -> list[Requirement]:
    """The wheel's `Requires-Dist` that apply on the target (no extras), as (name, asks for versions)."""
    from email.parser import Parser

    from packaging.markers import InvalidMarker
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Parsed

    with zipfile.ZipFile(wheel) as archive:
        names = [name for name in archive.namelist()
                 if name.count("/") == 1 and name.split("/")[0].endswith(".dist-info") and name.endswith("/METADATA")]
        if not names:
            return []
        text = archive.read(names[0]).decode("utf-8", "replace")
    environment = {
        "python_version": target.python, "python_full_version": f"{target.python}.0",
        "implementation_version": f"{target.python}.0", "implementation_name": "cpython",
        "platform_python_implementation": "CPython", "sys_platform": "linux", "platform_system": "Linux",
        "os_name": "posix", "platform_machine": ARCH_TRIPLES[target.arch], "platform_release": "",
        "platform_version": "", "extra": "",
    }
    found: list[Requirement] = []
    for line in Parser().parsestr(text).get_all("Requires-Dist") or []:
        try:
            requirement = Parsed(line)
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
        except (InvalidRequirement, InvalidMarker):
            continue  # a broken line names nothing we could act on
        found.append((canonical(requirement.name), bool(str(requirement.specifier))))
    return found
