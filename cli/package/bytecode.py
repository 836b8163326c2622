"""Bytecode compiled by the target interpreter for every module that ships.

`/var/task` is read-only on Lambda, so any module without a pyc of the target version is
compiled again on every cold start. Every .py of the dependency set and the service is
compiled by an interpreter of the target version with unchecked-hash invalidation (no
mtime checks, so the fixed zip timestamps cannot make them stale), its code naming
/var/task/... rather than this machine's paths.

Why everything and not only what an import trace loads: the trace imported every package
(3 s of CPU, most of it anthropic building pydantic models) to find 3,699 of 4,328
modules - it saved 15% of the compiling for 3 s of importing. The dependencies compile in
`MemoryCompilePool` workers (sources in, pyc bytes out, one per wheel: wheel_compile.py)
while the wheels download; the service's few files go through `compile_cached`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from ..errors import CliError
from .target import Interpreter

# Where Lambda unpacks the zip: the path compiled into every code object (never this machine's).
TASK_ROOT = "/var/task"

def clean_env() -> dict[str, str]:
    """A minimal environment so the trace and compile do not depend on this shell."""
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}


# Runs under the target interpreter: the same bytes `py_compile.compile(..., dfile=/var/task/REL,
# invalidation_mode=UNCHECKED_HASH)` would write, but sources come in on stdin and the pyc goes
# back on stdout, tagged with the caller's key (frames: <III>/<BIII> then name and bytes), so nothing
# touches the disk.
_MEMORY_WORKER = r"""
import importlib.util, struct, sys
from importlib._bootstrap_external import _code_to_hash_pyc
task = sys.argv[1]
read, out = sys.stdin.buffer.read, sys.stdout.buffer
frame = struct.Struct("<III")
while True:
    header = read(frame.size)
    if len(header) < frame.size:
        break
    key, name_length, source_length = frame.unpack(header)
    rel = read(name_length).decode()
    source = read(source_length)
    # dfile stays referenced while marshalling, as in py_compile: marshal marks objects referenced
    # more than once (FLAG_REF), so a filename held only by the code would give other bytes.
    dfile = task + "/" + rel
    try:
        code = compile(source, dfile, "exec", dont_inherit=True)
        data, ok = _code_to_hash_pyc(code, importlib.util.source_hash(source), False), 1
        del code
    except Exception as error:  # py_compile reports any of these as PyCompileError
        lines = (type(error).__name__ + ": " + str(error)).strip().splitlines() or ["?"]
        data, ok = lines[-1].encode(), 0
    name = importlib.util.cache_from_source(rel).encode() if ok else rel.encode()
    out.write(struct.pack("<BIII", ok, key, len(name), len(data)) + name + data)
    out.flush()
