"""Mutation testing of ONE module with cosmic-ray: do the tests that reach it notice a bug?

cosmic-ray (the `mutation` extra: `.venv/bin/pip install -e '.[mutation]'`) plants one small bug
(a mutant: `<` for `<=`, `and` for `or`, `True` for `False`, ...) at a time in the module's file,
runs only the tests that reach the module, and counts the mutant killed when they fail (or time
out) and survived when they pass. A survivor is a bug no test would notice.

    .venv/bin/python tools/mutation.py cli/parity/noise.py
    .venv/bin/python tools/mutation.py cli/parity/noise.py --tests tests/unit/parity --sample 60 --min-score 85
    .venv/bin/python tools/mutation.py cli/cutover/ledger.py --all          # every site, not a sample

One mutant per site (a site is one place in the source an operator can change; when several
operators apply there, one is picked with a fixed seed), up to `--sample` sites (default 60)
taken evenly through the file. Sites inside annotations are skipped when the module has
`from __future__ import annotations` (never evaluated, so every such mutant would survive).

Tests: the paths given with `--tests`, or else every test file
under tests/ that imports the module (`shopbot_cli.parity.noise`, `from shopbot_cli.parity
import noise`). They run as `pytest -x -q -p no:cacheprovider`, sequentially (the machine has
two cores), with a timeout per mutant of 3x the clean run (at least 15 s).

Score = killed / (killed + survived); incompetent mutants (the test command could not start) are
reported apart. Exit 0 when the score is at least `--min-score` (default 85), 1 below it, 2 when
it cannot run (no such module, no tests found, tests failing before any mutation, cosmic-ray not
installed). The module's file is restored after every mutant, and checked byte for byte at the end.
Not run in CI: it takes minutes per module.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import re
import shlex
import signal
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = {"cli": "shopbot_cli", "shopbot": "shopbot"}  # folder -> import name (pyproject package-dir)
PYTEST_FLAGS = "-x -q -p no:cacheprovider"
MIN_TIMEOUT_S = 15.0
TEST_ORDER = ("tests/unit", "tests/integration", "tests/e2e")  # fast first: with -x the first failure ends the run
# The original source, kept outside the repository while a mutant is on disk: a run killed hard
# (SIGKILL, power) leaves it here and the next run puts it back before anything else.
BACKUPS = Path(os.environ.get("SHOPBOT_CACHE_DIR", Path.home() / ".cache" / "shopbot")) / "mutation-backup"


class UsageError(Exception):
    """Something the user can fix; printed as one `error:` line, exit 2."""


@dataclass(frozen=True)
class Outcome:
    """What one mutant did to the tests."""

    line: int
    operator: str
    verdict: str  # killed | survived | incompetent
    diff: str
    seconds: float


def import_name(module: Path) -> str:
    """cli/parity/noise.py -> shopbot_cli.parity.noise (how the tests import it)."""
    parts = list(module.with_suffix("").parts)
    if not parts or parts[0] not in PACKAGE_DIRS:
        raise UsageError(f"{module} is not under {' or '.join(PACKAGE_DIRS)}/: name a module of the project")
    parts[0] = PACKAGE_DIRS[parts[0]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def tests_importing(dotted: str, tests_root: Path) -> list[Path]:
    """Test files that import `dotted` directly (`import a.b.c`, `from a.b.c import x`, `from a.b import c`);
    for a conftest.py that does, the folder it serves."""
    package, _, leaf = dotted.rpartition(".")
    direct = re.compile(rf"^\s*(from|import)\s+{re.escape(dotted)}\b", re.MULTILINE)
    from_package = re.compile(rf"^\s*from\s+{re.escape(package)}\s+import\s+\(?([^)\n]*(?:\n[^)]*)?)", re.MULTILINE)
    found = []
    for path in sorted(tests_root.rglob("*.py"), key=lambda p: speed_order(p.relative_to(tests_root.parent))):
        text = path.read_text(encoding="utf-8", errors="replace")
        if direct.search(text) or any(
            leaf in re.split(r"[\s,()]+", m.group(1)) for m in from_package.finditer(text)
        ):
            found.append(path.parent if path.name == "conftest.py" else path)  # a fixture: its folder's tests
    folders = [f for f in found if f.is_dir()]
    return [f for i, f in enumerate(found)
            if f not in found[:i] and not any(f != d and d in f.parents for d in folders)]


def speed_order(path: Path) -> tuple[int, str]:
    """tests/unit before tests/integration before tests/e2e (path relative to the repository)."""
    text = path.as_posix()
    rank = next((i for i, prefix in enumerate(TEST_ORDER) if text.startswith(prefix + "/")), len(TEST_ORDER))
    return rank, text


def backup_of(module: Path) -> Path:
    return BACKUPS / str(ROOT).strip("/").replace("/", "_") / module  # one folder per checkout


def restore_leftover(module: Path) -> None:
    """Put back the original a hard-killed earlier run left behind."""
    backup = backup_of(module)
    if backup.is_file():
        (ROOT / module).write_bytes(backup.read_bytes())
        backup.unlink()
        print(f"warning: an earlier run was killed while {module} was mutated; restored it from {backup}",
              file=sys.stderr)


def stop_test_runs() -> None:
    """Kill the test run in flight (cosmic-ray starts it in its own process group, which an
    interrupt of this process does not reach)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            pid, parent, group = int(stat.parent.name), int(fields[1]), int(fields[2])
            if parent != os.getpid():
                continue
            if group == os.getpgrp():  # the clean run shares our group: end just that process
                os.kill(pid, signal.SIGKILL)
            else:
                os.killpg(group, signal.SIGKILL)
        except (OSError, IndexError, ValueError):
            continue


