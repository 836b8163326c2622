"""The in-memory compile workers give the bytes py_compile writes, so the faster build ships the same zip."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest
from shopbot_cli.errors import CliError
from shopbot_cli.package import bytecode
from shopbot_cli.package.target import Interpreter, find_interpreter
from shopbot_cli.package.wheel_compile import WheelCompiler

REPO = Path(__file__).resolve().parents[3]

ODD_FILES = {
    # one code object: marshal flags the filename FLAG_REF only if something else holds it too
    "tiny/__init__.py": b"VERSION = '1.0'\n",
    "tiny/escapes.py": b"PATTERNS = [" + b"'\\d',\n" * 5000 + b"]\n",  # 3.12 warns 5,000 times on stderr
    "tiny/latin.py": "# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n".encode("latin-1"),
    "tiny/broken.py": b"def f(:\n    pass\n",
    "tiny/nul.py": b"x = 1\x00\n",
    "tiny/empty.py": b"",
    "tiny/nested.py": b"class A:\n    def f(self):\n        return [lambda: i for i in range(3)]\n",
}


@pytest.fixture(scope="module")
def py312() -> Interpreter:
    found = find_interpreter("3.12")
    if found is None:
        pytest.skip("no CPython 3.12 on PATH or under pyenv: the build compiles with the target interpreter")
    return found


def _tree(root: Path) -> list[str]:
    """The service, a slice of the standard library and odd files: real code of every shape."""
    shutil.copytree(REPO / "shopbot", root / "shopbot", ignore=shutil.ignore_patterns("__pycache__"))
    library = Path(shutil.__file__).parent
    for package in ("json", "email", "asyncio"):
        shutil.copytree(library / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("abc.py", "ast.py", "dataclasses.py", "typing.py", "zipfile", "string.py"):
        source = library / name
        if source.is_file():
            shutil.copyfile(source, root / name)
    for rel, data in ODD_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*.py"))


PY_COMPILE = """
import py_compile, sys
compiled = 0
for rel in sys.stdin.read().split():
    try:
        py_compile.compile(sys.argv[1] + "/" + rel, dfile="/var/task/" + rel, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        compiled += 1
    except py_compile.PyCompileError:
        pass
print(compiled)
"""


def test_memory_workers_write_the_bytes_py_compile_writes(py312: Interpreter, tmp_path: Path) -> None:
    relpaths = _tree(tmp_path)
    assert len(relpaths) > 100
    # the reference: py_compile in one 3.12 process, to disk, as `compileall -p /var/task` would
    reference = subprocess.run([str(py312.path), "-I", "-S", "-c", PY_COMPILE, str(tmp_path)],
                               input="\n".join(relpaths), capture_output=True, text=True, check=True)
    compiled = int(reference.stdout)
    on_disk = {path.relative_to(tmp_path).as_posix(): path.read_bytes() for path in tmp_path.rglob("*.pyc")}

    in_memory: dict[str, bytes] = {}
    pool = bytecode.MemoryCompilePool(py312, lambda key, name, data: in_memory.__setitem__(name, data))
    try:
        for key, rel in enumerate(relpaths):
            pool.add(key, rel, (tmp_path / rel).read_bytes())
        failed = pool.finish()
    finally:
        pool.close()

    assert compiled == len(on_disk) == len(in_memory)
    assert in_memory == on_disk   # same names, same bytes (hash-based, /var/task paths)
    assert {relpaths[key] for key in failed} == {"tiny/broken.py", "tiny/nul.py"}
    assert all(message.startswith(relpaths[key] + ": ") for key, message in failed.items())
    assert "tiny/__pycache__/__init__.cpython-312.pyc" in in_memory


def test_a_worker_that_dies_is_one_error_line(py312: Interpreter) -> None:
    pool = bytecode.MemoryCompilePool(py312, lambda key, name, data: None)
    pool.process.kill()
    pool.process.wait()
    try:
        with pytest.raises(CliError, match=f"compiling bytecode with {py312.label} failed"):
            for _ in range(1000):   # the pipe breaks while handing over, or finish finds the worker dead
                pool.add(0, "a.py", b"x = 1\n" * 100)
            pool.finish()
    finally:
        pool.close()


def test_a_failing_answer_handler_stops_the_worker_instead_of_hanging_the_build(py312: Interpreter) -> None:
    def refuse(key: int, name: str, data: bytes) -> None:
        raise OSError("disk full")

    pool = bytecode.MemoryCompilePool(py312, refuse)
    try:
        with pytest.raises((CliError, OSError)):  # whichever comes first: the broken pipe or the handler's error
            for _ in range(5000):   # far more answers than a pipe holds, once nobody reads them
                pool.add(0, "a.py", b"x = 1\n" * 100)
            pool.finish()
    finally:
        pool.close()


def _wheel(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for name, data in files.items():
            zipped.writestr(name, data)
    return path


def _compile_wheels(py312: Interpreter, wheels: list[Path], lanes: int) -> tuple[dict[str, bytes], list[str]]:
    modules = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zipped:
            modules += [(wheel.name, name) for name in zipped.namelist() if name.endswith(".py")]
    compiler = WheelCompiler(py312, lanes=lanes)
    try:
        for wheel in wheels:
            compiler.wheel_arrived(wheel)
        compiler.wheel_arrived(wheels[0])   # a wheel that arrives twice is compiled once
        compiled, failed = compiler.take(modules)
    finally:
        compiler.close()
    return {member.name: member.raw() for member in compiled}, failed


def test_wheels_compile_to_the_same_bytes_whatever_the_order_they_arrive_in(py312: Interpreter,
                                                                            tmp_path: Path) -> None:
    library = Path(shutil.__file__).parent
    first = _wheel(tmp_path / "first-1.0-py3-none-any.whl", {
        "first/__init__.py": (library / "json" / "__init__.py").read_bytes(),
        "first/decoder.py": (library / "json" / "decoder.py").read_bytes(),
        "first/broken.py": ODD_FILES["tiny/broken.py"],
        "first-1.0.dist-info/METADATA": b"Name: first\n",
    })
    second = _wheel(tmp_path / "second-1.0-py3-none-any.whl", {
        "second/__init__.py": (library / "dataclasses.py").read_bytes(),
        "second/tests/test_x.py": b"x = 1\n",   # trimmed: never compiled, never shipped
    })
    one_lane, failed = _compile_wheels(py312, [first, second], lanes=1)
    two_lanes, failed_too = _compile_wheels(py312, [second, first], lanes=2)
    assert one_lane == two_lanes
    assert sorted(one_lane) == ["first/__pycache__/__init__.cpython-312.pyc",
                                "first/__pycache__/decoder.cpython-312.pyc",
                                "second/__pycache__/__init__.cpython-312.pyc"]
    assert failed == failed_too and [line.split(":")[0] for line in failed] == ["first/broken.py"]
    pyc = zlib.decompress(one_lane["first/__pycache__/decoder.cpython-312.pyc"], -15)
    assert b"/var/task/first/decoder.py" in pyc and struct.unpack("<I", pyc[4:8])[0] == 0b01
