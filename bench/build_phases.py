"""Where a cold Lambda build's wall time goes, phase by phase (empty caches, in-process).

    .venv/bin/python bench/build_phases.py [--rounds 3]

Each round builds into fresh temporary caches (ours and uv's) and prints the wall time of
each phase the build announces, plus uv's resolve. Phases overlap where the build overlaps
them (the compile workers start while wheels download), so they need not add up to the total.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shopbot_cli.package import lambda_package
from shopbot_cli.ui import UI

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    timings: list[tuple[str, float]] = []

    @contextmanager
    def phase(ui: UI, description: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        timings.append((description.split(" (")[0], time.perf_counter() - started))

    real_run = subprocess.run

    def run(command: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = real_run(command, *args, **kwargs)
        if "compile" in list(command)[1:3]:
            timings.append(("  of which uv pip compile", time.perf_counter() - started))
        return result

    lambda_package.phase = phase  # type: ignore[assignment]
    subprocess.run = run  # type: ignore[assignment]
    for round_number in range(1, options.rounds + 1):
        timings.clear()
        with tempfile.TemporaryDirectory(prefix="shopbot-phases-") as scratch:
            os.environ["UV_CACHE_DIR"] = f"{scratch}/uv"
            build = lambda_package.LambdaBuild.for_project(REPO, Path(scratch, "out"))
            build = lambda_package.LambdaBuild(build.target, build.requirements, build.output, build.service,
                                               build.repo, cache=Path(scratch, "cache"))
            started = time.perf_counter()
            lambda_package.build_lambda_package(build, UI(json_mode=True))
            total = time.perf_counter() - started
        print(f"round {round_number}: {total:.2f} s in all, load average {os.getloadavg()[0]:.1f}")
        for description, seconds in timings:
            print(f"  {seconds:6.2f} s  {description}")


if __name__ == "__main__":
    main()
