"""Replay client CPU per HTTP request: the parity replay engine vs a bare aiohttp loop of the same shape
against the same two local servers, in the same run (goal <= 1.2x, issue #20).

    .venv/bin/python bench/replay_cpu.py [--rounds 5 --requests 2000] [--base GIT_REF] [--no-pin]

Both clients send every corpus entry four times at once (P1, C1, P2, C2), 16 workers and at most 16
connections per side (the replay's default concurrency; its slots then keep 8 entries in flight), to two
aiohttp servers, each in its own process. The figure is the
client process's CPU time (`time.process_time()`, user + system) divided by the HTTP requests sent,
not wall time, so the servers' work and the machine's load weigh little. The replay side is what
`shopbot parity-check` runs per request: reading and validating the JSONL corpus, routing each entry,
session rewriting, the four sends, comparing, the noise statistics and the results JSONL line
(the once-per-run route table and report files are left out: they do not grow with the corpus).
The bare side reads the same bodies and does nothing else. Every measurement runs in a fresh process,
as one `parity-check` is one process (no cache warmed by an earlier round). `--base REF` also runs
the engine of an older commit (its `cli/` exported and put first on PYTHONPATH), for before/after.

The servers run on one CPU and the measured client on the other, as remote targets would be: on
two shared cores the servers' preemptions and cache traffic land in the client's CPU time. An A/A run
(the same engine as two sides) measured 106-151 us per request there, the two medians 12 us apart;
pinned, 99-116 us and 0.6 us apart. `--no-pin` shares the cores as before.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench._common import alternate_samples, describe  # noqa: E402
from tests.support import free_port, stop, wait_for_http  # noqa: E402

CONCURRENCY = 16  # workers and connections per side, as `parity-check --concurrency` defaults

# A small JSON service: answers like shopbot's (a chat session id echoed back, a product list).
SERVER = textwrap.dedent("""
    import json, sys
    from aiohttp import web

    PRODUCTS = [{"id": f"sku-{i}", "name": f"Trail shoe {i}", "price": 79.5 + i, "tags": ["run", "trail"]}
                for i in range(4)]

    async def answer(request):
        path = request.path
        if path.startswith("/api/chat/"):
            data = {"session_id": path.rsplit("/", 1)[-1],
                    "messages": [{"role": "user", "text": "shoes?"}, {"role": "bot", "text": "Try these."}]}
        elif path.startswith("/api/products"):
            data = {"query": request.query.get("q", ""), "results": PRODUCTS, "total": len(PRODUCTS)}
        else:
            data = {"status": "ok", "version": "1.4.2"}
        return web.Response(body=json.dumps(data).encode(), content_type="application/json",
                            headers={"Cache-Control": "no-store"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
""")


def corpus_lines(count: int) -> list[dict[str, Any]]:
    """Health checks, product searches and chat histories (session ids rewritten per side)."""
    shapes = [
        lambda i: {"path": "/health"},
        lambda i: {"path": "/api/products/search", "query": {"q": f"shoe {i % 7}", "limit": 5},
                   "headers": {"Accept": "application/json"}},
        lambda i: {"path": f"/api/chat/{i:08x}-0000-4000-8000-00000000{i % 9999:04d}"},
    ]
    return [shapes[i % len(shapes)](i) for i in range(count)]


def bare(ports: list[int], corpus: list[dict[str, Any]]) -> float:
    """CPU per HTTP request of plain aiohttp: same URLs, four at once per entry, 16 workers."""
    import aiohttp
    from yarl import URL

    targets = []
    for item in corpus:
        query = "&".join(f"{k}={v}".replace(" ", "+") for k, v in item.get("query", {}).items())
        targets.append((item["path"] + (f"?{query}" if query else ""), list(item.get("headers", {}).items())))

    async def run() -> None:
        sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY),
                                          auto_decompress=False) for _ in ports]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        pending = iter(targets)

        async def one(side: int, target: str, headers: list[tuple[str, str]]) -> bytes:
            async with sessions[side].get(URL(bases[side] + target, encoded=True), headers=headers,
                                          allow_redirects=False) as reply:
                return await reply.read()

        async def worker() -> None:
            for target, headers in pending:
                await asyncio.gather(*(one(side, target, headers) for side in (0, 1, 0, 1)))

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        for session in sessions:
            await session.close()

    cpu = time.process_time()
    asyncio.run(run())
    return (time.process_time() - cpu) / (len(corpus) * 4)


def engine(ports: list[int], corpus: Path, table: Any, out: Path) -> float:
    """CPU per HTTP request of the replay engine `parity-check` runs (corpus read to results JSONL)."""
    from shopbot_cli.parity.corpus import iter_corpora, validate_corpora
    from shopbot_cli.parity.runner import RunOptions, replay

    cpu = time.process_time()
    loaded = validate_corpora([corpus], table)
    options = RunOptions(f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}", CONCURRENCY,
                         timeout=300.0, warmup=0)  # generous: a paused process must not turn into errors
    result = replay(iter_corpora([corpus], table, loaded), options, out)
    spent = time.process_time() - cpu
    errors = {route: state.errors for route, state in result.routes.items() if state.errors}
    assert result.requests == loaded.count and not errors, errors
    return spent / result.sent


def one(kind: str, ports: list[int], corpus: Path, out: Path) -> None:
    """One measurement in this (fresh) process, as one `parity-check` run is: print CPU s per request."""
    if kind == "bare":
        items = [json.loads(line) for line in corpus.read_text().splitlines()]
        print(bare(ports, items))
        return
    from shopbot_cli.parity.routes import service_route_table

    table, note = service_route_table()  # once per run, outside the timed part
    assert table is not None, note
    print(engine(ports, corpus, table, out))


def measured(kind: str, ports: list[int], corpus: Path, out: Path, cpus: set[int] | None,
             pythonpath: str | None = None) -> float:
    env = {**os.environ, "PYTHONPATH": pythonpath} if pythonpath else None
    result = subprocess.run([sys.executable, __file__, "--one", kind, "--ports", ",".join(map(str, ports)),
                             "--corpus", str(corpus), "--out", str(out)],
                            env=env, check=True, capture_output=True, text=True, preexec_fn=pinned(cpus))
    return float(result.stdout.split()[-1])


def pinned(cpus: set[int] | None) -> Any:
    """A preexec_fn that keeps the child (and its children) on `cpus` (None: anywhere)."""
    return None if cpus is None else lambda: os.sched_setaffinity(0, cpus)


def export(ref: str, where: Path) -> str:
    """The CLI package as of git `ref`, importable as shopbot_cli from a PYTHONPATH entry."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "cli"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    (where / "cli").rename(where / "shopbot_cli")
    return str(where)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000, help="corpus entries (x4 HTTP requests)")
    parser.add_argument("--base", help="also run the engine of this git ref (before/after in the same run)")
    parser.add_argument("--no-pin", action="store_true", help="servers and client share every CPU")
    parser.add_argument("--one", choices=("bare", "engine"), help=argparse.SUPPRESS)
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one, [int(p) for p in args.ports.split(",")], args.corpus, args.out)
        return
    cpus = sorted(os.sched_getaffinity(0))
    if not args.no_pin and len(cpus) < 2:
        sys.exit("pinning needs 2 CPUs: run with --no-pin")
    servers_cpu, client_cpu = (None, None) if args.no_pin else ({cpus[0]}, {cpus[1]})
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        items = corpus_lines(args.requests)
        corpus = Path(tmp, "corpus.jsonl")
        corpus.write_text("".join(json.dumps(item) + "\n" for item in items))
        ports = [free_port(), free_port()]
        servers = [subprocess.Popen([sys.executable, "-c", SERVER, str(port)], preexec_fn=pinned(servers_cpu))
                   for port in ports]
        sides = {"bare": lambda: measured("bare", ports, corpus, Path(tmp, "bare"), client_cpu),
                 "engine": lambda: measured("engine", ports, corpus, Path(tmp, "results.jsonl"), client_cpu)}
        if args.base:
            base = export(args.base, Path(tempfile.mkdtemp(dir=tmp)))
            sides["base"] = lambda: measured("engine", ports, corpus, Path(tmp, "base.jsonl"), client_cpu, base)
        try:
            for port, server in zip(ports, servers, strict=True):
                wait_for_http(f"http://127.0.0.1:{port}/health", process=server, timeout=120)
            bare(ports, items[:200])  # warm both servers
            samples = alternate_samples(args.rounds, **sides)
        finally:
            for server in servers:
                stop(server)
    print(f"replay client CPU per HTTP request, {args.requests} corpus entries x 4 sends, {args.rounds} interleaved "
          f"rounds, each run in a fresh process (median, range); load average {load_before:.1f} -> "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          + ("servers and client share the cores" if args.no_pin else
             f"servers on CPU {cpus[0]}, client on CPU {cpus[1]}"))
    for name, values in samples.items():
        label = f"engine at {args.base}" if name == "base" else name
        print(f"  {label:18s} {describe(values, 1e6, 'us')}")
    for name in [n for n in samples if n != "bare"]:
        ratios = sorted(e / b for e, b in zip(samples[name], samples["bare"], strict=True))
        median = statistics.median(samples[name]) / statistics.median(samples["bare"])
        label = f"engine at {args.base}" if name == "base" else name
        print(f"  ratio {label} / bare: {median:.2f}x (per-round {ratios[0]:.2f}-{ratios[-1]:.2f}x; goal <= 1.2x)")


if __name__ == "__main__":
    main()
