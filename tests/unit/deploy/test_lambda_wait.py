"""Waiting for `UpdateFunctionCode` to finish: moto always answers Successful at once, so the
InProgress and Failed states real Lambda reports are checked with the botocore Stubber."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from shopbot_cli.deploy.lambda_ import wait_for_update
from shopbot_cli.errors import CliError
from shopbot_cli.ui import UI


@pytest.fixture
def lam() -> Any:
    return boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def stub(stubber: Stubber, status: str, reason: str = "") -> None:
    answer = {"FunctionName": "shop", "LastUpdateStatus": status}
    if reason:
        answer["LastUpdateStatusReason"] = reason
    stubber.add_response("get_function_configuration", answer, {"FunctionName": "shop"})


def test_waits_through_in_progress(lam: Any) -> None:
    sleeps: list[float] = []
    with Stubber(lam) as stubber:
        stub(stubber, "InProgress")
        stub(stubber, "InProgress")
        stub(stubber, "Successful")

        wait_for_update(lam, "shop", 60, UI(), sleep=sleeps.append)

        stubber.assert_no_pending_responses()
    assert len(sleeps) == 2


def test_failed_update_stops_before_publishing(lam: Any) -> None:
    with Stubber(lam) as stubber:
        stub(stubber, "InProgress")
        stub(stubber, "Failed", "Unzipped size must be smaller than 262144000 bytes")

        with pytest.raises(CliError) as caught:
            wait_for_update(lam, "shop", 60, UI(), sleep=lambda _: None)

    assert caught.value.status == 1
    assert "Unzipped size must be smaller" in str(caught.value) and "nothing was published" in str(caught.value)


def test_wait_is_bounded(lam: Any) -> None:
    with Stubber(lam) as stubber:
        stub(stubber, "InProgress")
        stub(stubber, "InProgress")

        with pytest.raises(CliError, match="still InProgress after 0s"):
            wait_for_update(lam, "shop", 0, UI(), sleep=lambda _: None)