"""

_REQUEST = struct.Struct("<III")
_ANSWER = struct.Struct("<BIII")
Compiled = Callable[[int, str, bytes], None]


class MemoryCompilePool:
    """A worker process of the target interpreter turning sources into pyc bytes, in memory.

    `add(key, path, source)` hands a source over (it may wait while the worker's pipe is full); each
    answer is passed, on a reader thread, to `on_compiled(key, pyc path, pyc bytes)`; `finish`
    waits for all and returns {key: "path: error"} of the sources that did not compile (they ship
    as source only). One process, sources in the order given: a module's pyc can depend on what
    the same process compiled before it (wheel_compile.py), so the order is the caller's to fix.
    """

    def __init__(self, interpreter: Interpreter, on_compiled: Compiled) -> None:
        self.label = interpreter.label
        command = [str(interpreter.path), "-I", "-S", "-c", _MEMORY_WORKER, TASK_ROOT]
        # stderr to a file: 3.12 warns about every invalid escape it compiles, and a pipe nobody
        # reads until the end would fill and stop the worker.
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                        env=clean_env())
        self.failed: dict[int, str] = {}
        self.errors: list[BaseException] = []
        self.reader = threading.Thread(target=self._read, args=(on_compiled,), daemon=True)
        self.reader.start()

    def add(self, key: int, rel: str, source: bytes) -> None:
        """Hand one source over."""
        stdin = self.process.stdin
        assert stdin is not None
        encoded = rel.encode()
        try:
            stdin.write(_REQUEST.pack(key, len(encoded), len(source)) + encoded + source)
        except BrokenPipeError as error:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)  # reaped, so its own error is the one reported
            raise CliError(f"compiling bytecode with {self.label} failed: {self._stderr()}") from error

    def _read(self, on_compiled: Compiled) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while header := stdout.read(_ANSWER.size):
                ok, key, name_length, data_length = _ANSWER.unpack(header)
                name = stdout.read(name_length).decode()
                data = stdout.read(data_length)
                if ok:
                    on_compiled(key, name, data)
                else:
                    self.failed[key] = f"{name}: {data.decode(errors='replace')}"
        except BaseException as error:  # handed to finish(), which raises it on the caller's thread
            self.errors.append(error)
            self.process.kill()  # nobody reads its answers any more: `add` must not wait on a full pipe

    def finish(self) -> dict[int, str]:
        assert self.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # a worker that died is reported below
            self.process.stdin.close()
        self.reader.join()
        if self.process.wait() != 0 and not self.errors:
            raise CliError(f"compiling bytecode with {self.label} failed: {self._stderr()}")
        if self.errors:
            raise self.errors[0]
        return self.failed

    def _stderr(self) -> str:
        if self.process.poll() is None:
            return "the worker stopped reading"
        self.stderr.seek(0)
        return _last_line(self.stderr.read().decode(errors="replace"))

    def close(self) -> None:
        """Stop the worker (after an error elsewhere)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self.stderr.close()


def compile_cached(interpreter: Interpreter, root: Path, relpaths: list[str], cache: Path) -> int:
    """Write `__pycache__/*.cpython-XY.pyc` (unchecked-hash, code naming /var/task/...) for the
    service's `relpaths`, reusing pycs compiled before from the same source, path and interpreter.

    A pyc is a function of those three only, so a rebuild of an unchanged service starts no
    interpreter at all. A file that does not compile is an error: it is ours.
    """
    tag = "cpython-" + "".join(interpreter.version.split(".")[:2])
    sources = {rel: (root / rel).read_bytes() for rel in relpaths}
    wanted: dict[str, tuple[Path, Path]] = {}
    for rel, source in sources.items():
        digest = hashlib.sha256(f"{interpreter.label}\0{rel}\0".encode() + source).hexdigest()
        path = root / rel
        wanted[rel] = (cache / digest[:2] / f"{digest}.pyc", path.parent / "__pycache__" / f"{path.stem}.{tag}.pyc")
    missing = [rel for rel, (cached, _) in wanted.items() if not cached.is_file()]
    if missing:
        compiled: dict[int, bytes] = {}
        pool = MemoryCompilePool(interpreter, lambda key, name, data: compiled.__setitem__(key, data))
        try:
            for key, rel in enumerate(missing):
                pool.add(key, rel, sources[rel])
            failed = pool.finish()
        finally:
            pool.close()
        if failed:
            raise CliError(f"compiling bytecode with {interpreter.label} failed: {sorted(failed.values())[0]}")
        for key, rel in enumerate(missing):
            cached = wanted[rel][0]
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(compiled[key])
            os.replace(partial, cached)
    for cached, pyc in wanted.values():
        pyc.parent.mkdir(exist_ok=True)
        shutil.copyfile(cached, pyc)
    return len(relpaths)


def service_modules(root: Path, package: str) -> list[str]:
    """Every .py of the service package: all of it is ours and loaded, so all of it is compiled."""
    return sorted(path.relative_to(root).as_posix() for path in (root / package).rglob("*.py"))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
