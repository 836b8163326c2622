"""Bad input to `shopbot deploy`: one line saying what is wrong and how to fix it, a
documented exit code, no traceback, nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from .conftest import CLUSTER, Stack, run


def one_line(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    return lines[0]


def assert_untouched(stack: Stack) -> None:
    assert stack.versions() == ["1"] and stack.alias()["FunctionVersion"] == "1"
    assert len(stack.revisions()) == 1 and stack.service_task_definition().endswith(f"{CLUSTER}:1")
    assert not stack.ledger_exists()


def test_missing_package(stack: Stack) -> None:
    result = run("deploy", "--target", "lambda", "--yes")

    assert result.exit_code == 2
    line = one_line(result)
    assert "dist/shopbot-lambda-3.12-x86_64.zip not found" in line and "shopbot build" in line
    assert_untouched(stack)


def test_manifest_not_matching_the_zip(stack: Stack, build: Callable[..., Path]) -> None:
    package = build("release-2")
    package.write_bytes(package.read_bytes() + b"\0")  # changed after the build

    result = run("deploy", "--target", "lambda", "--package", str(package), "--yes")

    assert result.exit_code == 2
    line = one_line(result)
    assert "does not match its manifest" in line and "rebuild" in line
    assert_untouched(stack)


@pytest.mark.parametrize(
    ("built_for", "says"),
    [({"arch": "arm64"}, "built for arm64 but 'shopbot-service-test' runs on x86_64"),
     ({"python": "3.13"}, "built for Python 3.13 but 'shopbot-service-test' runs python3.12")],
    ids=["arch", "python"],
)
def test_package_built_for_another_runtime(stack: Stack, build: Callable[..., Path], built_for: dict[str, str],
                                           says: str) -> None:
    build("release-2", **built_for)

    result = run("deploy", "--target", "lambda", "--yes")

    assert result.exit_code == 2
    line = one_line(result)
    assert says in line and "shopbot build" in line
    assert_untouched(stack)


def test_missing_manifest(stack: Stack, build: Callable[..., Path]) -> None:
    package = build("release-2")
    package.with_suffix(".manifest.json").unlink()

    result = run("deploy", "--target", "lambda", "--yes")

    assert result.exit_code == 2
    assert "no manifest" in one_line(result)
    assert_untouched(stack)


@pytest.mark.parametrize(
    ("args", "status", "expected"),
    [
        (["--target", "lambda", "--to-version", "1"], 3, "Lambda function 'nope' does not exist"),
        (["--target", "ecs", "--image-tag", "v2"], 3, "ECS service 'nope' not found in cluster"),
    ],
    ids=["unknown-function", "unknown-service"],
)
def test_unknown_function_or_service(
    stack: Stack, args: list[str], status: int, expected: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = tmp_path / "shopbot.toml"
    settings.write_text(settings.read_text().replace('lambda_function = "shopbot-service-test"',
                                                     'lambda_function = "nope"')
                        .replace('ecs_service = "shopbot-service"', 'ecs_service = "nope"'))

    result = run("deploy", *args, "--yes")

    assert result.exit_code == status
    line = one_line(result)
    assert expected in line and "shopbot.toml" in line
    assert_untouched(stack)


def test_unknown_cluster(stack: Stack, tmp_path: Path) -> None:
    settings = tmp_path / "shopbot.toml"
    settings.write_text(settings.read_text().replace(f'ecs_cluster = "{CLUSTER}"', 'ecs_cluster = "gone"'))

    result = run("deploy", "--target", "ecs", "--image-tag", "v2", "--yes")

    assert result.exit_code == 3
    assert "ECS cluster 'gone' does not exist" in one_line(result)
    assert_untouched(stack)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--target", "lambda", "--to-version", "7"], "version 7 of 'shopbot-service-test' does not exist"),
        (["--target", "ecs", "--to-revision", "7"], f"task definition '{CLUSTER}:7' does not exist"),
    ],
    ids=["unknown-version", "unknown-revision"],
)
def test_going_back_to_what_does_not_exist(stack: Stack, args: list[str], expected: str) -> None:
    result = run("deploy", *args, "--yes")

    assert result.exit_code == 3
    assert expected in one_line(result)
    assert_untouched(stack)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--target", "k8s"], "unknown target 'k8s'"),
        (["--target", "lambda", "--weight", "1.5"], "--weight 1.5 must be between 0 and 1"),
        (["--target", "lambda", "--canary-version", "1"], "--canary-version needs --weight"),
        (["--target", "ecs"], "--image-tag TAG"),
        (["--target", "ecs", "--image-tag", "bad tag!"], "is not a Docker tag"),
        (["--target", "ecs", "--to-version", "1"], "are for --target lambda"),
    ],
)
def test_contradictory_or_malformed_options(stack: Stack, build: Callable[..., Path],
                                            args: list[str], expected: str) -> None:
    build("release-2")

    result = run("deploy", *args, "--yes")

    assert result.exit_code == 2
    assert expected in one_line(result)
    assert_untouched(stack)