def terminate(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # unwinds through the restores below


Span = tuple[tuple[int, int], tuple[int, int]]


def unevaluated_annotations(source: str) -> list[Span]:
    """Where the annotations are, when `from __future__ import annotations` means they never run:
    a mutant there (`str | None` -> `str - None`) changes nothing and would only pad the survivors."""
    tree = ast.parse(source)
    if not any(isinstance(node, ast.ImportFrom) and node.module == "__future__"
               and any(alias.name == "annotations" for alias in node.names) for node in tree.body):
        return []
    spans = []
    for node in ast.walk(tree):
        annotation = None
        if isinstance(node, ast.arg | ast.AnnAssign):
            annotation = node.annotation
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            annotation = node.returns
        if annotation is not None and annotation.end_lineno is not None and annotation.end_col_offset is not None:
            spans.append(((annotation.lineno, annotation.col_offset),
                          (annotation.end_lineno, annotation.end_col_offset)))
    return spans


def mutation_sites(module: Path, seed: int) -> tuple[list[Any], int]:
    """One cosmic-ray mutation per site, sorted by position in the file; and how many sites were
    skipped because they lie in annotations that are never evaluated."""
    from cosmic_ray.commands.init import _all_work_items  # the same enumeration `cosmic-ray init` does

    skip = unevaluated_annotations(module.read_text(encoding="utf-8"))
    by_site: dict[Span, list[Any]] = defaultdict(list)
    skipped: set[Span] = set()
    for item in _all_work_items([module], {}):
        spec = item.mutations[0]
        site = (tuple(spec.start_pos), tuple(spec.end_pos))
        if any(start <= site[0] and site[1] <= end for start, end in skip):
            skipped.add(site)
            continue
        by_site[site].append(spec)
    chooser = random.Random(seed)
    chosen = [
        chooser.choice(sorted(specs, key=lambda s: (s.operator_name, s.occurrence)))
        for _, specs in sorted(by_site.items())
    ]
    return chosen, len(skipped)


def spread(items: list[Any], count: int | None) -> list[Any]:
    """`count` items taken evenly through `items` (all of them when count is None or larger)."""
    if count is None or count >= len(items):
        return items
    return [items[int((i + 0.5) * len(items) / count)] for i in range(count)]


def run_clean(command: str) -> float:
    """Run the tests unmutated; they must pass, or every mutant would look killed."""
    started = time.monotonic()
    proc = subprocess.run(shlex.split(command), cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise UsageError(f"the tests fail before any mutation (exit {proc.returncode}); fix them first:\n{tail}")
    return time.monotonic() - started


def run_mutant(spec: Any, command: str, timeout: float) -> Outcome:
    from cosmic_ray.mutating import mutate_and_test
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    started = time.monotonic()
    result = mutate_and_test(mutations=[spec], test_command=command, timeout=timeout)
    seconds = time.monotonic() - started
    if result.worker_outcome == WorkerOutcome.NORMAL and result.test_outcome == TestOutcome.SURVIVED:
        verdict = "survived"
    elif result.worker_outcome == WorkerOutcome.NORMAL and result.test_outcome == TestOutcome.KILLED:
        verdict = "killed"
    else:
        verdict = "incompetent"
    return Outcome(spec.start_pos[0], spec.operator_name, verdict, result.diff or result.output or "", seconds)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", type=Path, help="the module's file, e.g. cli/parity/noise.py")
    parser.add_argument("--tests", nargs="+", type=Path,
                        help="test files, folders or node ids (default: those importing it)")
    parser.add_argument("--sample", type=int, default=60, help="at most this many sites, taken evenly (default 60)")
    parser.add_argument("--all", action="store_true", help="every site, no sampling")
    parser.add_argument("--min-score", type=float, default=85.0, help="exit 1 below this percentage (default 85)")
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default: 3x the clean run, at least 15)")
    parser.add_argument("--seed", type=int, default=0, help="which operator is picked where several apply")
    parser.add_argument("--json", type=Path, help="also write the result as JSON to this file")
    args = parser.parse_args(argv)
    if args.sample < 1:
        parser.error("--sample must be at least 1")
    return args


def relative(path: Path) -> Path:
    full = (ROOT / path).resolve() if not path.is_absolute() else path.resolve()
    try:
        return full.relative_to(ROOT)
    except ValueError as exc:
        raise UsageError(f"{path} is outside the repository {ROOT}") from exc


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        import cosmic_ray  # noqa: F401
    except ImportError:
        raise UsageError("cosmic-ray is not installed: run .venv/bin/pip install -e '.[mutation]'") from None
    module = relative(args.module)
    if module.suffix != ".py" or not (ROOT / module).is_file():
        raise UsageError(f"{args.module} is not a Python file in the repository")
    dotted = import_name(module)
    restore_leftover(module)
    tests = [relative(t) for t in args.tests] if args.tests else [
        relative(t) for t in tests_importing(dotted, ROOT / "tests")]
    if not tests:
        raise UsageError(f"no test under tests/ imports {dotted}: name them with --tests")
    missing = [t for t in tests if not (ROOT / str(t).split("::")[0]).exists()]  # a path or a node id
    if missing:
        raise UsageError(f"no such test path: {', '.join(map(str, missing))}")

    os.chdir(ROOT)  # cosmic-ray mutates the path as given and runs the command here
    command = f"{shlex.quote(sys.executable)} -m pytest {PYTEST_FLAGS} " + " ".join(shlex.quote(str(t)) for t in tests)
    original = (ROOT / module).read_bytes()
    sites, in_annotations = mutation_sites(module, args.seed)
    chosen = spread(sites, None if args.all else args.sample)
    print(f"{module} ({dotted}): {len(sites)} sites, mutating {len(chosen)}"
          + (f" ({in_annotations} more in annotations never evaluated: skipped)" if in_annotations else ""))
    print(f"tests: {' '.join(map(str, tests))}")
    clean = run_clean(command)
    timeout = args.timeout or max(MIN_TIMEOUT_S, 3 * clean)
    print(f"clean run {clean:.1f} s; timeout per mutant {timeout:.0f} s")

    outcomes: list[Outcome] = []
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    backup = backup_of(module)
    backup.parent.mkdir(parents=True, exist_ok=True)
    backup.write_bytes(original)
    interrupted = False
    try:
        for number, spec in enumerate(chosen, 1):
            outcome = run_mutant(spec, command, timeout)
            outcomes.append(outcome)
            print(f"  [{number:>3}/{len(chosen)}] {module}:{outcome.line} {outcome.operator}: "
                  f"{outcome.verdict} ({outcome.seconds:.1f} s)", flush=True)
    except KeyboardInterrupt:
        stop_test_runs()
        interrupted = True
    finally:
        if (ROOT / module).read_bytes() != original:  # cosmic-ray restores it; never leave a mutant behind
            (ROOT / module).write_bytes(original)
            print(f"warning: {module} was left mutated; restored it", file=sys.stderr)
        backup.unlink(missing_ok=True)
    if interrupted:  # what was judged so far is still worth seeing, marked as such
        report(module, outcomes, args, partial=f"PARTIAL: interrupted after {len(outcomes)} of {len(chosen)}")
        print(f"error: interrupted; {module} was restored", file=sys.stderr)
        return 130
    return report(module, outcomes, args)


def report(module: Path, outcomes: list[Outcome], args: argparse.Namespace, partial: str = "") -> int:
    counts = {v: sum(o.verdict == v for o in outcomes) for v in ("killed", "survived", "incompetent")}
    judged = counts["killed"] + counts["survived"]
    score = 100.0 * counts["killed"] / judged if judged else 0.0
    survivors = [o for o in outcomes if o.verdict == "survived"]
    for o in survivors:
        print(f"\nsurvived: {module}:{o.line} {o.operator}\n{o.diff.rstrip()}")
    for o in outcomes:
        if o.verdict == "incompetent":
            print(f"\nincompetent: {module}:{o.line} {o.operator}\n{o.diff.rstrip()[-2000:]}")
    print(f"\n{module}: {len(outcomes)} mutants, killed {counts['killed']}, survived {counts['survived']}, "
          f"incompetent {counts['incompetent']}: score {score:.0f}% (minimum {args.min_score:.0f}%)"
          + (f" [{partial}]" if partial else ""))
    if args.json:
        args.json.write_text(json.dumps({
            "module": str(module), "mutants": len(outcomes), **counts, "score": round(score, 1), "partial": partial,
            "survivors": [{"line": o.line, "operator": o.operator, "diff": o.diff} for o in survivors],
        }, indent=2) + "\n", encoding="utf-8")
    if not judged:
        print("error: no mutant could be judged", file=sys.stderr)
        return 2
    return 0 if score >= args.min_score else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        stop_test_runs()
        print("error: interrupted; the module's file was restored", file=sys.stderr)
        sys.exit(130)
