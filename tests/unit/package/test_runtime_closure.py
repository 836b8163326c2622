"""Which pins the zip leaves to the Lambda runtime: the SDK and what only the SDK needs."""

from __future__ import annotations

from shopbot_cli.package.pins import Pin, Requirement, left_to_runtime

REQUIRES: dict[str, list[Requirement]] = {
    "boto3": [("botocore", True), ("jmespath", True), ("s3transfer", True)],
    "botocore": [("jmespath", True), ("python-dateutil", True), ("urllib3", True)],
    "python-dateutil": [("six", True)],
    "elasticsearch": [("elastic-transport", True), ("python-dateutil", False)],
    "elastic-transport": [("urllib3", True), ("certifi", False)],
}


def _pins(*names: str) -> list[Pin]:
    return [Pin(name, "1.0") for name in names]


def test_botocores_own_dependencies_go_with_it_unless_a_shipped_package_needs_a_version() -> None:
    pins = _pins("boto3", "botocore", "jmespath", "s3transfer", "python-dateutil", "six", "urllib3",
                 "elasticsearch", "elastic-transport", "certifi")
    left = left_to_runtime(pins, REQUIRES, bundle_sdk=False)
    # dateutil: elasticsearch asks for any version, the runtime's serves; urllib3: a range, so it ships
    assert left == {"boto3", "botocore", "jmespath", "s3transfer", "python-dateutil", "six"}


def test_a_dependency_asked_for_by_version_ships_with_its_own_dependencies() -> None:
    requires = {**REQUIRES, "elasticsearch": [("python-dateutil", True)]}
    left = left_to_runtime(_pins("boto3", "botocore", "python-dateutil", "six", "elasticsearch"), requires, False)
    assert left == {"boto3", "botocore"}   # dateutil ships, so six (which dateutil needs) ships too


def test_bundling_the_sdk_leaves_nothing_to_the_runtime() -> None:
    assert left_to_runtime(_pins("boto3", "botocore", "python-dateutil", "six"), REQUIRES, bundle_sdk=True) == set()


def test_a_pin_nothing_in_the_sdk_needs_ships() -> None:
    assert left_to_runtime(_pins("six", "jmespath"), REQUIRES, bundle_sdk=False) == {"jmespath"}
