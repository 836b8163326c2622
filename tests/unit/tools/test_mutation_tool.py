"""tools/mutation.py's choices: which tests reach a module, which sites get a mutant, in what order."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_tool", ROOT / "tools" / "mutation.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


def test_a_module_file_maps_to_the_name_the_tests_import() -> None:
    assert tool.import_name(Path("cli/parity/noise.py")) == "shopbot_cli.parity.noise"
    assert tool.import_name(Path("cli/cutover/__init__.py")) == "shopbot_cli.cutover"
    assert tool.import_name(Path("shopbot/secrets.py")) == "shopbot.secrets"
    with pytest.raises(tool.UsageError, match="not under cli or shopbot/"):
        tool.import_name(Path("tools/mutation.py"))


def test_the_tests_that_import_the_module_are_found_fast_ones_first(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    files = {
        "integration/cutover/test_flow.py": "from shopbot_cli.cutover.ledger import Ledger\n",
        "unit/cutover/test_a.py": "from shopbot_cli.cutover import (\n    planning,\n    ledger,\n)\n",
        "unit/cutover/test_b.py": "import shopbot_cli.cutover.ledger as l\n",
        "unit/cutover/test_c.py": "from shopbot_cli.cutover import ledger_extra, planning\n",
        "unit/cutover/test_d.py": "from shopbot_cli.cutover.ledgers import x\n",
        "integration/lease/conftest.py": "from shopbot_cli.cutover import ledger\n",
        "integration/lease/test_lease.py": "from shopbot_cli.cutover import ledger\n",
        "e2e/test_demo.py": "from shopbot_cli.cutover.ledger import Ledger\n",
    }
    for name, text in files.items():
        (tests / name).parent.mkdir(parents=True, exist_ok=True)
        (tests / name).write_text(text)
    found = [p.relative_to(tmp_path).as_posix() for p in tool.tests_importing("shopbot_cli.cutover.ledger", tests)]
    assert found == [
        "tests/unit/cutover/test_a.py",
        "tests/unit/cutover/test_b.py",
        "tests/integration/cutover/test_flow.py",
        "tests/integration/lease",   # a conftest imports it: every test of that folder uses it
        "tests/e2e/test_demo.py",
    ]


def test_sites_are_sampled_evenly_through_the_file() -> None:
    sites = list(range(113))
    sample = tool.spread(sites, 60)
    assert len(sample) == len(set(sample)) == 60 and sample == sorted(sample)
    assert sample[0] <= 1 and sample[-1] >= 111
    gaps = {b - a for a, b in itertools.pairwise(sample)}
    assert gaps <= {1, 2}
    assert tool.spread(sites, None) == sites and tool.spread(sites[:10], 60) == sites[:10]


def test_annotations_are_skipped_only_where_they_never_run() -> None:
    source = "from __future__ import annotations\n\ndef f(x: int | None) -> str | None:\n    return x | 1\n"
    spans = tool.unevaluated_annotations(source)
    assert ((3, 9), (3, 19)) in spans and ((3, 24), (3, 34)) in spans
    assert not any(start <= (4, 11) <= end for start, end in spans), "the body's `|` runs: it keeps its mutant"
    assert tool.unevaluated_annotations(source.split("\n", 2)[2]) == [], "evaluated annotations keep mutants"
