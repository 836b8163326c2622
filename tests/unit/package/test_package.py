"""Zip layout: trimming, reproducibility, permissions, limits - on small trees made here."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from shopbot_cli.errors import CliError
from shopbot_cli.package import archive
from shopbot_cli.package.resolve import explain_pip_failure, unpack_wheel
from shopbot_cli.package.target import Target


def _tree(root: Path) -> Path:
    files = {
        "flask/__init__.py": "x = 1\n",
        "flask/__pycache__/__init__.cpython-311.pyc": "stale",
        "flask/tests/test_app.py": "assert True\n",
        "flask/docs/index.rst": "docs\n",
        "flask/json/__init__.py": "y = 2\n",
        "flask-3.1.3.dist-info/METADATA": "Name: flask\nVersion: 3.1.3\n",
        "flask-3.1.3.dist-info/RECORD": "flask/__init__.py,,\n",
        "bin/flask": "#!/home/someone/.venv/bin/python\n",
        "six.py": "z = 3\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_trim_drops_what_the_runtime_never_loads_and_keeps_metadata(tmp_path: Path) -> None:
    site = _tree(tmp_path / "site")
    report = archive.trim(site)
    left = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert left == [
        "flask-3.1.3.dist-info/METADATA", "flask-3.1.3.dist-info/RECORD",
        "flask/__init__.py", "flask/json/__init__.py", "six.py",
    ]
    assert report.files == 4


def test_zip_is_byte_identical_sorted_and_normalised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = _tree(tmp_path / "a")
    second = _tree(tmp_path / "b")
    (second / "six.py").chmod(0o700)  # a different mode on this machine must not show
    archive.write_zip(archive.entries(first), tmp_path / "a.zip")
    archive.write_zip(archive.entries(second), tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as zipped:
        infos = zipped.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert "flask/" in names and "flask/json/" in names
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.create_system == 3
        assert info.external_attr >> 16 == (0o40755 if info.is_dir() else 0o100644)


def test_source_date_epoch_sets_the_timestamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    archive.write_zip(archive.entries(_tree(tmp_path / "a")), tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as zipped:
        assert {info.date_time for info in zipped.infolist()} == {(2026, 1, 1, 0, 0, 0)}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(CliError, match="SOURCE_DATE_EPOCH"):
        archive.zip_timestamp()


def test_unzipped_limit_is_an_error_naming_the_size() -> None:
    archive.check_unzipped(250 * archive.MB)
    with pytest.raises(CliError, match=r"260\.0 MB unzipped, over Lambda's 250 MB limit"):
        archive.check_unzipped(260 * archive.MB)


def test_a_name_from_two_roots_is_refused(tmp_path: Path) -> None:
    for root in ("deps", "service"):
        (tmp_path / root / "shopbot").mkdir(parents=True)
        (tmp_path / root / "shopbot" / "__init__.py").write_text("")
    with pytest.raises(CliError, match=r"shopbot/__init__\.py comes from two places"):
        archive.entries(tmp_path / "deps", tmp_path / "service")


def test_unpack_wheel_installs_purelib_and_skips_scripts(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo/__init__.py", "")
        archive.writestr("demo-1.0.data/purelib/demo_extra.py", "")
        archive.writestr("demo-1.0.data/scripts/demo", "#!python\n")
        archive.writestr("demo-1.0.dist-info/METADATA", "Name: demo\n")
    unpack_wheel(wheel, tmp_path / "site")
    site = tmp_path / "site"
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == [
        "demo-1.0.dist-info/METADATA", "demo/__init__.py", "demo_extra.py",
    ]
    evil = tmp_path / "evil-1.0-py3-none-any.whl"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../outside.py", "")
    with pytest.raises(CliError, match="unsafe path"):
        unpack_wheel(evil, tmp_path / "site")


def test_pip_failure_names_the_package_and_platform() -> None:
    stderr = (
        "ERROR: Could not find a version that satisfies the requirement nonexistent-package-xyz==1.0 "
        "(from versions: none)\nERROR: No matching distribution found for nonexistent-package-xyz==1.0\n"
    )
    message = explain_pip_failure(stderr, Target("3.12", "arm64"))
    assert message.startswith("no wheel of nonexistent-package-xyz==1.0 for CPython 3.12 on manylinux2014_aarch64")
    other = explain_pip_failure("WARNING: retrying\nERROR: HTTP error 503\n", Target("3.12", "x86_64"))
    assert "ERROR: HTTP error 503" in other
