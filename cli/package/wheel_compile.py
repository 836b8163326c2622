"""Target-Python bytecode for the modules of wheels, started while the other wheels still download.

On a cold build compiling ~4,300 modules is most of the work and downloading the wheels
most of the waiting: `wheel_arrived` (called on the download threads) reads a wheel's
sources into memory and queues the wheel at once, so the two overlap. The layer then takes
exactly the modules it ships (one compiled for a wheel that turns out to be left to the
runtime is dropped) and queues the wheels that did not arrive that way (cached ones).

Each wheel is compiled by a fresh worker process, its modules in the wheel's order. That is
what keeps the bytes independent of download order and core count: CPython 3.12 interns
strings for the life of a process, and whether a frozenset constant's strings were interned
by an earlier module decides whether marshal flags it as shared, so a module's pyc can
depend on what the same process compiled before it.
"""

from __future__ import annotations

import os
import queue
import threading
import zipfile
from pathlib import Path

from . import archive as package
from . import bytecode
from .members import Member, deflate
from .resolve import Unpacked, installed_members
from .target import Interpreter

Module = tuple[str, str]  # (wheel file name, installed path)
_LAST = float("inf")      # sorts after every wheel: a lane's signal to stop


class WheelCompiler:
    """Compile-as-you-go, one worker process per wheel on a few lanes; `take` hands back the deflated pycs."""

    def __init__(self, interpreter: Interpreter, lanes: int | None = None) -> None:
        self.interpreter, self.label = interpreter, interpreter.label
        self.jobs: queue.PriorityQueue[tuple[float, int, str, list[tuple[str, bytes]]]] = queue.PriorityQueue()
        self.lock = threading.Lock()
        self.submitted: set[str] = set()
        self.results: dict[Module, Member] = {}
        self.failed: dict[Module, str] = {}
        self.errors: list[BaseException] = []
        self.running: list[bytecode.MemoryCompilePool] = []
        self.stopped = False
        count = lanes or max(1, min(os.cpu_count() or 1, 4))
        self.lanes = [threading.Thread(target=self._lane, daemon=True) for _ in range(count)]
        for lane in self.lanes:
            lane.start()

    def wheel_arrived(self, path: Path) -> None:
        """Queue every module `path` installs (any thread; returns once the wheel is read, so it may move after)."""
        with self.lock:
            if path.name in self.submitted or self.stopped:
                return
        sources: list[tuple[str, bytes]] = []
        with zipfile.ZipFile(path) as archive:
            for relpath, info, _ in installed_members(path, archive, package.trimmed, Unpacked({})):
                if relpath.endswith(".py"):
                    sources.append((relpath, archive.read(info)))
        with self.lock:
            if path.name in self.submitted or self.stopped:
                return
            self.submitted.add(path.name)
            # the biggest waiting wheel first, so no lane is left with a long one at the end
            self.jobs.put((-sum(len(source) for _, source in sources), len(self.submitted), path.name, sources))

    def take(self, modules: list[Module]) -> tuple[list[Member], list[str]]:
        """The deflated pycs of `modules` (their wheels queued) and `path: error` of those that did not compile."""
        self._stop()
        for lane in self.lanes:
            lane.join()
        if self.errors:
            raise self.errors[0]
        return ([self.results[module] for module in modules if module in self.results],
                sorted(self.failed[module] for module in modules if module in self.failed))

    def close(self) -> None:
        """Stop the lanes and any worker still running (after an error elsewhere)."""
        self._stop()
        with self.lock:
            for pool in self.running:
                pool.close()

    def _stop(self) -> None:
        with self.lock:
            if not self.stopped:
                self.stopped = True
                for index in range(len(self.lanes)):
                    self.jobs.put((_LAST, index, "", []))

    def _lane(self) -> None:
        while True:
            order, _, wheel, sources = self.jobs.get()
            if order == _LAST:
                return
            if self.errors:
                continue
            try:
                self._compile(wheel, sources)
            except BaseException as error:  # raised on the caller's thread by take()
                self.errors.append(error)

    def _compile(self, wheel: str, sources: list[tuple[str, bytes]]) -> None:
        def compiled(key: int, name: str, data: bytes) -> None:
            self.results[(wheel, sources[key][0])] = deflate(name, data, package.COMPRESS_LEVEL)

        pool = bytecode.MemoryCompilePool(self.interpreter, compiled)
        with self.lock:
            self.running.append(pool)
        try:
            for key, (relpath, source) in enumerate(sources):
                pool.add(key, relpath, source)
            for key, message in pool.finish().items():
                self.failed[(wheel, sources[key][0])] = message
        finally:
            pool.close()
            with self.lock:
                self.running.remove(pool)
