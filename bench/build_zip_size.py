"""Zip size of the built Lambda package vs a naive one of the same pinned set.

    .venv/bin/python bench/build_zip_size.py

naive = `python3.12 -m pip install --target` (3.12 bytecode for every module) + `zip -r`;
ours = trimmed, 3.12 bytecode for every module, botocore's own dependencies left to the
runtime. Goal (#4, set against a 3.11-built naive): <= 0.9x; reported as measured.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from _build_packages import build_naive, build_ours, interpreter_312, scratch

MB = 1024 * 1024


def describe(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    pycs = sum(1 for info in infos if info.filename.endswith(".pyc"))
    unzipped = sum(info.file_size for info in infos)
    return f"{path.stat().st_size / MB:6.2f} MB zipped, {unzipped / MB:6.1f} MB unzipped, {pycs} pyc"


def main() -> None:
    python = interpreter_312()
    with scratch() as work:
        root = Path(work)
        ours, _ = build_ours(root / "dist")
        naive = build_naive(root)
        print(f"Lambda package size (target {python.label})")
        print(f"  naive (pip --target + zip -r): {describe(naive)}")
        print(f"  shopbot build:                 {describe(ours)}")
        print(f"  ratio ours/naive: {ours.stat().st_size / naive.stat().st_size:.2f}x (goal <= 0.90x)")


if __name__ == "__main__":
    main()
