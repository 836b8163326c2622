"""The bot's cold cost: fresh interpreter -> first chat reply, offline responder against
ClaudeBot through the real anthropic SDK (to a local fake Messages API, so only the
import + client + HTTP cost is measured, not a model). Shows what keeping `anthropic` out
of the import path saves when no key is configured, and what a key costs a cold start.

    .venv/bin/python bench/bot_first_reply.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import alternate
from tests.fakes import FakeAnthropic, shopping_model
from tests.support import REPO, clean_env

FIRST_REPLY = '''
import sys, time
sys.path.insert(0, {repo!r})
from shopbot.bot import build_bot
from shopbot.config import TestingConfig
from tests.fakes.products import ListSearch
config = TestingConfig(anthropic_api_key={key!r}, anthropic_base_url={url!r}, anthropic_model="bench")
reply = build_bot(config, ListSearch()).reply("wireless headphones", [], time.monotonic() + 20)
assert reply.products, reply
'''


def measure(key: str | None, url: str | None) -> float:
    code = FIRST_REPLY.format(repo=str(REPO), key=key, url=url)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=clean_env(), stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with FakeAnthropic() as fake:
        fake.otherwise(shopping_model)
        measure(fake.api_key, fake.base_url)  # warm the bytecode caches once, as a deployed package has
        medians = alternate(
            args.rounds,
            offline=lambda: measure(None, None),
            claude=lambda: measure(fake.api_key, fake.base_url),
        )
    print(f"fresh interpreter to first bot reply: offline {medians['offline'] * 1000:.0f} ms, "
          f"claude via SDK (local fake API) {medians['claude'] * 1000:.0f} ms, "
          f"ratio {medians['claude'] / medians['offline']:.2f}x")


if __name__ == "__main__":
    main()
