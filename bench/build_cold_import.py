"""Cold import of the built Lambda package vs a naive one, under Python 3.12, no writable bytecode cache.

    .venv/bin/python bench/build_cold_import.py [--rounds 7]

Both packages are unpacked and imported by a fresh `python3.12 -I -S -B` (as on Lambda,
where /var/task is read-only: nothing compiled at import is kept), with what the runtime
provides (the SDK and its own dependencies, precompiled, as Lambda has them) behind them.
Imported: the handler plus the heavy dependencies it builds lazily (anthropic,
elasticsearch, redis). The naive package is built by Python 3.12's pip, so it carries 3.12
bytecode too (issue #20: the old 3.11-built baseline flattered ours). Goal: ours <= 1.0x.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from _build_packages import build_naive, build_ours, compiled_runtime, interpreter_312, scratch, unpack
from _common import alternate_samples, describe

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

        samples = alternate_samples(rounds, ours=lambda: cold(ours), naive=lambda: cold(naive))
        extra = sorted({p.name for p in naive.iterdir()} - {p.name for p in ours.iterdir()})
    ratios = sorted(o / n for o, n in zip(samples["ours"], samples["naive"], strict=True))
    median = sorted(samples["ours"])[rounds // 2] / sorted(samples["naive"])[rounds // 2]
    print(f"cold import under {python.label}, no bytecode cache ({rounds} interleaved rounds, median and range)")
    print(f"  naive (3.12 pip --target + zip -r): {describe(samples['naive'], 1000, 'ms')}")
    print(f"  shopbot build:                      {describe(samples['ours'], 1000, 'ms')}")
    print(f"  ratio ours/naive: {median:.2f}x (per-round {ratios[0]:.2f}-{ratios[-1]:.2f}x; goal <= 1.00x)")
    print(f"  top-level names the naive package ships and ours leaves out: {', '.join(extra) or 'none'}")


if __name__ == "__main__":
    main()
