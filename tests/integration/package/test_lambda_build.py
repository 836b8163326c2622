"""`shopbot build --target lambda` on the real pinned runtime set (wheels from PyPI)."""

from __future__ import annotations

import base64
import hashlib
import shutil
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from shopbot_cli.package.pins import SDK_PACKAGES, TOOLKIT_PACKAGES, canonical, read_pins
from shopbot_cli.package.resolve import find_uv
from shopbot_cli.package.target import Interpreter

from .conftest import Run, need_312, shopbot_build

ZIP = "shopbot-lambda-3.12-x86_64.zip"
# Pinned only because botocore needs them: the Lambda runtime installs them with botocore, nothing shipped
# asks for particular versions of them, so the zip leaves them out (issue #20).
SDK_DEPENDENCIES = {"python-dateutil", "six"}


def _names(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as archive:
        return archive.namelist()


def test_package_ships_the_service_and_runtime_set_only(lambda_build: Run, project: Path) -> None:
    names = _names(project / "dist" / ZIP)
    top = {name.split("/")[0] for name in names}
    dist_infos = {canonical(name.split("-")[0]) for name in top if name.endswith(".dist-info")}
    pinned = {pin.name for pin in read_pins(project / "requirements" / "runtime.txt")}
    shipped = pinned - SDK_PACKAGES - SDK_DEPENDENCIES
    assert dist_infos == shipped                                  # metadata kept for every shipped package
    assert not dist_infos & (SDK_PACKAGES | TOOLKIT_PACKAGES)     # no SDK, no toolkit
    assert not top & {"boto3", "botocore", "s3transfer", "jmespath", "typer", "rich", "aiohttp", "cli", "bin"}
    assert not top & {"dateutil", "six.py"}                      # botocore's dependencies: the runtime has them
    assert "shopbot/lambda_handler.py" in names and "shopbot/data/catalog.json" in names
    assert not [name for name in names if "/tests/" in name or "cpython-311" in name]


def test_bytecode_is_for_312_unchecked_hash_and_names_no_machine_path(
    lambda_build: Run, project: Path, build_cache: Path, py312: Interpreter | None
) -> None:
    interpreter = need_312(py312)
    magic = subprocess.run([str(interpreter.path), "-c", "import importlib.util as u, sys; "
                            "sys.stdout.write(u.MAGIC_NUMBER.hex())"], capture_output=True, text=True, check=True)
    with zipfile.ZipFile(project / "dist" / ZIP) as archive:
        for module in ("shopbot/lambda_handler", "flask/app", "serverless_wsgi", "anthropic/_client"):
            folder, _, name = module.rpartition("/")
            pyc = archive.read(f"{folder + '/' if folder else ''}__pycache__/{name}.cpython-312.pyc")
            assert pyc[:4].hex() == magic.stdout, module
            assert struct.unpack("<I", pyc[4:8])[0] == 0b01, module   # hash-based, source not checked
            assert f"/var/task/{module}.py".encode() in pyc
        blob = b"".join(archive.read(info) for info in archive.infolist() if info.filename.endswith(".pyc"))
    for machine_path in (str(project), str(build_cache), str(Path.home())):
        assert (machine_path + "/").encode() not in blob  # as a folder: /root_model.py is not /root
    assert lambda_build.json["bytecode"]["compiled"] is True
    assert lambda_build.json["bytecode"]["interpreter"] == interpreter.label


def test_manifest_describes_the_zip(lambda_build: Run, project: Path) -> None:
    manifest = lambda_build.json
    data = (project / "dist" / ZIP).read_bytes()
    assert manifest["archive"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["archive"]["sha256_base64"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert manifest["archive"]["size"] == len(data)
    with zipfile.ZipFile(project / "dist" / ZIP) as archive:
        assert manifest["archive"]["unzipped_size"] == sum(info.file_size for info in archive.infolist())
    assert (manifest["python"], manifest["arch"], manifest["platform"]) == ("3.12", "x86_64", "manylinux2014_x86_64")
    flask = next(entry for entry in manifest["packages"] if entry["name"] == "flask")
    assert flask["version"] == "3.1.3" and len(flask["sha256"]) == 64 and flask["wheel"].endswith(".whl")
    assert set(manifest["runtime_provided"]) == set(SDK_PACKAGES) | SDK_DEPENDENCIES
    assert (project / "dist" / ZIP.replace(".zip", ".manifest.json")).is_file()


def test_two_builds_from_cold_layers_are_byte_identical(lambda_build: Run, project: Path, build_cache: Path,
                                                        tmp_path: Path) -> None:
    fresh = tmp_path / "cache"
    shutil.copytree(build_cache / "wheels", fresh / "wheels")   # same downloads, nothing else reused
    again = shopbot_build("--json", "--output", str(tmp_path / "dist"), cwd=project, cache=fresh)
    assert again.exit_code == 0, again.stderr
    assert (tmp_path / "dist" / ZIP).read_bytes() == (project / "dist" / ZIP).read_bytes()
    first, second = lambda_build.json, again.json
    first["archive"].pop("path"), second["archive"].pop("path")  # where it was written differs, nothing else
    assert first == second


def test_warm_rebuild_with_nothing_changed_is_fast(lambda_build: Run, project: Path, build_cache: Path) -> None:
    started = time.perf_counter()
    again = shopbot_build("--output", str(project / "dist"), cwd=project, cache=build_cache)
    elapsed = time.perf_counter() - started
    assert again.exit_code == 0, again.stderr
    assert "up to date" in again.stdout
    assert elapsed < 10  # goal < 3 s, measured in bench/build_warm_rebuild.py; generous on a shared machine


def test_verify_runs_the_trimmed_package_isolated(lambda_build: Run, project: Path, build_cache: Path,
                                                  py312: Interpreter | None) -> None:
    need_312(py312)
    run = shopbot_build("--verify", "--json", "--output", str(project / "dist"), cwd=project, cache=build_cache)
    assert run.exit_code == 0, run.stderr
    verify = run.json["verify"]
    assert verify["passed"] is True
    assert (verify["health_status"], verify["chat_status"]) == (200, 200)
    assert verify["chat_products"] > 0
    assert verify["compiled_at_import"] == 0   # every module the handler loads came with 3.12 bytecode
    assert "boto3" not in verify["sdk_imported"]  # clients are built on first use, not at cold start


def test_a_warm_build_into_a_fresh_folder_gives_the_same_bytes(lambda_build: Run, project: Path, build_cache: Path,
                                                                tmp_path: Path) -> None:
    """The cached layer's compressed members, copied raw, give exactly the zip the cold build wrote."""
    again = shopbot_build("--json", "--output", str(tmp_path / "dist"), cwd=project, cache=build_cache)
    assert again.exit_code == 0, again.stderr
    assert "cached layer" in again.stderr + again.stdout
    assert (tmp_path / "dist" / ZIP).read_bytes() == (project / "dist" / ZIP).read_bytes()
    first, second = lambda_build.json, again.json
    first["archive"].pop("path"), second["archive"].pop("path")
    assert first == second


def test_fetching_with_uv_or_pip_gives_the_same_package(lambda_build: Run, project: Path, build_cache: Path,
                                                        tmp_path: Path) -> None:
    """Whichever tool fetched the wheels, the same pins give the same bytes and the same manifest."""
    if find_uv() is None:
        pytest.skip("uv is not installed here (pip install uv): only the pip path can run")
    first = lambda_build.json
    fetched_by = "uv" if "(uv)" in lambda_build.stderr + lambda_build.stdout else "pip"
    other = {"SHOPBOT_RESOLVER": "pip"} if fetched_by == "uv" else {}
    again = shopbot_build("--json", "--output", str(tmp_path / "dist"), cwd=project, cache=tmp_path / "cache",
                          env=other)
    assert again.exit_code == 0, again.stderr
    assert ("(pip" if fetched_by == "uv" else "(uv)") in again.stderr + again.stdout
    assert (tmp_path / "dist" / ZIP).read_bytes() == (project / "dist" / ZIP).read_bytes()
    second = again.json
    first["archive"].pop("path"), second["archive"].pop("path")
    assert first == second


def _one_line_error(run: Run) -> str:
    assert run.exit_code == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and run.stderr.count("\n") == 1, run.stderr
    return run.stderr


def test_a_cached_wheel_changed_since_download_is_refused_not_shipped(lambda_build: Run, project: Path,
                                                                      build_cache: Path, tmp_path: Path) -> None:
    """The layer copies wheels' compressed members as they are: a flipped byte must stop the build."""
    fresh = tmp_path / "cache"
    shutil.copytree(build_cache / "wheels", fresh / "wheels")
    wheel = next(path for path in (fresh / "wheels").rglob("markupsafe-*.whl"))
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF
    wheel.write_bytes(bytes(data))

    run = shopbot_build("--output", str(tmp_path / "dist"), cwd=project, cache=fresh)

    assert "changed since it was downloaded" in _one_line_error(run) and wheel.name in run.stderr
    assert not (tmp_path / "dist" / ZIP).exists()


def test_a_damaged_cached_layer_is_one_line_that_says_how_to_recover(lambda_build: Run, project: Path,
                                                                     build_cache: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "cache"
    shutil.copytree(build_cache, damaged)
    for info in (damaged / "layers").glob("*/layer.json"):
        info.write_text('{"files": ')

    run = shopbot_build("--output", str(tmp_path / "dist"), cwd=project, cache=damaged)

    assert "damaged build cache (JSONDecodeError" in _one_line_error(run) and f"delete {damaged}" in run.stderr
