"""What was built, from what: the record `deploy` uploads against and `--compare` reads.

Plain JSON beside the artifact. It holds no timestamps or durations, so two builds of the
same inputs write the same manifest (the git commit aside).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CliError

SCHEMA = 1


@dataclass(frozen=True)
class PackageEntry:
    name: str
    version: str
    wheel: str
    sha256: str


@dataclass(frozen=True)
class Bytecode:
    compiled: bool
    interpreter: str | None        # e.g. "CPython 3.12.1"; None when none was found
    invalidation: str | None       # "unchecked-hash"
    modules: int
    note: str


@dataclass(frozen=True)
class Archive:
    path: str
    sha256: str
    sha256_base64: str             # Terraform's source_code_hash
    size: int
    unzipped_size: int
    files: int


@dataclass
class Manifest:
    target: str                    # "lambda"
    python: str
    arch: str
    platform: str
    git_commit: str
    requirements: str
    requirements_sha256: str
    bundle_sdk: bool
    packages: list[PackageEntry]
    runtime_provided: dict[str, str]   # pinned but left to the Lambda runtime: name -> pinned version
    bytecode: Bytecode
    archive: Archive
    inputs_sha256: str             # everything that shapes the zip; equal -> the zip is up to date
    warnings: list[str] = field(default_factory=list)
    schema: int = SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def versions(self) -> dict[str, str]:
        return {entry.name: entry.version for entry in self.packages}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            **{
                **data,
                "packages": [PackageEntry(**entry) for entry in data["packages"]],
                "bytecode": Bytecode(**data["bytecode"]),
                "archive": Archive(**data["archive"]),
            }
        )


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Stable JSON (sorted keys): equal data, equal bytes."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def write_manifest(manifest: Manifest, path: Path) -> None:
    write_json(path, manifest.to_dict())


def read_manifest(path: Path) -> Manifest:
    try:
        data = json.loads(path.read_text())
        return Manifest.from_dict(data)
    except FileNotFoundError as error:
        raise CliError(f"no Lambda manifest at {path}: run `shopbot build --target lambda` first") from error
    except (ValueError, TypeError, KeyError) as error:
        raise CliError(f"{path} is not a shopbot build manifest ({error}); rebuild to replace it") from error


def zip_digests(path: Path) -> tuple[str, str]:
    """SHA-256 of the file as hex and as base64 (what Terraform's filebase64sha256 gives)."""
    digest = hashlib.sha256(path.read_bytes()).digest()
    return digest.hex(), base64.b64encode(digest).decode()


def git_commit(repo: Path) -> str:
    """HEAD's commit, `-dirty` when shipped paths have uncommitted changes.

    Outside git (e.g. inside Dockerfile.build) SHOPBOT_GIT_COMMIT, else `unknown`.
    """
    fallback = os.environ.get("SHOPBOT_GIT_COMMIT") or "unknown"
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=False)
        if head.returncode != 0:
            return fallback
        status = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "shopbot", "requirements", "deploy"],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except OSError:
        return fallback
    commit = head.stdout.strip()
    return f"{commit}-dirty" if status.stdout.strip() else commit
