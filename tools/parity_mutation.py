"""Mutation score of one module with cosmic-ray 8.7: one mutant per site, up to 60 sites sampled evenly.

    .venv/bin/pip install cosmic-ray==8.7.*
    .venv/bin/python tools/parity_mutation.py cli/parity/noise.py tests/unit/parity/test_noise.py \
        tests/unit/parity/test_latency_and_reports.py
    .venv/bin/python tools/parity_mutation.py cli/parity/compare.py tests/unit/parity/test_compare.py \
        tests/unit/parity/test_noise.py

The repository is copied to a temporary folder (cosmic-ray edits the module on disk) with a
`shopbot_cli` link in front of the installed package, so the working tree is never touched.
Prints killed / survived / score and the diff of every survivor. Issue #13/#22 helper; when the
general `tools/mutation.py` (issue #22) lands, prefer it.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("module")
    parser.add_argument("tests", nargs="+")
    parser.add_argument("--sites", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parity-mutation-") as folder:
        root = Path(folder)
        files = subprocess.run(["git", "-C", str(REPO), "ls-files"], capture_output=True, text=True,
                               check=True).stdout.split()
        for name in files:
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target)
        (root / "shopbot_cli").symlink_to("cli")
        config, session = root / "mutation.toml", root / "mutation.sqlite"
        config.write_text(f'''[cosmic-ray]
module-path = "{args.module}"
timeout = 120.0
excluded-modules = []
test-command = "env PYTHONPATH={root} {sys.executable} -m pytest -q -x -p no:cacheprovider {' '.join(args.tests)}"

[cosmic-ray.distributor]
name = "local"
''')
        subprocess.run([str(BIN / "cosmic-ray"), "init", str(config), str(session)], cwd=root, check=True)
        sample(session, args.sites)
        subprocess.run([str(BIN / "cosmic-ray"), "exec", str(config), str(session)], cwd=root, check=True)
        report(session, args.module)


def sample(session: Path, limit: int) -> None:
    """Keep one mutant (chosen with a fixed seed) per site, at up to `limit` sites spread over the module."""
    with use_db(str(session), WorkDB.Mode.open) as db:
        items = list(db.work_items)
        sites: dict[tuple[str, tuple[int, int]], list[object]] = {}
        for item in items:
            mutation = item.mutations[0]
            sites.setdefault((str(mutation.module_path), tuple(mutation.start_pos)), []).append(item)
        rng = random.Random(13)
        ordered = sorted(sites)
        step = max(1.0, len(ordered) / limit)
        keep = {rng.choice(sites[ordered[int(i * step)]]).job_id  # type: ignore[attr-defined]
                for i in range(min(limit, len(ordered)))}
        for item in items:
            if item.job_id not in keep:
                db.set_result(item.job_id, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
        print(f"{len(items)} mutants at {len(sites)} sites; testing {len(keep)}")


def report(session: Path, module: str) -> None:
    killed = survived = 0
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            if result.test_outcome == TestOutcome.SURVIVED:
                survived += 1
                mutation = item.mutations[0]
                print(f"SURVIVED {mutation.operator_name} at line {mutation.start_pos[0]}:\n{result.diff}")
            else:
                killed += 1
    print(f"{module}: {killed} killed, {survived} survived, score {killed / max(1, killed + survived):.0%}")


if __name__ == "__main__":
    main()
