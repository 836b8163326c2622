"""The shipper's pure parts: PutLogEvents-sized batches, oversized lines, the bounded buffer."""

from __future__ import annotations

import time

from shopbot_cli.logs.ship import (
    BATCH_BYTES,
    BATCH_EVENTS,
    EVENT_OVERHEAD,
    MAX_MESSAGE_BYTES,
    LogShipper,
    batches,
    event,
)


def test_batches_respect_both_put_log_events_limits_and_keep_order() -> None:
    many = [event(i, "x") for i in range(BATCH_EVENTS + 5)]
    cut = list(batches(many))
    assert [len(batch) for batch in cut] == [BATCH_EVENTS, 5]
    assert [e["timestamp"] for batch in cut for e in batch] == list(range(BATCH_EVENTS + 5))

    big = [event(i, "y" * 200_000) for i in range(12)]  # 12 x 200 kB: more than 1 MB
    for batch in batches(big):
        assert sum(len(e["message"]) + EVENT_OVERHEAD for e in batch) <= BATCH_BYTES
    assert sum(len(batch) for batch in batches(big)) == 12


def test_an_oversized_line_is_cut_and_an_empty_one_kept() -> None:
    assert len(event(0, "é" * MAX_MESSAGE_BYTES)["message"].encode()) <= MAX_MESSAGE_BYTES
    assert event(0, "")["message"].strip() == ""  # kept as a blank line: CloudWatch refuses ""
    assert event(0, "")["message"] != ""


def test_a_full_buffer_drops_the_oldest_lines_and_counts_them() -> None:
    said: list[str] = []
    shipper = LogShipper(client=None, group="/g", warn=said.append, capacity=3)  # never started: no network
    for number in range(5):
        shipper.put("s", f"line {number}")
    assert shipper.dropped == 2
    assert [line for _, _, line in shipper._buffer] == ["line 2", "line 3", "line 4"]


def test_a_line_longer_than_an_event_is_cut_when_buffered() -> None:
    shipper = LogShipper(client=None, group="/g", warn=print)
    shipper.put("s", "z" * (8 * MAX_MESSAGE_BYTES))
    assert len(shipper._buffer[0][2]) == MAX_MESSAGE_BYTES


def test_lines_held_by_an_endpoint_that_never_answers_are_counted_and_said_at_close() -> None:
    """A CloudWatch Logs that accepts connections and never answers: close() may not wait for it,
    so what it holds is lost - and says so, instead of vanishing with the process."""
    import socket

    import boto3
    from botocore.config import Config

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # never accepted, never answered
    client = boto3.client(
        "logs", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{silent.getsockname()[1]}",
        aws_access_key_id="x", aws_secret_access_key="y",
        config=Config(read_timeout=30, connect_timeout=30, retries={"max_attempts": 0}),
    )
    said: list[str] = []
    shipper = LogShipper(client, "/g", warn=said.append, interval=0.05)
    for number in range(50):
        shipper.put("s", f"line {number}")
    shipper.start()
    time.sleep(0.5)  # the flush has taken the lines and waits on the endpoint
    try:
        shipper.close(timeout=0.3)
    finally:
        silent.close()

    assert shipper.dropped == 50 and shipper.sent == 0
    assert any("did not answer within 0.3 s" in line for line in said), said
    assert any("50 log line(s) never reached" in line for line in said), said
