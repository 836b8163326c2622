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
import json
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

# Runs under the target interpreter: compile each relative path read from stdin exactly as
# `compileall -s ROOT -p /var/task --invalidation-mode unchecked-hash` would, then print the
# paths that would not compile (a dependency may carry a file that is not valid Python).
_WORKER = r"""
import json, py_compile, sys
root, task = sys.argv[1], sys.argv[2]
mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
failed = []
for line in sys.stdin:
    rel = line.rstrip("\n")
    if rel:
        try:
            py_compile.compile(root + "/" + rel, dfile=task + "/" + rel, doraise=True, invalidation_mode=mode)
        except (py_compile.PyCompileError, SyntaxError, ValueError, UnicodeError) as error:
            failed.append(rel + ": " + str(error).strip().splitlines()[-1])
print(json.dumps(failed))
"""


def clean_env() -> dict[str, str]:
    """A minimal environment so the trace and compile do not depend on this shell."""
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}


class CompilePool:
    """Worker processes of the target interpreter compiling files as they are handed over.

    `add` returns at once; `finish` waits and returns the paths that did not compile.
    """

    def __init__(self, interpreter: Interpreter, root: Path, workers: int | None = None) -> None:
        self.root, self.label = root, interpreter.label
        count = workers or max(1, min(os.cpu_count() or 1, 4))
        command = [str(interpreter.path), "-I", "-S", "-c", _WORKER, str(root), TASK_ROOT]
        self.processes = [
            subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=clean_env())
            for _ in range(count)
        ]
        self.loads = [0] * count
        self.count = 0

    def add(self, relpaths: list[str]) -> None:
        """Hand files to the least loaded worker (by bytes), each path once."""
        for rel in relpaths:
            size = (self.root / rel).stat().st_size
            index = self.loads.index(min(self.loads))
            self.loads[index] += size + 2000  # a fixed cost per file too
            stdin = self.processes[index].stdin
            assert stdin is not None
            stdin.write(rel + "\n")
            stdin.flush()
            self.count += 1

    def finish(self) -> list[str]:
        failed: list[str] = []
        errors: list[str] = []
        for process in self.processes:
            output, stderr = process.communicate(timeout=900)
            if process.returncode != 0:
                errors.append(_last_line(stderr))
                continue
            failed += json.loads(output.strip().splitlines()[-1])
        if errors:
            raise CliError(f"compiling bytecode with {self.label} failed: {errors[0]}")
        return sorted(failed)

    def close(self) -> None:
        """Stop the workers (after an error elsewhere)."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()


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
    """Worker processes of the target interpreter turning sources into pyc bytes, in memory.

    `add(key, path, source)` hands a source over (it may wait while a worker's pipe is full); each
    answer is passed, on a reader thread per worker, to `on_compiled(key, pyc path, pyc bytes)`;
    `finish` waits for all and returns {key: "path: error"} of the sources that did not compile
    (they ship as source only).
    """

    def __init__(self, interpreter: Interpreter, on_compiled: Compiled, workers: int | None = None) -> None:
        self.label = interpreter.label
        count = workers or max(1, min(os.cpu_count() or 1, 4))
        command = [str(interpreter.path), "-I", "-S", "-c", _MEMORY_WORKER, TASK_ROOT]
        # stderr to files: 3.12 warns about every invalid escape it compiles, and a pipe nobody
        # reads until the end would fill and stop the worker.
        self.stderrs = [tempfile.TemporaryFile() for _ in range(count)]  # noqa: SIM115 (closed by close())
        self.processes = [
            subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=clean_env())
            for stderr in self.stderrs
        ]
        self.loads = [0] * count
        self.failed: dict[int, str] = {}
        self.errors: list[BaseException] = []
        self.readers = [threading.Thread(target=self._read, args=(process, on_compiled), daemon=True)
                        for process in self.processes]
        for reader in self.readers:
            reader.start()

    def add(self, key: int, rel: str, source: bytes) -> None:
        """Hand one source to the least loaded worker (by bytes, plus a fixed cost per file)."""
        index = self.loads.index(min(self.loads))
        self.loads[index] += len(source) + 2000
        stdin = self.processes[index].stdin
        assert stdin is not None
        encoded = rel.encode()
        try:
            stdin.write(_REQUEST.pack(key, len(encoded), len(source)) + encoded + source)
        except BrokenPipeError as error:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.processes[index].wait(timeout=5)  # reaped, so its own error is the one reported
            raise CliError(f"compiling bytecode with {self.label} failed: {self._stderr(index)}") from error

    def _read(self, process: subprocess.Popen[bytes], on_compiled: Compiled) -> None:
        stdout = process.stdout
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
            process.kill()  # nobody reads its answers any more: `add` must not wait on a full pipe

    def finish(self) -> dict[int, str]:
        for process in self.processes:
            assert process.stdin is not None
            with contextlib.suppress(BrokenPipeError):  # a worker that died is reported below
                process.stdin.close()
        for reader in self.readers:
            reader.join()
        for index, process in enumerate(self.processes):
            if process.wait(timeout=900) != 0:
                raise CliError(f"compiling bytecode with {self.label} failed: {self._stderr(index)}")
        if self.errors:
            raise self.errors[0]
        return self.failed

    def _stderr(self, index: int) -> str:
        if self.processes[index].poll() is None:
            return "the worker stopped reading"
        self.stderrs[index].seek(0)
        return _last_line(self.stderrs[index].read().decode(errors="replace"))

    def close(self) -> None:
        """Stop the workers (after an error elsewhere)."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        for stderr in self.stderrs:
            stderr.close()


def compile_modules(interpreter: Interpreter, root: Path, relpaths: list[str], strict: bool = True) -> int:
    """Write `__pycache__/*.cpython-XY.pyc` (unchecked-hash) for `relpaths`; code names /var/task/...

    `strict`: a file that does not compile is an error (the service); otherwise it stays
    source-only (a dependency's odd file) and is not counted.
    """
    if not relpaths:
        return 0
    pool = CompilePool(interpreter, root, workers=min(len(relpaths) // 50 + 1, max(1, min(os.cpu_count() or 1, 4))))
    try:
        pool.add(relpaths)
        failed = pool.finish()
    finally:
        pool.close()
    if failed and strict:
        raise CliError(f"compiling bytecode with {interpreter.label} failed: {failed[0]}")
    return len(relpaths) - len(failed)


def compile_cached(interpreter: Interpreter, root: Path, relpaths: list[str], cache: Path) -> int:
    """`compile_modules`, reusing pycs compiled before from the same source, path and interpreter.

    A pyc is a function of those three only, so a rebuild of an unchanged service starts no
    interpreter at all.
    """
    tag = "cpython-" + "".join(interpreter.version.split(".")[:2])
    wanted: dict[str, tuple[Path, Path]] = {}
    for rel in relpaths:
        source = root / rel
        key = hashlib.sha256(f"{interpreter.label}\0{rel}\0".encode() + source.read_bytes()).hexdigest()
        pyc = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        wanted[rel] = (cache / key[:2] / f"{key}.pyc", pyc)
    missing = [rel for rel, (cached, _) in wanted.items() if not cached.is_file()]
    compiled = compile_modules(interpreter, root, missing)
    for rel, (cached, pyc) in wanted.items():
        if rel in missing:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.part")
            shutil.copyfile(pyc, partial)
            os.replace(partial, cached)
        else:
            pyc.parent.mkdir(exist_ok=True)
            shutil.copyfile(cached, pyc)
    return compiled + len(relpaths) - len(missing)


def service_modules(root: Path, package: str) -> list[str]:
    """Every .py of the service package: all of it is ours and loaded, so all of it is compiled."""
    return sorted(path.relative_to(root).as_posix() for path in (root / package).rglob("*.py"))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
