"""Zip members as raw compressed bytes: taken from wheels or an earlier zip, written without recompressing.

Compressing ~4,000 unchanged dependency files on every build was most of a warm build. A
`Member` points at compressed bytes that already exist (a wheel's member, the cached
dependency zip of a layer, or bytes deflated once here) and `write_zip` lays them out in
the same reproducible format `zipfile` writes (sorted, one timestamp, 0644/0755, Unix):
for the same files and the same compressed bytes the output is byte for byte what
`zipfile.ZipFile.writestr` gives (tests/unit/package/test_members.py holds the two side by side).
Pure file work; imported by archive.py and lambda_package.py.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import CliError

STORED, DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_LIMIT = 0xFFFFFFFF  # beyond: zip64, which a Lambda package never needs
_VERSION = 20        # "deflate": what zipfile writes as both extract and create version


@dataclass(frozen=True)
class Member:
    """One file's compressed bytes: `compressed` bytes at `offset` of `source` (or `data` when in memory)."""

    name: str
    crc: int
    size: int            # uncompressed
    compressed: int
    method: int          # STORED or DEFLATED
    source: Path | None = None
    offset: int = 0
    data: bytes | None = None

    def raw(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.source is not None
        with self.source.open("rb") as handle:
            handle.seek(self.offset)
            return handle.read(self.compressed)


def deflate(name: str, content: bytes, level: int) -> Member:
    """Compress like zipfile does at `level` (raw deflate, wbits -15)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    data = compressor.compress(content) + compressor.flush()
    return Member(name, zlib.crc32(content), len(content), len(data), DEFLATED, data=data)


def deflate_files(files: Iterable[tuple[str, Path]], level: int, workers: int = 2) -> list[Member]:
    """Deflate many files on `workers` threads (zlib releases the GIL while it works)."""
    def one(item: tuple[str, Path]) -> Member:
        return deflate(item[0], item[1].read_bytes(), level)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, files))


def read_members(zip_path: Path) -> dict[str, Member]:
    """Every file member of a zip (wheel or our own), pointing at its compressed bytes in place."""
    found: dict[str, Member] = {}
    with zipfile.ZipFile(zip_path) as archive, zip_path.open("rb") as handle:
        for info in archive.infolist():
            if info.is_dir():
                continue
            handle.seek(info.header_offset)
            header = handle.read(_LOCAL.size)
            if len(header) != _LOCAL.size or header[:4] != b"PK\003\004":
                raise CliError(f"{zip_path.name}: broken local header for {info.filename!r}; delete it and rebuild")
            name_length, extra_length = struct.unpack("<2H", header[26:30])
            offset = info.header_offset + _LOCAL.size + name_length + extra_length
            found[info.filename] = Member(info.filename, info.CRC, info.file_size, info.compress_size,
                                          info.compress_type, zip_path, offset)
    return found


def directories(names: Iterable[str]) -> list[str]:
    """Every parent directory entry (`a/`, `a/b/`) of the given member names."""
    found: set[str] = set()
    for name in names:
        parts = name.split("/")[:-1]
        found.update("/".join(parts[: index + 1]) + "/" for index in range(len(parts)))
    return sorted(found)


def write_zip(members: list[Member], out: Path, stamp: tuple[int, int, int, int, int, int]) -> None:
    """Directories (0755) and files (0644), sorted by name, all stamped `stamp`; raw bytes copied as they are."""
    entries: list[Member] = [Member(name, 0, 0, 0, STORED, data=b"") for name in directories(m.name for m in members)]
    entries += members
    entries.sort(key=lambda member: member.name)
    names = [member.name for member in entries]
    if len(set(names)) != len(names):
        raise CliError("two files would land on the same path in the zip; rename one")
    dostime = (stamp[3] << 11) | (stamp[4] << 5) | (stamp[5] // 2)
    dosdate = ((stamp[0] - 1980) << 9) | (stamp[1] << 5) | stamp[2]
    central: list[bytes] = []
    sources: dict[Path, memoryview] = {}  # each source read once (a layer's deps.zip, wheels): tens of MB
    with out.open("wb") as handle:
        for member in entries:
            offset = handle.tell()
            if max(offset, member.compressed, member.size) >= _LIMIT:
                raise CliError(f"{member.name}: over 4 GB, which a Lambda package cannot be")
            encoded, flags = _encode(member.name)
            handle.write(_LOCAL.pack(b"PK\003\004", _VERSION, 0, flags, member.method, dostime, dosdate,
                                     member.crc, member.compressed, member.size, len(encoded), 0))
            handle.write(encoded)
            handle.write(_raw(member, sources))
            mode = (0o40755 << 16) | 0x10 if member.name.endswith("/") else 0o100644 << 16
            central.append(_CENTRAL.pack(b"PK\001\002", _VERSION, 3, _VERSION, 0, flags, member.method,
                                         dostime, dosdate, member.crc, member.compressed, member.size,
                                         len(encoded), 0, 0, 0, 0, mode, offset) + encoded)
        start = handle.tell()
        for record in central:
            handle.write(record)
        size = handle.tell() - start
        if len(entries) > 0xFFFF or start >= _LIMIT:
            raise CliError("over 65,535 files or 4 GB: too big for a Lambda package")
        handle.write(_END.pack(b"PK\005\006", 0, 0, len(entries), len(entries), size, start, 0))


def _encode(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), 0x800


def _raw(member: Member, sources: dict[Path, memoryview]) -> bytes | memoryview:
    """The member's compressed bytes, sliced out of its source (read into memory once)."""
    if member.data is not None or member.source is None:
        return member.data or b""
    source = sources.get(member.source)
    if source is None:
        source = sources[member.source] = memoryview(member.source.read_bytes())
    raw = source[member.offset: member.offset + member.compressed]
    if len(raw) != member.compressed:
        raise CliError(f"{member.source}: shorter than its zip directory says; delete it and rebuild")
    return raw


def save_index(zip_path: Path, index: Path) -> None:
    """Where each member's compressed bytes sit in `zip_path` (written by `write_zip`), as JSON: reading
    9,000 entries back from it is ~50x quicker than parsing the zip's directory and local headers."""
    found = read_members(zip_path)
    rows = [[m.name, m.crc, m.size, m.compressed, m.method, m.offset] for m in found.values()]
    index.write_text(json.dumps(rows, separators=(",", ":")))


def load_index(zip_path: Path, index: Path) -> dict[str, Member]:
    """The members `save_index` recorded, pointing into `zip_path`; a missing or broken index reads the zip."""
    try:
        rows = json.loads(index.read_text())
        return {row[0]: Member(row[0], row[1], row[2], row[3], row[4], zip_path, row[5]) for row in rows}
    except (OSError, ValueError, TypeError, IndexError):
        return read_members(zip_path)
