"""The zip written from raw compressed members is byte for byte the zip `zipfile` writes."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shopbot_cli.package import archive, members

STAMP = (1980, 1, 1, 0, 0, 0)
segment = st.text(alphabet=st.characters(min_codepoint=48, max_codepoint=0x2FF, exclude_characters="/\\"),
                  min_size=1, max_size=8)
trees = st.dictionaries(st.lists(segment, min_size=1, max_size=4).map("/".join), st.binary(max_size=3000),
                        min_size=1, max_size=12)


def _zipfile_reference(files: dict[str, bytes], out: Path) -> None:
    """How the build wrote the zip before members.py: zipfile, level 6, one entry at a time."""
    names = set(files) | set(members.directories(files))
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zipped:
        for name in sorted(names):
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.create_system = 3
            if name.endswith("/"):
                info.external_attr = (0o40755 << 16) | 0x10
                zipped.writestr(info, b"")
            else:
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zipped.writestr(info, files[name], compresslevel=6)


@settings(max_examples=40, deadline=None)
@given(files=trees)
def test_members_write_what_zipfile_writes(files: dict[str, bytes]) -> None:
    assume(not any(name + "/" in members.directories(files) for name in files))  # a file is not also a folder
    with tempfile.TemporaryDirectory() as scratch:
        _check_same_bytes(files, Path(scratch))


def _check_same_bytes(files: dict[str, bytes], work: Path) -> None:
    _zipfile_reference(files, work / "reference.zip")
    members.write_zip([members.deflate(name, data, 6) for name, data in files.items()], work / "ours.zip", STAMP)
    assert (work / "ours.zip").read_bytes() == (work / "reference.zip").read_bytes()
    # copied raw out of that zip into a new one: the same bytes again, and it unpacks to the same files
    members.write_zip(list(members.read_members(work / "ours.zip").values()), work / "copied.zip", STAMP)
    assert (work / "copied.zip").read_bytes() == (work / "reference.zip").read_bytes()
    with zipfile.ZipFile(work / "copied.zip") as zipped:
        assert zipped.testzip() is None
        assert {name: zipped.read(name) for name in files} == files


def test_raw_members_from_a_wheel_stored_or_deflated_unpack_to_the_same_files(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zipped:
        zipped.writestr("demo/__init__.py", b"x = 1\n" * 50, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        zipped.writestr("demo/data.bin", bytes(range(256)), compress_type=zipfile.ZIP_STORED)
    raw = members.read_members(wheel)
    members.write_zip(list(raw.values()), tmp_path / "out.zip", STAMP)
    with zipfile.ZipFile(tmp_path / "out.zip") as zipped:
        assert zipped.read("demo/__init__.py") == b"x = 1\n" * 50
        assert zipped.read("demo/data.bin") == bytes(range(256))
        assert [info.compress_type for info in zipped.infolist() if not info.is_dir()] == [8, 0]


def test_trimmed_agrees_with_trim(tmp_path: Path) -> None:
    files = ["a/__init__.py", "a/tests/t.py", "a/docs/x.rst", "a/__pycache__/m.cpython-311.pyc", "a/m.pyc",
             "bin/tool", "a-1.0.dist-info/METADATA", "a-1.0.dist-info/tests/keep.txt", "b/bin/keep.py",
             "b/test/x.py", "b/testing/keep.py", "c.py", "d/doc/y.txt"]
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    archive.trim(tmp_path)
    left = {path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*") if path.is_file()}
    assert left == {name for name in files if not archive.trimmed(name)}
    assert left == {"a/__init__.py", "a-1.0.dist-info/METADATA", "a-1.0.dist-info/tests/keep.txt",
                    "b/bin/keep.py", "b/testing/keep.py", "c.py"}
