"""Warm rebuild of the Lambda package: nothing changed, and only the service changed.

    .venv/bin/python bench/build_warm_rebuild.py [--rounds 5]

First a build fills the caches (wheels, dependency layer); then each round rebuilds. The
"service changed" side edits a copy of the project (a comment in shopbot/config.py), so it
re-stages, recompiles and re-zips. Goal: nothing changed < 3 s.
"""

from __future__ import annotations

import argparse
import shutil
import time
from dataclasses import replace
from pathlib import Path

from _build_packages import QUIET, REPO, interpreter_312, lambda_build, scratch
from _common import alternate
from shopbot_cli.package.lambda_package import build_lambda_package


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    interpreter_312()
    with scratch() as work:
        root = Path(work)
        project = root / "project"
        shutil.copytree(REPO / "shopbot", project / "shopbot", ignore=shutil.ignore_patterns("__pycache__"))
        unchanged = lambda_build(root / "dist")
        changed = replace(unchanged, output=root / "dist-changed", service=project / "shopbot")
        started = time.perf_counter()
        build_lambda_package(unchanged, QUIET)
        first = time.perf_counter() - started
        build_lambda_package(changed, QUIET)
        counter = iter(range(10**6))

        def nothing_changed() -> float:
            started = time.perf_counter()
            build_lambda_package(unchanged, QUIET)
            return time.perf_counter() - started

        def service_changed() -> float:
            config = project / "shopbot" / "config.py"
            config.write_text(config.read_text() + f"# bench edit {next(counter)}\n")
            started = time.perf_counter()
            build_lambda_package(changed, QUIET)
            return time.perf_counter() - started

        medians = alternate(rounds, unchanged=nothing_changed, changed=service_changed)
    print(f"Lambda package rebuild ({rounds} rounds, medians; first build in this run {first:.1f} s)")
    print(f"  nothing changed:  {medians['unchanged']:6.2f} s (goal < 3 s)")
    print(f"  service changed:  {medians['changed']:6.2f} s (re-stage, compile shopbot/, re-zip)")


if __name__ == "__main__":
    main()
