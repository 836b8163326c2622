"""Cold starts: the bot package must not import `anthropic` (1-3 s here) until Claude is used."""

from __future__ import annotations

import subprocess
import textwrap

from tests.support import PYTHON, REPO, clean_env

SCRIPT = textwrap.dedent("""
    import sys
    from shopbot.bot import build_bot
    from shopbot.config import TestingConfig
    from tests.fakes.products import ListSearch

    offline = build_bot(TestingConfig(), ListSearch())
    assert offline.reply("headphones", [], 0.0).products
    print(" ".join(sorted(sys.modules)))
    build_bot(TestingConfig(anthropic_api_key="sk-ant-unused"), ListSearch())
    print(" ".join(sorted(sys.modules)))
""")


def test_only_the_claude_bot_imports_anthropic() -> None:
    done = subprocess.run([PYTHON, "-c", SCRIPT], cwd=REPO, env=clean_env(), capture_output=True,
                          text=True, timeout=60, check=True)
    after_offline, after_claude = (set(line.split()) for line in done.stdout.splitlines())

    assert "shopbot.bot.offline" in after_offline and "shopbot.bot.tools" in after_offline
    assert "anthropic" not in after_offline
    assert "shopbot.bot.claude" not in after_offline
    assert "anthropic" in after_claude  # the check above can fail: this is where it gets imported
