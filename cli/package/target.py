"""The Lambda target (Python version + architecture) and finding an interpreter of it.

Validated before anything else runs, so a typo never costs a download.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import CliError

PYTHONS = ("3.11", "3.12", "3.13")
ARCHES = {"x86_64": "x86_64", "arm64": "aarch64"}  # Lambda's name -> manylinux's name


@dataclass(frozen=True)
class Target:
    python: str
    arch: str

    @classmethod
    def parse(cls, python: str, arch: str) -> Target:
        if python not in PYTHONS:
            raise CliError(f"unknown --python {python!r}: Lambda runtimes supported here are {', '.join(PYTHONS)}")
        if arch not in ARCHES:
            raise CliError(f"unknown --arch {arch!r}: use one of {', '.join(ARCHES)}")
        return cls(python, arch)

    @property
    def platform(self) -> str:
        return f"manylinux2014_{ARCHES[self.arch]}"

    @property
    def slug(self) -> str:
        return f"{self.python}-{self.arch}"


def host_arch() -> str | None:
    """This machine's architecture in Lambda's terms (None when Lambda has no such one)."""
    return {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower()
    )


@dataclass(frozen=True)
class Interpreter:
    path: Path
    version: str            # full, e.g. "3.12.1"

    @property
    def label(self) -> str:
        return f"CPython {self.version}"


def find_interpreter(python: str) -> Interpreter | None:
    """A CPython of exactly `python` (X.Y): `pythonX.Y` on PATH, else under pyenv's versions.

    A pyenv shim on PATH is tried last (it runs pyenv, and answers only for the selected
    version); what a real binary said is remembered by its path, size and mtime.
    """
    for candidate in _candidates(python):
        found = _probe_remembered(candidate, python)
        if found:
            return found
    return None


def _candidates(python: str) -> list[Path]:
    name = f"python{python}"
    on_path = [Path(p) for p in [shutil.which(name)] if p]
    found = [path for path in on_path if "shims" not in path.parts]
    for root in _pyenv_roots():
        versions = root / "versions"
        if versions.is_dir():
            found += sorted(versions.glob(f"{python}.*/bin/{name}"), reverse=True)
    return found + [path for path in on_path if "shims" in path.parts]


def _probe_remembered(candidate: Path, python: str) -> Interpreter | None:
    if "shims" in candidate.parts:
        return _probe(candidate, python)
    try:
        stat = candidate.resolve().stat()
    except OSError:
        return None
    key = f"{candidate.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{python}"
    memo = cache_root() / "interpreters.json"
    try:
        known = json.loads(memo.read_text())
    except (OSError, ValueError):
        known = {}
    if isinstance(known, dict) and isinstance(known.get(key), list) and len(known[key]) == 2:
        path, version = known[key]
        if Path(path).is_file():
            return Interpreter(Path(path), str(version))
    found = _probe(candidate, python)
    if found is not None:
        known = known if isinstance(known, dict) else {}
        known[key] = [str(found.path), found.version]
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            partial = memo.with_suffix(f".{os.getpid()}.part")
            partial.write_text(json.dumps(known, indent=1, sort_keys=True))
            os.replace(partial, memo)
        except OSError:
            pass  # remembering is an optimisation only
    return found


def cache_root() -> Path:
    """`SHOPBOT_CACHE_DIR`, else ~/.cache/shopbot."""
    override = os.environ.get("SHOPBOT_CACHE_DIR")
    return Path(override) if override else Path.home() / ".cache" / "shopbot"


def _pyenv_roots() -> list[Path]:
    if os.environ.get("PYENV_ROOT"):
        return [Path(os.environ["PYENV_ROOT"])]
    pyenv = shutil.which("pyenv")
    if pyenv:
        result = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=10, check=False)
        if result.returncode == 0 and result.stdout.strip():
            return [Path(result.stdout.strip())]
    return [Path.home() / ".pyenv"]


def _probe(candidate: Path, python: str) -> Interpreter | None:
    """Run the candidate: pyenv shims exist for versions that are not selected."""
    code = "import sys, platform as p; print(sys.executable); print(p.python_implementation(), p.python_version())"
    try:
        result = subprocess.run([str(candidate), "-I", "-c", code], capture_output=True, text=True, timeout=20,
                                check=False)
    except OSError:
        return None
    lines = result.stdout.split("\n")
    if result.returncode != 0 or len(lines) < 2:
        return None
    implementation, _, version = lines[1].partition(" ")
    if implementation != "CPython" or not version.startswith(python + "."):
        return None
    return Interpreter(Path(lines[0]), version)
