"""Reading a built package and its manifest (sha256 as hex or base64, in several shapes)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from shopbot_cli.deploy.lambda_ import load_package, manifest_path_for, manifest_sha256
from shopbot_cli.errors import CliError

DATA = b"PK\x05\x06" + b"\0" * 18
HEX = hashlib.sha256(DATA).hexdigest()
B64 = base64.b64encode(hashlib.sha256(DATA).digest()).decode()


@pytest.mark.parametrize(
    "manifest",
    [
        {"archive": {"sha256": HEX, "size": 22}},
        {"archive": {"sha256_base64": B64, "sha256": HEX}},
        {"archive": {"sha256_base64": B64}},
    ],
)
def test_manifest_digest_shapes(manifest: dict[str, Any]) -> None:
    assert manifest_sha256(manifest, Path("m.json")) == B64


@pytest.mark.parametrize(
    "manifest", [{}, {"archive": {"size": 3}}, {"archive": {"sha256": "not-a-digest"}}, {"sha256": HEX}, ["x"]]
)
def test_manifest_without_a_digest_is_refused(manifest: Any) -> None:
    with pytest.raises(CliError, match="shopbot build"):
        manifest_sha256(manifest, Path("m.json"))


def test_package_matching_its_manifest(tmp_path: Path) -> None:
    zip_path = tmp_path / "shopbot-lambda-3.12-x86_64.zip"
    zip_path.write_bytes(DATA)
    manifest = {"archive": {"sha256": HEX}, "python": "3.12", "arch": "arm64"}
    (tmp_path / "shopbot-lambda-3.12-x86_64.manifest.json").write_text(json.dumps(manifest))

    package = load_package(zip_path)

    assert (package.sha256, package.size) == (B64, len(DATA))
    assert (package.python, package.arch) == ("3.12", "arm64")


def test_manifest_may_sit_beside_as_zip_name_plus_suffix(tmp_path: Path) -> None:
    zip_path = tmp_path / "p.zip"
    appended = tmp_path / "p.zip.manifest.json"
    appended.write_text("{}")

    assert manifest_path_for(zip_path) == appended


def test_unreadable_manifest(tmp_path: Path) -> None:
    zip_path = tmp_path / "p.zip"
    zip_path.write_bytes(DATA)
    (tmp_path / "p.manifest.json").write_text("{not json")

    with pytest.raises(CliError, match="not readable JSON"):
        load_package(zip_path)
