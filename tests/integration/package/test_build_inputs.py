"""Small made-up pinned sets: the SDK switch, a missing interpreter, limits, unresolvable packages."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from shopbot_cli.errors import ExitStatus
from shopbot_cli.package import archive
from shopbot_cli.package.target import Interpreter, host_arch

from .conftest import need_312, shopbot_build

SMALL = "six==1.17.0\njmespath==1.1.0\n"
ZIP = "shopbot-lambda-3.12-x86_64.zip"


def _lock(tmp_path: Path, text: str) -> str:
    path = tmp_path / "runtime.txt"
    path.write_text(text)
    return str(path)


def _tops(zip_path: Path) -> set[str]:
    with zipfile.ZipFile(zip_path) as archive:
        return {name.split("/")[0] for name in archive.namelist()}


def test_sdk_is_left_to_the_runtime_unless_bundled(project: Path, build_cache: Path, tmp_path: Path) -> None:
    lock = _lock(tmp_path, SMALL)
    plain = shopbot_build("--json", "--requirements", lock, "--output", str(tmp_path / "a"),
                          cwd=project, cache=build_cache)
    bundled = shopbot_build("--json", "--bundle-sdk", "--requirements", lock, "--output", str(tmp_path / "b"),
                            cwd=project, cache=build_cache)
    assert plain.exit_code == 0 and bundled.exit_code == 0, plain.stderr + bundled.stderr
    assert "jmespath" not in _tops(tmp_path / "a" / ZIP) and "six.py" in _tops(tmp_path / "a" / ZIP)
    assert plain.json["runtime_provided"] == {"jmespath": "1.1.0"}
    assert "jmespath" in _tops(tmp_path / "b" / ZIP)
    assert [entry["name"] for entry in bundled.json["packages"]] == ["jmespath", "six"]
    assert bundled.json["runtime_provided"] == {}


def test_without_a_target_interpreter_it_builds_without_bytecode_and_refuses_to_claim_verified(
    project: Path, build_cache: Path, tmp_path: Path
) -> None:
    nowhere = tmp_path / "nowhere"
    nowhere.mkdir()
    run = shopbot_build("--json", "--verify", "--requirements", _lock(tmp_path, SMALL), "--output",
                        str(tmp_path / "dist"), cwd=project, cache=build_cache,
                        env={"PATH": str(nowhere), "PYENV_ROOT": str(nowhere)})
    assert run.exit_code == ExitStatus.UNVERIFIED == 7
    assert "building WITHOUT bytecode" in run.stderr
    assert "cannot verify: no CPython 3.12 found" in run.stderr and "NOT verified" in run.stderr
    result = run.json
    assert result["bytecode"]["compiled"] is False and result["bytecode"]["interpreter"] is None
    assert result["verify"]["passed"] is False
    with zipfile.ZipFile(tmp_path / "dist" / ZIP) as archive:
        assert not [name for name in archive.namelist() if name.endswith(".pyc")]


def test_a_zip_over_50_mb_warns_about_s3(project: Path, build_cache: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "DIRECT_UPLOAD_LIMIT", 10 * 1024)  # the small set stands in for a big one
    run = shopbot_build("--json", "--requirements", _lock(tmp_path, SMALL), "--output", str(tmp_path / "dist"),
                        cwd=project, cache=build_cache)
    assert run.exit_code == 0, run.stderr
    assert "must upload it through S3" in run.stderr
    assert any("through S3" in warning for warning in run.json["warnings"])


def _huge_wheel(directory: Path) -> None:
    """A made-up dependency whose data unpacks to 260 MB (zeros: the wheel itself stays small)."""
    directory.mkdir()
    wheel = directory / "shopbot_fake_huge-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("shopbot_fake_huge/__init__.py", "")
        block = bytes(1024 * 1024)
        with archive.open("shopbot_fake_huge/blob.bin", "w", force_zip64=True) as blob:
            for _ in range(260):
                blob.write(block)
        archive.writestr("shopbot_fake_huge-1.0.dist-info/METADATA",
                         "Metadata-Version: 2.1\nName: shopbot-fake-huge\nVersion: 1.0\n")
        archive.writestr("shopbot_fake_huge-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n")
        archive.writestr("shopbot_fake_huge-1.0.dist-info/RECORD", "")


def test_an_oversize_dependency_set_is_an_error_and_writes_nothing(project: Path, tmp_path: Path) -> None:
    _huge_wheel(tmp_path / "wheels")
    out = tmp_path / "dist"
    run = shopbot_build("--requirements", _lock(tmp_path, "shopbot-fake-huge==1.0\n"),
                        "--output", str(out), cwd=project, cache=tmp_path / "cache",
                        env={"PIP_FIND_LINKS": str(tmp_path / "wheels"), "PIP_NO_INDEX": "1"})
    assert run.exit_code == 2
    assert "over Lambda's 250 MB limit" in run.stderr and "MB unzipped" in run.stderr
    assert not list(out.glob("shopbot-lambda-*"))   # no zip, no manifest: nothing half-applied
    shutil.rmtree(tmp_path / "cache")               # 260 MB unpacked: do not leave it in the temp dir


def test_an_unresolvable_package_names_itself_and_the_platform(project: Path, build_cache: Path,
                                                               tmp_path: Path) -> None:
    lock = _lock(tmp_path, "six==1.17.0\nnonexistent-package-xyz==1.0\n")
    run = shopbot_build("--arch", "arm64", "--requirements", lock, "--output", str(tmp_path / "dist"),
                        cwd=project, cache=build_cache)
    assert run.exit_code == 2
    assert ("no wheel of nonexistent-package-xyz==1.0 for CPython 3.12 on manylinux2014_aarch64"
            in run.stderr.replace("\n", " "))
    assert not (tmp_path / "dist").exists()
    assert not [path for path in (build_cache / "wheels").iterdir() if path.name.startswith(".download-")]


def test_manifest_file_is_the_json_output(project: Path, build_cache: Path, tmp_path: Path) -> None:
    run = shopbot_build("--json", "--requirements", _lock(tmp_path, SMALL), "--output", str(tmp_path / "dist"),
                        cwd=project, cache=build_cache)
    assert run.exit_code == 0
    assert json.loads((tmp_path / "dist" / ZIP.replace(".zip", ".manifest.json")).read_text()) == run.json


def test_verify_catches_an_incomplete_package(project: Path, build_cache: Path, tmp_path: Path,
                                              py312: Interpreter | None) -> None:
    need_312(py312)
    run = shopbot_build("--verify", "--requirements", _lock(tmp_path, SMALL), "--output", str(tmp_path / "dist"),
                        cwd=project, cache=build_cache)   # no Flask, no serverless-wsgi: cannot serve
    assert run.exit_code == ExitStatus.DIFFERENCES
    assert "verify failed: the handler did not run under CPython 3.12" in run.stderr
    assert "ModuleNotFoundError" in run.stderr


def test_another_architecture_still_gets_bytecode_for_its_native_packages(
    project: Path, build_cache: Path, tmp_path: Path, py312: Interpreter | None
) -> None:
    need_312(py312)
    lock = _lock(tmp_path, "pydantic-core==2.50.5\ntyping-extensions==4.16.0\n")
    arch = "arm64" if host_arch() == "x86_64" else "x86_64"   # the one whose .so cannot load here
    run = shopbot_build("--json", "--arch", arch, "--requirements", lock, "--output", str(tmp_path / "dist"),
                        cwd=project, cache=build_cache)
    assert run.exit_code == 0, run.stderr
    with zipfile.ZipFile(tmp_path / "dist" / f"shopbot-lambda-3.12-{arch}.zip") as archive:
        names = archive.namelist()
    native = "aarch64" if arch == "arm64" else "x86_64"
    assert any(name.startswith("pydantic_core/_pydantic_core.") and native in name for name in names)
    # core_schema loads only once the native module did: traced on this machine's wheels, then compiled
    assert "pydantic_core/__pycache__/core_schema.cpython-312.pyc" in names
