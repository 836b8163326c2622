"""The shipper's pure parts: PutLogEvents-sized batches, oversized lines, the bounded buffer."""

from __future__ import annotations

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
