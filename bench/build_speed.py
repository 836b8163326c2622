"""Lambda build time vs `uv pip install --target` + zip of the same requirements, cold and warm.

    .venv/bin/python bench/build_speed.py [--cold-rounds 3] [--warm-rounds 5]

Side by side, interleaved, as the user runs them (fresh processes):
- ours: `shopbot build --target lambda --output <fresh folder>`;
- uv:   `uv pip install --no-deps --only-binary :all: --python-platform x86_64-manylinux2014
        --python-version 3.12 --target <fresh folder>` of the pinned runtime set minus the SDK (what a
        Lambda package ships), then `zip -qr` of that folder (Info-ZIP, level 6; Python's zipfile if absent).
Cold: every cache empty for both (our wheel/layer cache and uv's). Warm: caches filled, output new.
Goals (#20): cold <= 1.5x uv + zip; warm <= 1.0x uv's warm install + zip.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import alternate_samples, describe
from shopbot_cli.package.pins import SDK_PACKAGES, read_pins
from shopbot_cli.package.resolve import find_uv

REPO = Path(__file__).resolve().parents[1]
SHOPBOT = str(Path(sys.executable).parent / "shopbot")


def run(command: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env={**os.environ, **env}, cwd=cwd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def zip_tree(tree: Path, out: Path) -> None:
    if shutil.which("zip"):
        subprocess.run(["zip", "-qr", str(out), "."], cwd=tree, check=True)
    else:
        shutil.make_archive(str(out.with_suffix("")), "zip", tree)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-rounds", type=int, default=3)
    parser.add_argument("--warm-rounds", type=int, default=5)
    options = parser.parse_args()
    uv = find_uv()
    if uv is None:
        sys.exit("uv is not installed (pip install uv): the baseline needs it")
    with tempfile.TemporaryDirectory(prefix="shopbot-bench-") as scratch:
        work = Path(scratch)
        pins = work / "shipped.txt"
        pins.write_text("".join(f"{pin.spec}\n" for pin in read_pins(REPO / "requirements" / "runtime.txt")
                                if pin.name not in SDK_PACKAGES))
        counter = iter(range(10**6))

        def ours(cache: Path, uv_cache: Path) -> float:
            out = work / f"out-{next(counter)}"
            seconds = run([SHOPBOT, "build", "--target", "lambda", "--output", str(out)],
                          {"SHOPBOT_CACHE_DIR": str(cache), "UV_CACHE_DIR": str(uv_cache)}, cwd=REPO)
            shutil.rmtree(out)
            return seconds

        def baseline(uv_cache: Path) -> float:
            target, out = work / f"uv-{next(counter)}", work / f"uv-{next(counter)}.zip"
            started = time.perf_counter()
            run([uv, "pip", "install", "--quiet", "--no-deps", "--only-binary", ":all:", "--python-platform",
                 "x86_64-manylinux2014", "--python-version", "3.12", "--target", str(target), "-r", str(pins)],
                {"UV_CACHE_DIR": str(uv_cache)})
            zip_tree(target, out)
            seconds = time.perf_counter() - started
            shutil.rmtree(target)
            out.unlink()
            return seconds

        def fresh(name: str) -> Path:
            path = work / f"{name}-{next(counter)}"
            path.mkdir()
            return path

        def cold_ours() -> float:
            cache, uv_cache = fresh("cache"), fresh("uvcache")
            seconds = ours(cache, uv_cache)
            shutil.rmtree(cache), shutil.rmtree(uv_cache)
            return seconds

        def cold_uv() -> float:
            uv_cache = fresh("uvcache")
            seconds = baseline(uv_cache)
            shutil.rmtree(uv_cache)
            return seconds

        cold = alternate_samples(options.cold_rounds, uv=cold_uv, ours=cold_ours)
        warm_cache, warm_uv_cache, baseline_cache = fresh("cache"), fresh("uvcache"), fresh("uvcache")
        ours(warm_cache, warm_uv_cache), baseline(baseline_cache)  # fill the caches
        warm = alternate_samples(options.warm_rounds, uv=lambda: baseline(baseline_cache),
                                 ours=lambda: ours(warm_cache, warm_uv_cache))
    zipper = "zip -qr" if shutil.which("zip") else "zipfile"
    print(f"Lambda build vs uv pip install --target + {zipper}; load average {os.getloadavg()[0]:.1f}")
    for label, samples, goal in (("cold (empty caches)", cold, 1.5), ("warm (fresh output)", warm, 1.0)):
        ratios = sorted(o / u for o, u in zip(samples["ours"], samples["uv"], strict=True))
        median = sorted(samples["ours"])[len(ratios) // 2] / sorted(samples["uv"])[len(ratios) // 2]
        print(f"  {label}, {len(ratios)} rounds:")
        print(f"    uv + zip:      {describe(samples['uv'])}")
        print(f"    shopbot build: {describe(samples['ours'])}")
        print(f"    ratio: {median:.2f}x (per-round {ratios[0]:.2f}-{ratios[-1]:.2f}x; goal <= {goal}x)")


if __name__ == "__main__":
    main()
