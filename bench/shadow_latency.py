"""Shopper latency with shadowing on vs off, at about half the ECS target's capacity.

One run: starts a candidate and three local ECS targets (real
gunicorn, `serve --target ecs`) that differ only in SHADOW_SAMPLE_RATE (off, 0.1, 1.0),
measures the capacity of the unshadowed one with wrk, then sends the same open-loop load
(fixed schedule, latency counted from the scheduled start) of about half that capacity to
each in turn, interleaved (after each shadowed side, until its worker has drained its
queue, so its backlog does not load the next side), and prints the median p50 and p99 over the rounds with the
on/off ratios (goals at 10%: p50 <= 1.05x, p99 <= 1.2x; 100% is reported, not a goal).
The budget is lifted (SHADOW_MAX_PER_MINUTE) so the sample rate is what is measured.

The candidate is by default a stub answering at once (`--candidate stub`): on AWS the
candidate runs on Lambda, not on the task's cores, so only the primary's own costs (the
second answer P2, the worker thread) belong in the shopper's latency. `--candidate lambda`
runs the local Lambda target instead, whose work then shares this machine's cores.
`--control` adds a second unshadowed target ("off again"): two identical processes differ by
a few % at p50 and ~10% at p99, and that ratio, printed beside the others, is the run's noise floor.
`--base REF` adds two more sides, 10% and 100% with the shadowing code (`shopbot/`) as of
git REF, in the same interleaved rounds: before/after under the same load.

`--pin` runs the ECS targets (gunicorn, its workers and their sender processes) on CPU 0 and
the candidate, this bench's client and wrk on CPU 1: on AWS the task's vCPUs hold only the
task, while shoppers and the Lambda candidate run elsewhere. Unpinned, the client and the stub
share the target's two cores, and their CPU shows up as shadowing's cost.

    .venv/bin/python bench/shadow_latency.py [--rounds 3 --seconds 8 --candidate stub|lambda] [--base REF]
        [--pin] [--control]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.support import clean_env, free_port, wait_for_port  # noqa: E402

PATH = "/api/products/search?q=waterproof+jacket"
KEY = "bench-shadow-signing-key-0123456789"
RATES = {"off": None, "10%": "0.1", "100%": "1"}


async def _closed_loop(url: str, seconds: float, connections: int = 16) -> float:
    import aiohttp

    done = 0
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                async with session.get(url + PATH) as answer:
                    await answer.read()
                done += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
    return done / seconds


def driven_capacity(url: str, seconds: float) -> float:
    """Requests/s at saturation as this bench's own (Python) client drives it: on 2 cores the
    client takes CPU the target then lacks, so half of wrk's figure would not be half load."""
    return asyncio.run(_closed_loop(url, seconds))


def capacity(url: str, seconds: int) -> float:
    """Requests/s at saturation (wrk, 2 threads, 16 connections)."""
    output = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", url + PATH],
                            capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert found, output
    return float(found.group(1))


async def _open_loop(url: str, rate: float, seconds: float) -> list[float]:
    """Latencies of a fixed schedule of `rate` requests/s, each counted from its scheduled start.

    Every request's task is made and parked first; the schedule starts only then. (Made on the
    fly with a start 50 ms ahead, the first few hundred milliseconds of each side went to creating
    thousands of tasks, and those late starts, the same with shadowing on or off, set the p99.)
    """
    import aiohttp

    latencies: list[float] = []
    errors = 0
    go = asyncio.Event()
    start = 0.0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:

        async def one(n: int) -> None:
            nonlocal errors
            await go.wait()
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            async with session.get(url + PATH) as answer:
                await answer.read()
                if answer.status != 200:
                    errors += 1
            latencies.append(time.perf_counter() - due)  # from the scheduled start: no coordinated omission

        tasks = [asyncio.create_task(one(n)) for n in range(int(rate * seconds))]
        await asyncio.sleep(0.05)  # every task reaches `go.wait()`
        start = time.perf_counter() + 0.25  # ample for all of them to wake and set their timers
        go.set()
        await asyncio.gather(*tasks)
    if errors:
        raise SystemExit(f"{errors} requests failed at {url}")
    return latencies


def percentiles(url: str, rate: float, seconds: float) -> tuple[float, float]:
    latencies = sorted(asyncio.run(_open_loop(url, rate, seconds)))
    return latencies[len(latencies) // 2], latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]


def shadow_counts(folder: Path) -> dict[str, int]:
    """The last counters each process wrote, summed, and which copies failed (P2 or C1/C2)."""
    from shopbot_cli.shadow.pairs import read_batches

    found = read_batches(str(folder), None) if folder.is_dir() else None  # a line being written is skipped
    last = found.stats.values() if found else []
    counts = {name: sum(int(entry.get(name, 0)) for entry in last)
              for name in ("sampled", "pairs", "dropped_budget", "dropped_queue_full", "timeouts", "errors")}
    for pair in found.pairs if found else []:
        for tag, answer in pair["answers"].items():
            if answer.get("error"):
                counts[f"failed {tag}"] = counts.get(f"failed {tag}", 0) + 1
    return counts


def drained(folder: Path, timeout: float = 60.0) -> None:
    """Wait until the side's shadow worker has handled every sampled request: a backlog left
    draining would load the machine while the next side is measured."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = shadow_counts(folder)
        if counts["sampled"] <= counts["pairs"] + counts["dropped_budget"] + counts["dropped_queue_full"]:
            return
        time.sleep(0.5)
    print(f"  (the shadow worker writing to {folder.name} had not drained after {timeout:g} s)")


def export(ref: str, where: Path) -> str:
    """The service package (and its gunicorn config) as of git `ref`, shopbot importable from `where`."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "shopbot", "deploy"], check=True,
                             capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    return str(where)


def stub_candidate() -> Any:
    """A server that answers every request at once with a small JSON body (bench/parity_memory.py's)."""
    from shopbot_cli.emulator.targets import RunningTarget

    from bench.parity_memory import SERVER

    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], start_new_session=True)
    wait_for_port(port, process=process)
    return RunningTarget("stub", f"http://127.0.0.1:{port}", process)


