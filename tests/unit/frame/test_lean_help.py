"""`shopbot --help` leaves out what Typer's help module imports but shopbot never shows (#20)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from shopbot_cli.main import run
sys.argv = ["shopbot", "--help"]
try:
    run()
except SystemExit:
    pass
print("LOADED", "rich.markdown" in sys.modules, "rich.traceback" in sys.modules)
import rich.markdown, rich.traceback, typer.rich_utils
print("REAL", type(rich.markdown.Markdown("*x*")).__module__, hasattr(rich.traceback, "install"))
tb = typer.rich_utils.Traceback  # the stand-in Typer's module kept: it builds the real thing
try:
    raise ValueError("boom")
except ValueError as error:
    print("DEFERRED", type(tb.from_exception(type(error), error, error.__traceback__)).__name__)
"""


def probe() -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_help_renders_without_markdown_or_traceback_modules_and_they_load_whole_later() -> None:
    lines = probe()
    assert "Usage: shopbot" in "\n".join(lines)
    assert "LOADED False False" in lines  # ~125 ms of imports not paid for help
    assert "REAL rich.markdown True" in lines  # a later import gets the real modules, not stand-ins
    assert "DEFERRED Traceback" in lines  # and Typer's own reference still works when used


RISKY = """
import importlib.machinery, importlib.util, sys
from shopbot_cli.main import _StandInsWhileExecuting
source = "from rich.markdown import Markdown\\nclass Doc(Markdown):\\n    pass\\n"  # needs the real class at import
spec = importlib.util.spec_from_loader("future_typer_help", loader=None)
module = importlib.util.module_from_spec(spec)
class Loader(importlib.machinery.SourceFileLoader):
    def exec_module(self, module):
        exec(compile(source, "future_typer_help", "exec"), module.__dict__)
_StandInsWhileExecuting(Loader("future_typer_help", "x"), {"rich.markdown": "Markdown"}).exec_module(module)
print("BASE", module.Doc.__mro__[1].__module__)
"""


def test_a_typer_that_needs_the_real_modules_at_import_still_gets_its_help() -> None:
    """Typer is not pinned: if its help module ever subclasses Markdown, `--help` must still work."""
    result = subprocess.run([sys.executable, "-c", RISKY], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "BASE rich.markdown" in result.stdout.splitlines()
