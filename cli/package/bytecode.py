"""Bytecode compiled by the target interpreter, for the modules the runtime actually loads.

`/var/task` is read-only on Lambda, so any module without a pyc of the target version is
compiled again on every cold start. We import every top-level package of the dependency
set once under the target interpreter (isolated: `-I -S`), record which modules that
loads, and compile exactly those with unchecked-hash invalidation (no mtime checks, so
the fixed zip timestamps cannot make them stale). Modules nothing imports at start stay
source-only: they still work, they just compile on first use - that is what keeps the zip
smaller than a naive one while it carries target bytecode.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from ..errors import CliError
from .target import Interpreter

# Where Lambda unpacks the zip: the path compiled into every code object (never this machine's).
TASK_ROOT = "/var/task"

# Runs under the target interpreter: import every top-level name found in sys.argv[1],
# then print the files (relative to it) of every module that got loaded or compiled.
_TRACE = r"""
import _frozen_importlib_external as external
import importlib, json, os, sys
site, extra = sys.argv[1], sys.argv[2:]
sys.path[:0] = [site, *extra]
root = os.path.realpath(site)
compiled = set()  # also modules whose import then failed: a cold start compiles those too
original = external.SourceLoader.source_to_code
def recording(self, data, path, *args, **kwargs):
    compiled.add(os.path.realpath(path))
    return original(self, data, path, *args, **kwargs)
external.SourceLoader.source_to_code = recording
names = []
for entry in sorted(os.listdir(site)):
    path = os.path.join(site, entry)
    if entry.endswith(".dist-info") or entry.startswith((".", "_")) or entry == "bin":
        continue
    if os.path.isdir(path):
        if os.path.exists(os.path.join(path, "__init__.py")):
            names.append(entry)
        else:  # namespace package: its subpackages are the importable units
            names += [f"{entry}.{sub}" for sub in sorted(os.listdir(path))
                      if os.path.exists(os.path.join(path, sub, "__init__.py"))]
    elif entry.endswith(".py"):
        names.append(entry[:-3])
failed = []
for name in names:
    try:
        importlib.import_module(name)
    except Exception as error:
        failed.append(f"{name}: {type(error).__name__}: {error}")
files = {os.path.realpath(getattr(module, "__file__", None) or "") for module in list(sys.modules.values())}
loaded = {os.path.relpath(path, root).replace(os.sep, "/") for path in files | compiled
          if path.endswith(".py") and path.startswith(root + os.sep)}
print(json.dumps({"loaded": sorted(loaded), "failed": failed}))
"""


def clean_env() -> dict[str, str]:
    """A minimal environment so the trace and compile do not depend on this shell."""
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}


def trace_imports(interpreter: Interpreter, site: Path, extra: list[Path]) -> tuple[list[str], list[str]]:
    """Modules (relative .py paths under `site`) loaded by importing every top-level name.

    `-B`: the trace must not leave timestamp pycs naming this machine's paths behind.
    """
    result = subprocess.run(
        [str(interpreter.path), "-I", "-S", "-B", "-c", _TRACE, str(site), *map(str, extra)],
        capture_output=True, text=True, env=clean_env(), timeout=300, check=False,
    )
    if result.returncode != 0:
        raise CliError(f"tracing imports under {interpreter.label} failed: {_last_line(result.stderr)}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return list(report["loaded"]), list(report["failed"])


def compile_modules(interpreter: Interpreter, root: Path, relpaths: list[str]) -> int:
    """Write `__pycache__/*.cpython-XY.pyc` (unchecked-hash) for `relpaths`; code names /var/task/..."""
    if not relpaths:
        return 0
    workers = max(1, min(os.cpu_count() or 1, 4))
    chunks = [relpaths[index::workers] for index in range(workers)]
    command = [
        str(interpreter.path), "-I", "-S", "-m", "compileall", "-q", "-f", "--invalidation-mode", "unchecked-hash",
        "-s", str(root), "-p", TASK_ROOT, "-i", "-",
    ]
    processes = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, env=clean_env())
        for _ in chunks
    ]
    failures = []
    for process, chunk in zip(processes, chunks, strict=True):
        output, _ = process.communicate("\n".join(str(root / rel) for rel in chunk) + "\n", timeout=600)
        if process.returncode != 0:
            failures.append(_last_line(output))
    if failures:
        raise CliError(f"compiling bytecode with {interpreter.label} failed: {failures[0]}")
    return len(relpaths)


def service_modules(root: Path, package: str) -> list[str]:
    """Every .py of the service package: all of it is ours and loaded, so all of it is compiled."""
    return sorted(path.relative_to(root).as_posix() for path in (root / package).rglob("*.py"))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
