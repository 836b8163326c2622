"""The README's first command: `shopbot demo` runs the whole migration end to end."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.support import PYTHON, clean_env

SHOPBOT = [PYTHON, "-c", "from shopbot_cli.main import run; run()"]


def processes_mentioning(text: str) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline and int(pid) != os.getpid():
            found.append(f"{pid}: {cmdline[:200]}")
    return found


def test_demo_migrates_to_lambda_and_back_and_leaves_nothing_running(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    earlier = workdir / "shadow" / "earlier-run.jsonl"  # a previous demo's pairs must not be judged again
    earlier.parent.mkdir(parents=True)
    earlier.write_text('{"kind": "pair"}\n')
    result = subprocess.run(
        [*SHOPBOT, "demo", "--json", "--workdir", str(workdir)],
        capture_output=True, text=True, timeout=900, env=clean_env(), stdin=subprocess.DEVNULL, check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    summary = json.loads(result.stdout)

    assert summary["parity_passed"] is True
    assert summary["shadow_passed"] is True  # issue 15: live pairs, ECS shadowing to Lambda, judged by parity
    assert summary["shadow_verdict"] == "passed" and not earlier.exists()
    assert {"shadow-start", "shadow-report", "shadow-stop"} <= set(summary["steps"])
    assert (summary["edge"]["before"], summary["edge"]["after_cutover"], summary["edge"]["after_rollback"]) == (
        "ecs", "lambda", "ecs")
    assert summary["steps"]["build"] in (0, 7)  # 7: no Python 3.12 here to verify the package with
    assert all(code == 0 for name, code in summary["steps"].items() if name != "build"), summary["steps"]
    assert Path(summary["reports"]["html"]).is_file()
    report = json.loads(Path(summary["reports"]["json"]).read_text())
    assert report["passed"] is True
    assert "nothing to roll back" in result.stderr  # the second rollback is a no-op
    assert {"invoke", "logs", "logs-summary"} <= set(summary["steps"])  # issue 17: day-2 commands shown
    assert "context: ok" in result.stderr and "search: ok" in result.stderr  # `invoke -- flask check-ready`
    assert "REPORT RequestId:" in result.stderr and "cold starts" in result.stderr  # `logs`, `logs --summary`

    for pid in summary["pids"]:
        assert not Path(f"/proc/{pid}").exists(), f"demo left process {pid} running"
    assert processes_mentioning(str(workdir)) == []
