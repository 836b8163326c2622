"""Cold import of the built Lambda package vs a naive one, under Python 3.12, no writable bytecode cache.

    .venv/bin/python bench/build_cold_import.py [--rounds 7]

Both packages are unpacked and imported by a fresh `python3.12 -I -S -B` (as on Lambda,
where /var/task is read-only: nothing compiled at import is kept), with the runtime's SDK
(precompiled, as Lambda has it) behind them. Imported: the handler plus the heavy
dependencies it builds lazily (anthropic, elasticsearch, redis). Goal: ours <= 0.6x naive.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from _build_packages import build_naive, build_ours, compiled_runtime, interpreter_312, scratch, unpack
from _common import alternate

IMPORT = (
    "import sys, time; sys.path[:0] = sys.argv[1:]; t = time.perf_counter()\n"
    "import shopbot.lambda_handler, anthropic, elasticsearch, redis\n"
    "print(time.perf_counter() - t)\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    python = interpreter_312()
    with scratch() as work:
        root = Path(work)
        ours_zip, runtime = build_ours(root / "dist")
        naive_zip = build_naive(root)
        sdk = compiled_runtime(runtime, python, root / "runtime")
        ours, naive = unpack(ours_zip, root / "ours"), unpack(naive_zip, root / "naive-unpacked")

        def cold(package: Path) -> float:
            result = subprocess.run([str(python.path), "-I", "-S", "-B", "-c", IMPORT, str(package), str(sdk)],
                                    capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"})
            return float(result.stdout.strip().splitlines()[-1])

        medians = alternate(rounds, ours=lambda: cold(ours), naive=lambda: cold(naive))
    print(f"cold import under {python.label}, no bytecode cache ({rounds} rounds, medians)")
    print(f"  naive (pip --target + zip -r): {medians['naive'] * 1000:8.0f} ms")
    print(f"  shopbot build:                 {medians['ours'] * 1000:8.0f} ms")
    print(f"  ratio ours/naive: {medians['ours'] / medians['naive']:.2f}x (goal <= 0.60x)")


if __name__ == "__main__":
    main()
