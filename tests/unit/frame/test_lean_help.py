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
