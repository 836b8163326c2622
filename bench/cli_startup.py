"""`shopbot --help` and TAB completion wall time vs a bare `python -c "import typer, rich.console"`.

    .venv/bin/python bench/cli_startup.py [--rounds 15]

Each round runs, as fresh processes and interleaved, the floor (this venv's Python importing
typer and rich.console), `shopbot --help`, and the completion of command names
(`_SHOPBOT_COMPLETE=complete_bash COMP_WORDS="shopbot s"`). Goal (#20): --help <= 1.5x the floor.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from _common import alternate_samples, describe

BIN = Path(sys.executable).parent
SHOPBOT = str(BIN / "shopbot")


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    completion = {"_SHOPBOT_COMPLETE": "complete_bash", "COMP_WORDS": "shopbot s", "COMP_CWORD": "1"}
    samples = alternate_samples(
        rounds,
        floor=lambda: timed([sys.executable, "-c", "import typer, rich.console"]),
        help=lambda: timed([SHOPBOT, "--help"]),
        complete=lambda: timed([SHOPBOT], completion),
    )
    print(f"CLI start-up, {rounds} interleaved rounds (median, range); load average {os.getloadavg()[0]:.1f}")
    for name in ("floor", "help", "complete"):
        print(f"  {name:9s} {describe(samples[name], 1000, 'ms')}")
    print(f"  ratio --help / floor:     {describe_ratio(samples, 'help')} (goal <= 1.5x)")
    print(f"  ratio completion / floor: {describe_ratio(samples, 'complete')}")


def describe_ratio(samples: dict[str, list[float]], side: str) -> str:
    ratios = sorted(a / b for a, b in zip(samples[side], samples["floor"], strict=True))
    median = sorted(samples[side])[len(ratios) // 2] / sorted(samples["floor"])[len(ratios) // 2]
    return f"{median:.2f}x (per-round {ratios[0]:.2f}-{ratios[-1]:.2f}x)"


if __name__ == "__main__":
    main()
