"""Reading ALB access logs: the real lines in ../shared/corpora/alb, and hostile input."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shopbot_cli.cost.traffic import TrafficError, alb_line, parse_line, read_traffic, route_of

ROOT = Path(__file__).resolve().parents[3]
CORPORA = ROOT.parent / "shared" / "corpora" / "alb"
needs_corpora = pytest.mark.skipif(not CORPORA.is_dir(), reason=f"the real ALB corpora are not at {CORPORA}")


def epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


@needs_corpora
def test_the_aws_documentation_examples() -> None:
    traffic = read_traffic([CORPORA / "aws-docs-examples.log"])
    # served: HTTP, HTTPS (authenticate,forward), WebSocket, secure WebSocket; the redirect and the two
    # Lambda-target lines (target "-") were answered by the ALB, not by a task
    assert (traffic.count, traffic.answered_by_alb, traffic.malformed) == (4, 3, 0)
    assert traffic.seconds == pytest.approx(0.001 + 0.048 + 0.003 + 0.001)
    assert (traffic.received, traffic.sent) == (34 + 0 + 218 + 218, 366 + 57 + 587 + 786)
    assert set(traffic.routes) == {"GET /"}
    # arrival is request_creation_time (22:22:48.364), not the response time (22:23:00.186641)
    assert traffic.first == pytest.approx(epoch("2018-07-02T22:22:48.364000Z"))


@needs_corpora
def test_the_2019_format_without_the_newer_fields() -> None:
    traffic = read_traffic([CORPORA / "aws-docs-2019-format.log"])
    assert traffic.count == 1
    assert traffic.first == pytest.approx(epoch("2018-07-02T22:22:48.364000Z"))


@needs_corpora
def test_real_world_lines() -> None:
    traffic = read_traffic([CORPORA / "real-world.log"])
    # the malformed "- http://...:80- -" request and the scanner POST answered 400 by the ALB (target "-")
    assert (traffic.count, traffic.answered_by_alb, traffic.malformed) == (3, 2, 0)
    assert traffic.routes["POST /api/deposits/transactions:search"].count == 2    # IPv4 and IPv6 clients
    assert traffic.routes["POST /api/deposits/transactions:search"].seconds == pytest.approx(0.104)
    assert traffic.routes["GET /"].count == 1


@needs_corpora
def test_a_folder_with_gzip_files(tmp_path: Path) -> None:
    text = (CORPORA / "aws-docs-examples.log").read_bytes()
    (tmp_path / "a.log.gz").write_bytes(gzip.compress(text))
    (tmp_path / "b.log").write_bytes((CORPORA / "real-world.log").read_bytes())
    assert read_traffic([tmp_path]).count == 4 + 3


def test_routes_fold_ids() -> None:
    assert route_of("GET", "/api/chat/6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b") == "GET /api/chat/<id>"
    assert route_of("DELETE", "/api/chat/0123456789abcdef") == "DELETE /api/chat/<id>"
    assert route_of("GET", "/api/products/search") == "GET /api/products/search"


def test_a_line_written_for_the_demo_reads_back() -> None:
    hit = parse_line(alb_line(1_767_225_600.25, 1.5, "POST", "/api/chat", 120, 900))
    assert hit is not None
    assert (hit.arrival, hit.seconds, hit.received, hit.sent, hit.route) == (
        pytest.approx(1_767_225_600.25), 1.5, 120, 900, "POST /api/chat")


def test_no_usable_line_is_one_clear_error(tmp_path: Path) -> None:
    log = tmp_path / "nginx.log"
    log.write_text('127.0.0.1 - - [01/Dec/2026:07:00:00 +0000] "GET / HTTP/1.1" 200 12\n')
    with pytest.raises(TrafficError, match=r"no request served by a target.*1 malformed.*nginx.log:1") as caught:
        read_traffic([log])
    assert "--alb-logs" in str(caught.value)


def test_an_empty_folder_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TrafficError, match="folder has no log files"):
        read_traffic([tmp_path])
    with pytest.raises(TrafficError, match="no such file or folder"):
        read_traffic([tmp_path / "absent.log"])


def test_one_bad_line_in_many_is_counted_not_fatal(tmp_path: Path) -> None:
    good = alb_line(1_767_225_600.0, 0.2, "GET", "/health", 10, 20)
    log = tmp_path / "mixed.log"
    log.write_text(f"{good}\nhttp garbage\n{good}\n")
    traffic = read_traffic([log])
    assert (traffic.count, traffic.malformed) == (2, 1)
    assert "mixed.log:2" in traffic.skipped_note()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_a_hit_none_or_a_value_error(line: str) -> None:
    try:
        hit = parse_line(line)
    except ValueError as error:
        assert str(error) and "\n" not in str(error)  # one line naming what is wrong
        return
    assert hit is None or (hit.seconds >= 0 and hit.received >= 0 and hit.sent >= 0)


FIELD = st.one_of(st.sampled_from(["-", "-1", "0.001", "200", "1e309", "nan", '"GET / HTTP/1.1"',
                                   "2018-07-02T22:23:00.186641Z", '"forward"', '"redirect"', "99999999999999999"]),
                  st.text(alphabet=st.characters(blacklist_characters=" \n\r"), min_size=1, max_size=12))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["http", "https", "h2"]), st.lists(FIELD, min_size=12, max_size=26))
def test_alb_shaped_lines_never_escape_as_anything_but_value_error(kind: str, fields: list[str]) -> None:
    try:
        hit = parse_line(" ".join([kind, *fields]))
    except ValueError:
        return
    if hit is not None:
        assert hit.seconds >= 0 and hit.received >= 0 and hit.sent >= 0


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=600))
def test_any_file_reads_or_fails_with_one_error(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    log = tmp_path_factory.mktemp("logs") / "x.log"
    log.write_bytes(data)
    try:
        traffic = read_traffic([log])
    except TrafficError as error:
        assert str(error).startswith(str(log)) or str(log) in str(error) or "no usable" in str(error), str(error)
        return
    assert traffic.count >= 1  # a read that returns has found at least one request
