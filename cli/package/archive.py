"""The staging tree -> a trimmed, reproducible zip.

Reproducible means the same inputs give the same bytes: entries sorted, one fixed
timestamp (SOURCE_DATE_EPOCH or 1980-01-01), permissions normalised (0644 files,
0755 directories), Unix as the creating system, and nothing that names this machine.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import CliError
from . import members

MB = 1024 * 1024
UNZIPPED_LIMIT = 250 * MB     # Lambda's hard limit for the unpacked function (code + layers)
DIRECT_UPLOAD_LIMIT = 50 * MB  # above this, the zip must go through S3
COMPRESS_LEVEL = 6  # 9 saves 0.6% of the size for 2.3x the time

# Directory names inside dependencies that the runtime never imports.
TRIM_DIRS = frozenset({"__pycache__", "tests", "test", "docs", "doc"})
TRIM_TOP = frozenset({"bin"})  # console scripts: their shebangs name the build machine's Python


@dataclass
class TrimReport:
    files: int = 0
    bytes: int = 0


def trim(site: Path) -> TrimReport:
    """Remove what the Lambda runtime never loads from an unpacked dependency tree."""
    report = TrimReport()
    for name in TRIM_TOP:
        _remove(site / name, report)
    for directory, subdirs, files in os.walk(site, topdown=True):
        here = Path(directory)
        if here.name.endswith(".dist-info"):
            subdirs[:] = []  # keep metadata whole: importlib.metadata reads it
            continue
        for sub in [sub for sub in subdirs if sub in TRIM_DIRS]:
            _remove(here / sub, report)
            subdirs.remove(sub)
        for name in files:
            if name.endswith((".pyc", ".pyo")):
                _remove(here / name, report)
    return report


def trimmed(relpath: str) -> bool:
    """Whether `trim` would remove this file (a `/`-separated path under the site): lets an unpack skip it."""
    parts = relpath.split("/")
    if parts[0] in TRIM_TOP:
        return True
    for directory in parts[:-1]:
        if directory.endswith(".dist-info"):
            return False
        if directory in TRIM_DIRS:
            return True
    return parts[-1].endswith((".pyc", ".pyo"))


def _remove(path: Path, report: TrimReport) -> None:
    if path.is_dir():
        for file in path.rglob("*"):
            if file.is_file():
                report.files += 1
                report.bytes += file.stat().st_size
        shutil.rmtree(path)
    elif path.exists():
        report.files += 1
        report.bytes += path.stat().st_size
        path.unlink()


def copy_service(source: Path, dest_root: Path) -> Path:
    """The service package, whole (data included), without this machine's bytecode."""
    if not (source / "__init__.py").is_file():
        raise CliError(f"{source} is not the service package (no __init__.py): run from the project root")
    dest = dest_root / source.name
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"))
    return dest


def entries(*roots: Path) -> list[tuple[str, Path]]:
    """(archive name, file) for every file under the roots, sorted; a name in two roots is an error."""
    found: dict[str, Path] = {}
    for root in roots:
        for directory, subdirs, files in os.walk(root):
            subdirs.sort()
            for name in files:
                path = Path(directory, name)
                arcname = path.relative_to(root).as_posix()
                if arcname in found:
                    raise CliError(f"{arcname} comes from two places ({found[arcname]} and {path}); rename one")
                found[arcname] = path
    return sorted(found.items())


def unzipped_size(files: list[tuple[str, Path]]) -> int:
    return sum(path.stat().st_size for _, path in files)


def check_unzipped(size: int, limit: int = UNZIPPED_LIMIT) -> None:
    if size > limit:
        raise CliError(
            f"package would be {size / MB:.1f} MB unzipped, over Lambda's {limit / MB:.0f} MB limit: "
            "drop dependencies (or ship them as a layer/container image)"
        )


def zip_timestamp() -> tuple[int, int, int, int, int, int]:
    """SOURCE_DATE_EPOCH when set (clamped to what zip can store), else 1980-01-01 00:00:00."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return (1980, 1, 1, 0, 0, 0)
    try:
        stamp = time.gmtime(max(int(epoch), 315532800))
    except ValueError as error:
        raise CliError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds: fix or unset it") from error
    return (min(stamp.tm_year, 2107), stamp.tm_mon, stamp.tm_mday, stamp.tm_hour, stamp.tm_min, stamp.tm_sec & ~1)


def write_zip(files: list[tuple[str, Path]], out: Path) -> None:
    """Write the reproducible zip (directories as 0755 entries, files 0644) to `out`, compressing every file."""
    members.write_zip(members.deflate_files(files, COMPRESS_LEVEL), out, zip_timestamp())


def write_package(entries: list[members.Member], out: Path) -> None:
    """The same zip from members whose compressed bytes already exist (see members.py)."""
    members.write_zip(entries, out, zip_timestamp())
