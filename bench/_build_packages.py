"""The two Lambda packages the build benches compare, built in the same run.

- ours: `shopbot build --target lambda` (trimmed, target bytecode, reproducible zip);
- naive: `pip install --target` of the same pinned set for the same platform (minus the SDK
  the runtime has, like ours) run by this machine's Python 3.11 (so it carries 3.11
  bytecode), the service copied as it is, and `zip -r`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from shopbot_cli.package.lambda_package import LambdaBuild, build_lambda_package, prepare
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
    """(zip, the runtime's SDK directory) for 3.12 x86_64."""
    build = lambda_build(output)
    build_lambda_package(build, QUIET)
    return build.zip_path, prepare(build, QUIET).layer.runtime


def build_naive(work: Path) -> Path:
    pins = [pin for pin in read_pins(REPO / "requirements" / "runtime.txt") if pin.name not in SDK_PACKAGES]
    target = work / "naive"
    # The target's wheels (else 3.11 native modules would not load under 3.12); pip compiles 3.11 bytecode.
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                    "--platform", "manylinux2014_x86_64", "--implementation", "cp", "--python-version", "3.12",
                    "--only-binary=:all:", *(pin.spec for pin in pins)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.copytree(REPO / "shopbot", target / "shopbot")
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
