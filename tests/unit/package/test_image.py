"""ECS side: the exact build context and the Lambda-vs-image version comparison."""

from __future__ import annotations

from pathlib import Path

import pytest
from shopbot_cli.errors import CliError
from shopbot_cli.package import image
from shopbot_cli.package.manifest import Archive, Bytecode, Manifest, PackageEntry

REPO = Path(__file__).resolve().parents[3]


def _lambda_manifest(**versions: str) -> Manifest:
    return Manifest(
        target="lambda", python="3.12", arch="x86_64", platform="manylinux2014_x86_64", git_commit="abc",
        requirements="requirements/runtime.txt", requirements_sha256="0", bundle_sdk=False,
        packages=[PackageEntry(name, version, f"{name}-{version}.whl", "0") for name, version in versions.items()],
        runtime_provided={"boto3": "1.44.8"},
        bytecode=Bytecode(True, "CPython 3.12.1", "unchecked-hash", 1, ""),
        archive=Archive("x.zip", "0", "0", 1, 1, 1), inputs_sha256="0",
    )


def test_same_pins_plus_gunicorn_is_no_difference() -> None:
    differences, notes = image.compare(
        _lambda_manifest(flask="3.1.3"), {"flask": "3.1.3", "boto3": "1.44.8", "gunicorn": "27.0.1"}
    )
    assert differences == []
    assert "gunicorn: ECS-only (27.0.1)" in notes


def test_version_skew_and_missing_packages_are_differences() -> None:
    differences, _ = image.compare(
        _lambda_manifest(flask="3.1.3", redis="8.1.0"), {"flask": "3.1.2", "boto3": "1.44.9", "gunicorn": "27.0.1"}
    )
    assert [(d.name, d.lambda_version, d.image_version) for d in differences] == [
        ("boto3", "1.44.8", "1.44.9"), ("flask", "3.1.3", "3.1.2"), ("redis", "8.1.0", None),
    ]


def test_context_holds_exactly_what_the_dockerfile_copies(tmp_path: Path) -> None:
    digests = image.write_context(REPO, tmp_path / "ctx")
    assert set(image.CONTEXT_FILES) <= set(digests)
    assert "shopbot/__init__.py" in digests and "shopbot/data/catalog.json" in digests
    assert not [name for name in digests if "__pycache__" in name or name.startswith(("cli/", "tests/"))]
    dockerfile = (tmp_path / "ctx" / image.DOCKERFILE).read_text()
    for copied in ("requirements/ecs.txt", "shopbot/", "deploy/ecs/gunicorn.conf.py"):
        assert copied in dockerfile
    assert "FROM python:${PYTHON_VERSION}-slim" in dockerfile and "ARG PYTHON_VERSION=3.12" in dockerfile
    assert "\nUSER shopbot\n" in dockerfile                      # never root at run time
    assert "HEALTHCHECK" in dockerfile and "/health" in dockerfile
    assert dockerfile.rstrip().endswith('CMD ["gunicorn", "-c", "gunicorn.conf.py", "shopbot.wsgi:app"]')
    image.write_context(REPO, tmp_path / "ctx")  # an earlier context may be replaced


def test_context_refuses_a_directory_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(CliError, match="not empty and holds no earlier build context"):
        image.write_context(REPO, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
