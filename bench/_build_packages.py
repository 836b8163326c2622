"""The two Lambda packages the build benches compare, built in the same run.

- ours: `shopbot build --target lambda` (trimmed, target bytecode, reproducible zip);
- naive: `python3.12 -m pip install --target` of the same pinned set (minus the SDK the
  runtime has), the service copied as it is, and `zip -r`. Run by Python 3.12, pip compiles
  every module to 3.12 bytecode: the honest baseline (a 3.11-built one carries bytecode 3.12
  ignores, which flattered ours as 0.39x; issue #20).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from shopbot_cli.package.lambda_package import LambdaBuild, build_lambda_package, ensure_runtime, prepare
from shopbot_cli.package.pins import SDK_PACKAGES, read_pins
from shopbot_cli.package.target import Interpreter, find_interpreter
from shopbot_cli.ui import UI

REPO = Path(__file__).resolve().parents[1]
QUIET = UI(json_mode=True)  # human chatter to stderr only


def interpreter_312() -> Interpreter:
    found = find_interpreter("3.12")
    if found is None:
        sys.exit("no CPython 3.12 on PATH or under pyenv: the build benches need one")
    return found


def lambda_build(output: Path) -> LambdaBuild:
    return LambdaBuild.for_project(REPO, output, "3.12", "x86_64")


def build_ours(output: Path) -> tuple[Path, Path]:
    """(zip, what the Lambda runtime provides: the SDK and its own dependencies) for 3.12 x86_64."""
    build = lambda_build(output)
    build_lambda_package(build, QUIET)
    prepared = prepare(build, QUIET)
    return build.zip_path, ensure_runtime(prepared.layer, prepared.provided, prepared.wheels)


def build_naive(work: Path) -> Path:
    python = interpreter_312()
    pins = [pin for pin in read_pins(REPO / "requirements" / "runtime.txt") if pin.name not in SDK_PACKAGES]
    target = work / "naive"
    # 3.12's own pip on this x86_64 machine: the target's wheels, 3.12 bytecode for every module.
    subprocess.run([str(python.path), "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                    "--only-binary=:all:", "--disable-pip-version-check", *(pin.spec for pin in pins)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.copytree(REPO / "shopbot", target / "shopbot", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([str(python.path), "-m", "compileall", "-q", str(target / "shopbot")], check=True,
                   stdout=subprocess.DEVNULL)
    out = work / "naive.zip"
    if shutil.which("zip"):
        subprocess.run(["zip", "-qr", str(out), "."], cwd=target, check=True)
    else:
        shutil.make_archive(str(out.with_suffix("")), "zip", target)
    return out


def unpack(zip_path: Path, dest: Path) -> Path:
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(dest)
    return dest


def compiled_runtime(runtime: Path, interpreter: Interpreter, dest: Path) -> Path:
    """The SDK as the Lambda runtime has it: with its own 3.12 bytecode."""
    shutil.copytree(runtime, dest)
    subprocess.run([str(interpreter.path), "-m", "compileall", "-q", "-j0", str(dest)], check=True,
                   stdout=subprocess.DEVNULL)
    return dest


def scratch() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="shopbot-bench-")
