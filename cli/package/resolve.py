"""Wheels for the target (not for this machine), cached by the pinned set, and unpacked offline.

`pip download --platform manylinux2014_<arch> --python-version X.Y --only-binary=:all:`
fetches exactly the pinned wheels once into `<cache>/wheels/<key>`; installing is then a
plain, deterministic unpack of those files (no pip metadata that names this machine).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import CliError
from .pins import Pin, canonical, pins_digest
from .target import Target


@dataclass(frozen=True)
class Wheel:
    pin: Pin
    path: Path

    @property
    def sha256(self) -> str:
        return file_sha256(self.path)


def cache_root() -> Path:
    """`SHOPBOT_CACHE_DIR`, else ~/.cache/shopbot."""
    override = os.environ.get("SHOPBOT_CACHE_DIR")
    return Path(override) if override else Path.home() / ".cache" / "shopbot"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def wheel_key(pins: list[Pin], target: Target) -> str:
    text = f"{pins_digest(pins)}|cp{target.python}|{target.platform}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def fetch_wheels(pins: list[Pin], target: Target, cache: Path) -> tuple[dict[str, Wheel], bool]:
    """The wheel of every pin for the target, and whether they came from the cache."""
    directory = cache / "wheels" / wheel_key(pins, target)
    hit = directory.is_dir()
    if not hit:
        directory.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".download-", dir=directory.parent))
        try:
            _pip_download(pins, target, scratch)
            publish(scratch, directory)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
    return _match_wheels(pins, directory, target), hit


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


def unpack_wheel(wheel: Path, dest: Path) -> None:
    """Install one wheel into `dest` like `pip install --target`, minus scripts and pip's notes."""
    with zipfile.ZipFile(wheel) as archive:
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
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