def folder(side: str) -> str:
    return side.replace("%", "").replace("@", "-")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--candidate", choices=("stub", "lambda"), default="stub")
    parser.add_argument("--base", help="also run 10%% and 100%% with shopbot/ as of this git ref (same rounds)")
    parser.add_argument("--pin", action="store_true", help="targets on one CPU; candidate, client and wrk on another")
    parser.add_argument("--control", action="store_true",
                        help="also measure a second unshadowed target: its ratio is this run's noise floor")
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    if args.pin and len(cpus) < 2:
        sys.exit("--pin needs 2 CPUs")

    def pin(side: int) -> None:  # 0: the targets' CPU, 1: everything else's; children inherit it
        if args.pin:
            os.sched_setaffinity(0, {cpus[side]})

    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    from shopbot_cli.emulator.targets import RunningTarget, start_target

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        started: list[RunningTarget] = []
        try:
            pin(1)
            if args.candidate == "lambda":
                candidate = start_target("lambda", free_port(), clean_env(SHADOW_SIGNING_KEY=KEY, LOG_LEVEL="warning"),
                                         args=["--concurrency", "2"], output=subprocess.DEVNULL)
            else:
                candidate = stub_candidate()
            started.append(candidate)
            pin(0)
            urls: dict[str, str] = {}
            sides: dict[str, tuple[str | None, str | None]] = {name: (rate, None) for name, rate in RATES.items()}
            if args.base:
                base = export(args.base, Path(tempfile.mkdtemp(dir=tmp)))
                sides = {"off": sides["off"], "10%": sides["10%"], "10%@base": ("0.1", base),
                         "100%": sides["100%"], "100%@base": ("1", base)}
            if args.control:
                sides["off again"] = (None, None)
            for name, (sample_rate, pythonpath) in sides.items():
                env = {"SHADOW_SIGNING_KEY": KEY, "LOG_LEVEL": "warning", "GUNICORN_ACCESSLOG": "",
                       "PYTHONHASHSEED": "0"}  # the same dict and set layouts in every target: less bias between them
                if pythonpath:  # neither `-m`'s nor gunicorn's working folder (this repo) first on sys.path
                    env |= {"PYTHONPATH": pythonpath, "PYTHONSAFEPATH": "1",
                            "GUNICORN_CMD_ARGS": f"--chdir {pythonpath}"}
                if sample_rate is not None:
                    env |= {"SHADOW_TARGET_URL": candidate.url, "SHADOW_SAMPLE_RATE": sample_rate,
                            "SHADOW_MAX_PER_MINUTE": "1000000", "SHADOW_BATCH_SECONDS": "1",
                            "SHADOW_SINK": f"file://{tmp}/{folder(name)}"}
                ecs = start_target("ecs", free_port(), clean_env(**env), output=subprocess.DEVNULL)
                started.append(ecs)
                urls[name] = ecs.url
            pin(1)
            for url in [candidate.url, *urls.values()]:  # build each one's search index before timing
                for _ in range(20):
                    requests.get(url + PATH, timeout=30).raise_for_status()
            capacity(urls["off"], 3)  # warm up
            full, driven = capacity(urls["off"], 5), driven_capacity(urls["off"], 5)
            rate = driven / 2
            print(f"ECS target capacity (GET {PATH}): {full:.0f} req/s with wrk, {driven:.0f} req/s with this "
                  f"bench's client; steady load {rate:.0f} req/s (half the latter), {args.seconds:g} s per side, "
                  f"{args.rounds} interleaved rounds")
            sinks = {name: Path(tmp, folder(name)) for name in urls if sides[name][0] is not None}
            for name, url in urls.items():  # warm each side at the same rate, unmeasured
                percentiles(url, rate, 1.0)
                if name in sinks:
                    drained(sinks[name])
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in urls}
            for _ in range(args.rounds):  # interleaved: noise hits every side alike
                for name, url in urls.items():
                    samples[name].append(percentiles(url, rate, args.seconds))
                    if name in sinks:
                        drained(sinks[name])
        finally:
            for running in started:
                running.stop()
        p50 = {name: statistics.median(s[0] for s in values) for name, values in samples.items()}
        p99 = {name: statistics.median(s[1] for s in values) for name, values in samples.items()}
        for name in urls:
            line = f"  {name:>9}: p50 {p50[name] * 1000:6.2f} ms  p99 {p99[name] * 1000:7.2f} ms"
            if name != "off":
                line += f"  ratio p50 {p50[name] / p50['off']:.2f}x p99 {p99[name] / p99['off']:.2f}x"
            if name in sinks:
                counts = shadow_counts(sinks[name])
                line += (f"  (sampled {counts['sampled']}, pairs {counts['pairs']}, dropped (queue full) "
                         f"{counts['dropped_queue_full']}, timeouts {counts['timeouts']}, errors {counts['errors']}"
                         + "".join(f", {k} {v}" for k, v in counts.items() if k.startswith("failed")) + ")")
            print(line)
    if args.base:
        print(f"@base: shopbot/ as of {args.base}")
    print((f"pinned: targets on CPU {cpus[0]}; candidate, client and wrk on CPU {cpus[1]}. " if args.pin else "")
          + "goals at 10%: p50 <= 1.05x, p99 <= 1.2x; 100% reported, not a goal. "
          f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 CPUs)")


if __name__ == "__main__":
    main()
