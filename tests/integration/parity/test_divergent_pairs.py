"""Deliberately divergent pairs of real servers: each divergence is caught; pure noise is not."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from .conftest import HERE, Outcome, run_check

CORPUS = str(HERE / "search.yaml")
SEARCH = "GET /api/products/search"


def check(divergent: str, tmp_path: Path, mode: str, *extra: str) -> Outcome:
    return run_check(tmp_path, "--primary", f"{divergent}/m/base", "--candidate", f"{divergent}/m/{mode}",
                     "--corpus", CORPUS, "--concurrency", "4", "--warmup", "2", *extra)


def test_identical_service_with_pure_noise_passes(divergent: str, tmp_path: Path) -> None:
    outcome = run_check(tmp_path, "--primary", f"{divergent}/m/base", "--candidate", f"{divergent}/m/base/",
                        "--corpus", CORPUS, "--concurrency", "4")
    assert outcome.exit_code == 0, outcome.output
    report = outcome.report
    assert report is not None and report["passed"] is True
    assert report["requests"] == 6
    noise = {f["field"]: f["state"] for f in outcome.route(SEARCH)["noise"]}
    # request ids and timestamps vary within each side: recognised as noise, not differences
    assert noise["$.request_id"] == "noisy"
    assert noise["$.generated_at"] == "noisy"
    assert noise["headers.x-request-id"] == "noisy"
    assert not [d for d in report["differences"] if d["outcome"] == "fail"]


def test_platform_headers_differ_by_design_and_are_not_flagged(divergent: str, tmp_path: Path) -> None:
    # "lambda-like" candidate: adds apigw-requestid and a different X-Shopbot-Target; nothing else changes
    outcome = check(divergent, tmp_path, "same_as_base")
    assert outcome.exit_code == 0, outcome.output
    keys = {d["key"] for d in outcome.report["differences"]} if outcome.report else set()
    assert not {"headers.apigw-requestid", "headers.x-shopbot-target", "headers.date"} & keys


@pytest.mark.parametrize(("mode", "expected"), [
    ("status", "status 200 on primary, 202 on candidate"),
    ("missing_header", "headers.cache-control (missing"),
    ("extra_cookie", "Set-Cookie count differs: 2 Set-Cookie"),
    ("merged_cookie", "Set-Cookie count differs: 2 Set-Cookie"),
    ("type_change", "$.products[].price (type"),
    ("reorder", "$.products (order"),
    ("time_format", "$.generated_at (type"),
    ("time_string", "noisy field changes format: iso-datetime on primary, numeric-string on candidate"),
])
def test_each_divergence_is_caught(divergent: str, tmp_path: Path, mode: str, expected: str) -> None:
    outcome = check(divergent, tmp_path, mode)
    assert outcome.exit_code == 1, outcome.output
    assert expected in outcome.failures(SEARCH)
    assert outcome.report is not None and outcome.report["passed"] is False
    # the health route is untouched by every mode and still passes
    assert outcome.route("GET /health")["verdict"] == "pass"


def test_slower_candidate_breaches_the_latency_budget(divergent: str, tmp_path: Path) -> None:
    corpus = tmp_path / "searches.yaml"   # 10 requests: 20 answers per side, enough for a p95
    corpus.write_text("- {path: /api/products/search, query: {q: shoes}}\n" * 10 + "- {path: /health}\n" * 3)
    outcome = run_check(tmp_path / "out", "--primary", f"{divergent}/m/base", "--candidate", f"{divergent}/m/slow",
                        "--corpus", str(corpus), "--concurrency", "8", "--warmup", "2", "--budget-p95-ratio", "1.5")
    assert outcome.exit_code == 1, outcome.output
    route = outcome.route(SEARCH)
    assert "latency budget breached" in outcome.failures(SEARCH)
    assert route["latency"]["candidate"]["p95"] >= 150
    assert route["latency"]["p95_ratio"] > 1.5
    # and only latency: the answers themselves are alike
    assert all("latency" in line for line in route["failures"])


def test_a_hanging_target_is_reported_per_request(divergent: str, tmp_path: Path) -> None:
    outcome = check(divergent, tmp_path, "hang", "--timeout", "0.5")
    assert outcome.exit_code == 1, outcome.output
    assert "candidate: timeout: no complete answer within 0.5s (6 answer(s))" in outcome.failures(SEARCH)
    lines = [json.loads(line) for line in (tmp_path / "parity-results.jsonl").read_text().splitlines()]
    searches = [line for line in lines if line["route"] == SEARCH]
    assert len(searches) == 3
    assert all(line["answers"]["c1"]["error"].startswith("timeout") for line in searches)
    assert all(line["answers"]["p1"]["status"] == 200 for line in searches)


def test_text_and_very_large_bodies_are_diffed_with_a_cap(divergent: str, tmp_path: Path) -> None:
    corpus = tmp_path / "bodies.yaml"
    corpus.write_text("- {path: /page}\n- {path: /big}\n" * 3)  # 3 samples each for the noise statistics
    outcome = run_check(tmp_path / "out", "--primary", f"{divergent}/m/base", "--candidate",
                        f"{divergent}/m/text", "--corpus", str(corpus), "--concurrency", "2")
    assert outcome.exit_code == 1, outcome.output
    page = next(d for d in outcome.report["differences"] if d["key"] == "body") if outcome.report else {}
    assert page["route"] == "GET /page" and page["outcome"] == "fail"
    assert "-same" in page["examples"][0]["detail"] and "+changed" in page["examples"][0]["detail"]
    assert outcome.route("GET /big")["verdict"] == "pass"

    outcome = run_check(tmp_path / "big", "--primary", f"{divergent}/m/base", "--candidate",
                        f"{divergent}/m/big", "--corpus", str(corpus), "--concurrency", "2")
    assert outcome.exit_code == 1
    big = next(d for d in outcome.report["differences"] if d["route"] == "GET /big") if outcome.report else {}
    example = big["examples"][0]
    assert "compared by size and hash only" in example["detail"]
    size = 3 * 1024 * 1024 + 1  # every byte counted and hashed, though only the first 1 MiB is kept
    assert example["primary"].startswith(f"{size} bytes, sha256 ") and example["candidate"].startswith(f"{size} bytes")
    assert example["primary"] != example["candidate"]  # the hashes differ in the last byte
    assert len(example["primary"]) < 200  # the 3 MB body is not copied into the report
    lines = [json.loads(line) for line in (tmp_path / "big" / "parity-results.jsonl").read_text().splitlines()]
    assert {line["answers"]["p1"]["bytes"] for line in lines if line["route"] == "GET /big"} == {size}
    assert (tmp_path / "big" / "parity-report.json").stat().st_size < 100_000


def test_absolute_links_to_each_sides_own_host_are_equal(divergent: str, tmp_path: Path) -> None:
    corpus = tmp_path / "redirect.yaml"
    corpus.write_text("- {path: /redirect}\n" * 3)
    other_host = divergent.replace("127.0.0.1", "localhost")
    outcome = run_check(tmp_path / "out", "--primary", f"{divergent}/m/base", "--candidate", f"{other_host}/m/base",
                        "--corpus", str(corpus))
    assert outcome.exit_code == 0, outcome.output
    lines = (tmp_path / "out" / "parity-results.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["answers"]["p1"]["status"] == 302


def test_rate_limit_spaces_requests(divergent: str, tmp_path: Path) -> None:
    corpus = tmp_path / "many.yaml"
    corpus.write_text("".join("- {path: /health}\n" for _ in range(10)))
    started = time.monotonic()
    outcome = run_check(tmp_path / "out", "--primary", f"{divergent}/m/base", "--candidate", f"{divergent}/m/base",
                        "--corpus", str(corpus), "--rate", "20", "--concurrency", "8", "--warmup", "0")
    elapsed = time.monotonic() - started
    assert outcome.exit_code == 0, outcome.output
    # 10 requests x 2 per side at 20 per second per side: at least ~0.9 s however high the concurrency
    assert elapsed >= 0.85


def test_only_unsafe_mutations_means_nothing_was_checked(divergent: str, tmp_path: Path) -> None:
    corpus = tmp_path / "mutations.yaml"
    corpus.write_text("- {method: DELETE, path: /api/chat/abcdefgh1}\n"
                      "- {method: POST, path: /api/chat, json: {}}\n" * 3)
    outcome = run_check(tmp_path / "out", "--primary", f"{divergent}/m/base", "--candidate", f"{divergent}/m/base",
                        "--corpus", str(corpus))
    assert outcome.exit_code == 1
    assert "no request was replayed (6 mutating request(s) skipped" in outcome.output
    assert outcome.report is not None and outcome.report["passed"] is False
    outcome = run_check(tmp_path / "out2", "--primary", f"{divergent}/m/base", "--candidate",
                        f"{divergent}/m/base", "--corpus", str(corpus), "--allow-mutations")
    assert outcome.exit_code == 0, outcome.output
    assert outcome.report is not None and outcome.report["requests"] == 6


def test_no_secret_like_value_reaches_any_report_file(divergent: str, tmp_path: Path) -> None:
    corpus = tmp_path / "secrets.yaml"
    corpus.write_text(
        "- {path: '/secrets?q=1&access_token=CANARY-QUERY-TOKEN&api_key=CANARY-QUERY-KEY',"
        " headers: {Authorization: Bearer CANARY-AUTH}}\n" * 3
        + "- {path: '/secrets?format=text&signature=CANARY-QUERY-SIG'}\n" * 3)
    outcome = run_check(tmp_path / "out", "--primary", f"{divergent}/m/base", "--candidate",
                        f"{divergent}/m/secrets", "--corpus", str(corpus))
    assert outcome.exit_code == 1, outcome.output  # the differing credentials are differences...
    files = sorted((tmp_path / "out").iterdir())
    assert {f.name for f in files} == {"parity-report.json", "parity-report.html", "parity-junit.xml",
                                       "parity-results.jsonl"}
    for path in files:  # ...shown only as fingerprints, in every file
        assert "CANARY" not in path.read_text(), path.name
    assert "CANARY" not in outcome.output
    report = json.loads((tmp_path / "out" / "parity-report.json").read_text())
    shown = {d["key"]: d["examples"][0] for d in report["differences"]}
    assert {"headers.x-session-token", "$.token", "$.user.api_key", "body"} <= set(shown)
    # masked the way `secrets` masks: two values still tell apart by their fingerprints
    assert shown["headers.x-session-token"]["primary"].startswith("••••••(len 21, sha256:")
    assert shown["$.token"]["primary"] != shown["$.token"]["candidate"]
    assert "user=ann&password=••••••(len 19, sha256:" in shown["body"]["primary"]
    first = json.loads((tmp_path / "out" / "parity-results.jsonl").read_text().splitlines()[0])
    assert first["target"].startswith("/secrets?q=1&access_token=••••••(len 18, sha256:")


def test_markup_in_answers_and_paths_is_printed_not_interpreted(divergent: str, tmp_path: Path) -> None:
    folder = tmp_path / "x[" / "bold]"   # the corpus path itself reads ".../x[/bold]/markup.yaml"
    folder.mkdir(parents=True)
    corpus = folder / "markup.yaml"
    corpus.write_text("- {path: /markup}\n" * 3)
    outcome = run_check(tmp_path / "out", "--primary", f"{divergent}/m/base", "--candidate",
                        f"{divergent}/m/text", "--corpus", str(corpus))
    assert outcome.exit_code == 1, outcome.output
    assert "MarkupError" not in outcome.output and "Traceback" not in outcome.output
    assert "[/bold] closed" in outcome.output and "[red]open" in outcome.output


ALB_LINE = ('http 2026-11-25T10:00:00.000000Z app/shop/1 10.0.0.1:5000 10.0.1.1:8080 0.001 0.002 0.000 200 200 '
            '34 366 "{method} http://shop.example.com:80{path} HTTP/1.1" "curl/8.0" - - '
            'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1 "Root=1-6" "-" "-" 0 '
            '2026-11-25T10:00:00.000000Z "{actions}" "-" "-" "10.0.1.1:8080" "200" "-" "-"\n')


def test_alb_log_mutations_without_bodies_are_not_compared_unless_a_body_is_lent(divergent: str,
                                                                                 tmp_path: Path) -> None:
    log = tmp_path / "alb.log"
    log.write_text(ALB_LINE.format(method="GET", path="/health", actions="forward") * 3
                   + ALB_LINE.format(method="POST", path="/api/chat", actions="forward")
                   + ALB_LINE.format(method="GET", path="/", actions="redirect"))
    outcome = run_check(tmp_path / "out", "--primary", f"{divergent}/m/base", "--candidate", f"{divergent}/m/base",
                        "--corpus", str(log), "--allow-mutations")
    assert outcome.exit_code == 0, outcome.output
    said = " ".join(outcome.output.split())
    assert "1 mutating request(s) without bodies: not compared" in said
    assert "1 corpus entry skipped: answered by the ALB itself (redirect)" in said
    assert outcome.report is not None and outcome.report["not_compared"] == {"mutating_without_body": 1}
    assert outcome.report["corpus_skipped"]["by_reason"] == {"answered by the ALB itself (redirect)": 1}
    assert outcome.route("POST /api/chat")["verdict"] == "not_covered"

    bodies = tmp_path / "bodies.yaml"
    bodies.write_text("- {method: POST, path: /api/chat, json: {message: hi}, safe: true}\n")
    outcome = run_check(tmp_path / "out2", "--primary", f"{divergent}/m/base", "--candidate",
                        f"{divergent}/m/base", "--corpus", str(log), "--corpus", str(bodies), "--allow-mutations")
    assert outcome.report is not None and outcome.report["not_compared"] == {"mutating_without_body": 0}
    assert outcome.route("POST /api/chat")["requests"] == 2   # the logged POST, with the lent body, and the YAML one
