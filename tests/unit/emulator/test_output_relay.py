"""The runtime's output, relayed to our stderr and shipped line by line (as Lambda ships it)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from shopbot_cli.emulator.workers import LONGEST_LINE, FunctionConfig, Worker


def _relay(tmp_path: Path, output: bytes) -> tuple[list[str], float]:
    shipped: list[str] = []
    devnull = os.open(os.devnull, os.O_WRONLY)
    config = FunctionConfig("app.handler", tmp_path, tmp_path, output_fd=devnull)
    worker = Worker(config, log=lambda line: None, ship=lambda stream, line: shipped.append(line))

    async def run() -> float:
        reader = asyncio.StreamReader()
        reader.feed_data(output)
        reader.feed_eof()
        started = time.perf_counter()
        await worker._relay_output(reader)
        return time.perf_counter() - started

    try:
        return shipped, asyncio.run(run())
    finally:
        os.close(devnull)


def test_lines_are_shipped_whole_across_chunks(tmp_path: Path) -> None:
    shipped, _ = _relay(tmp_path, b"START\r\n" + b"a" * 100_000 + b"\nlast without newline")
    assert shipped == ["START", "a" * 100_000, "last without newline"]


def test_a_huge_line_is_shipped_in_event_sized_pieces_without_stalling_the_emulator(tmp_path: Path) -> None:
    """A 32 MB line once took the event loop (every request) 7.6 s: each chunk copied the line again."""
    huge = b"x" * (32 * 1024 * 1024)
    shipped, seconds = _relay(tmp_path, huge + b"\nafter\n")
    assert "".join(shipped[:-1]) == huge.decode() and shipped[-1] == "after"
    assert max(len(piece) for piece in shipped) < LONGEST_LINE + 65_536
    assert seconds < 3.0, seconds
