"""Bad input through the real CLI: one clear line, a documented exit code, no half-written report."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import free_port, stop, wait_for_port

from .conftest import HERE, run_check

CORPUS = str(HERE / "search.yaml")
SEARCH_ROUTE = "GET /api/products/search"


def test_malformed_yaml_names_file_line_and_reason(divergent: str, tmp_path: Path) -> None:
    corpus = tmp_path / "bad.yaml"
    corpus.write_text("requests:\n  - path: /health\n  - path: /api/x\n    method: [GET\n")
    outcome = run_check(tmp_path / "out", "--primary", f"{divergent}/m/base", "--candidate",
                        f"{divergent}/m/base", "--corpus", str(corpus))
    assert outcome.exit_code == 2
    assert f"{corpus}:5: not valid YAML" in outcome.output
    assert "Traceback" not in outcome.output
    assert not (tmp_path / "out").exists()  # nothing sent, nothing written


def test_invalid_request_names_its_line(divergent: str, tmp_path: Path) -> None:
    corpus = tmp_path / "bad.yaml"
    corpus.write_text("requests:\n  - path: /health\n\n  - method: FETCH\n    path: /health\n")
    outcome = run_check(tmp_path / "out", "--primary", f"{divergent}/m/base", "--candidate",
                        f"{divergent}/m/base", "--corpus", str(corpus))
    assert outcome.exit_code == 2
    assert f"{corpus}:4: unknown method 'FETCH'" in outcome.output


def test_bad_alb_log_line_in_a_gzipped_log(divergent: str, tmp_path: Path) -> None:
    log = tmp_path / "alb.log.gz"
    good = ('http 2026-11-25T10:00:00.000000Z app/shop/1 10.0.0.1:5000 10.0.1.1:8080 0.001 0.002 0.000 200 200 '
            '34 366 "GET http://shop.example.com:80/health HTTP/1.1" "curl/8.0" - - '
            'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1 "Root=1-6" "-" "-" 0 '
            '2026-11-25T10:00:00.000000Z "forward" "-" "-" "10.0.1.1:8080" "200" "-" "-"')
    log.write_bytes(gzip.compress(f"{good}\nhttp truncated line\n".encode()))
    outcome = run_check(tmp_path / "out", "--primary", f"{divergent}/m/base", "--candidate",
                        f"{divergent}/m/base", "--corpus", str(log))
    assert outcome.exit_code == 2
    assert f"{log}:2: not an ALB access log line" in outcome.output


def test_unreachable_target_exits_2_with_one_line(divergent: str, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    outcome = run_check(tmp_path, "--primary", f"{divergent}/m/base", "--candidate", dead, "--corpus", CORPUS)
    assert outcome.exit_code == 2
    lines = [line for line in outcome.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and f"cannot reach the candidate {dead}" in lines[0]
    assert "connection failed" in lines[0]


def test_tls_url_to_a_plain_http_port(divergent: str, tmp_path: Path) -> None:
    plain = divergent.replace("http://", "https://")
    outcome = run_check(tmp_path, "--primary", plain + "/m/base", "--candidate", f"{divergent}/m/base",
                        "--corpus", CORPUS, "--timeout", "2")
    assert outcome.exit_code == 2
    assert "primary" in outcome.output and "TLS" in outcome.output and "use http://" in outcome.output


@pytest.mark.parametrize("url", ["127.0.0.1:8000", "ftp://host/x", "http://"])
def test_not_a_url(tmp_path: Path, url: str) -> None:
    outcome = run_check(tmp_path, "--primary", url, "--candidate", "http://127.0.0.1:1", "--corpus", CORPUS)
    assert outcome.exit_code == 2
    assert "is not an http(s) URL" in outcome.output


def test_urls_come_from_the_environment_settings(divergent: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    settings = tmp_path / "shopbot.toml"
    gate = tmp_path / "gate" / "staging-parity.json"
    settings.write_text(f'[environments.staging]\nalb_url = "{divergent}/m/base"\napi_url = "{divergent}/m/base"\n'
                        f'parity_report = "{gate}"\n')
    monkeypatch.setenv("SHOPBOT_CONFIG", str(settings))
    outcome = run_check(tmp_path / "out", "--env", "staging", "--corpus", CORPUS, "--concurrency", "2")
    assert outcome.exit_code == 0, outcome.output
    assert outcome.report is not None and outcome.report["primary"] == f"{divergent}/m/base"
    # the environment's parity_report (what `shopbot cutover` reads) is kept current too
    assert gate.read_text() == (tmp_path / "out" / "parity-report.json").read_text()
    from shopbot_cli.cutover.gates import parity_gate
    from shopbot_cli.settings.environments import load_settings

    result, _ = parity_gate(load_settings("staging"))
    assert result.passed, result.detail

    settings.write_text('[environments.staging]\nregion = "us-east-1"\n')
    outcome = run_check(tmp_path / "out2", "--env", "staging", "--corpus", CORPUS)
    assert outcome.exit_code == 3
    assert "`alb_url`, `api_url`" in outcome.output


def test_untrusted_tls_certificate_exits_2(divergent: str, tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, str(HERE / "divergent.py"), str(port), str(cert), str(key)])
    try:
        wait_for_port(port, process=server)
        outcome = run_check(tmp_path / "out", "--primary", f"{divergent}/m/base", "--candidate",
                            f"https://127.0.0.1:{port}/m/base", "--corpus", CORPUS)
    finally:
        stop(server)
    assert outcome.exit_code == 2
    assert f"cannot reach the candidate https://127.0.0.1:{port}/m/base: TLS certificate rejected" in outcome.output


HAR_ENTRY = '{"request": {"method": "GET", "url": "http://x/a", "headers": %s%s}}'
MALFORMED = [
    ("query.yaml", "- {path: /a, query: [[a, b, c]]}\n", ":1: `query` must be a mapping or a list of [name, value]"),
    ("log.har", '{"log": [1, 2]}', ":1: not a HAR file (`log` must be an object"),
    ("headers.har", '{"log": {"entries": [%s]}}' % (HAR_ENTRY % ('{"a": "b"}', "")),
     ": entry 0: request.headers must be a list of {name, value} objects (got dict)"),
    ("novalue.har", '{"log": {"entries": [%s]}}' % (HAR_ENTRY % ('[{"name": "A"}]', "")),
     ": entry 0: request.headers[0] must have a `name` and a `value`"),
    ("postdata.har", '{"log": {"entries": [%s]}}' % (HAR_ENTRY % ("[]", ', "postData": "a=b"')),
     ": entry 0: request.postData must be an object with `text` or `params` (got str)"),
    ("ipv6.har", '{"log": {"entries": [{"request": {"method": "GET", "url": "http://[::1/a", "headers": []}}]}}',
     ": entry 0: malformed URL 'http://[::1/a' (Invalid IPv6 URL)"),
    ("crlf.yaml", '- {path: "/a\\r\\nX-Injected: 1"}\n', ":1: the path contains a control character or CR/LF"),
    ("header.yaml", '- {path: /a, headers: {X-A: "v\\r\\nX-Injected: 1"}}\n',
     ":1: header X-A contains a control character or CR/LF"),
    ("bomb.yaml", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nrequests: [{path: /a}]\n",
     ":2: YAML aliases (*name) are not allowed in a corpus"),
]


@pytest.mark.parametrize(("name", "text", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_is_refused_at_load_with_one_line(divergent: str, tmp_path: Path, name: str, text: str,
                                                          message: str) -> None:
    corpus = tmp_path / name
    corpus.write_text(text)
    outcome = run_check(tmp_path / "out", "--primary", f"{divergent}/m/base", "--candidate",
                        f"{divergent}/m/base", "--corpus", str(corpus))
    assert outcome.exit_code == 2, outcome.output
    errors = [line for line in outcome.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"{corpus}{message}" in " ".join(outcome.output.split()), outcome.output
    assert "Traceback" not in outcome.output
    assert not (tmp_path / "out").exists()  # refused before anything was sent: no half-written JSONL


def test_out_pointing_at_an_existing_file_is_one_line(divergent: str, tmp_path: Path) -> None:
    taken = tmp_path / "report.json"
    taken.write_text("{}")
    outcome = run_check(taken, "--primary", f"{divergent}/m/base", "--candidate", f"{divergent}/m/base",
                        "--corpus", CORPUS)
    assert outcome.exit_code == 2
    assert f"error: --out {taken} is an existing file; give a folder" in " ".join(outcome.output.split())
    assert taken.read_text() == "{}"


def test_sample_gate_and_thresholds_come_from_the_environment(divergent: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    settings = tmp_path / "shopbot.toml"
    base = f'[environments.staging]\nalb_url = "{divergent}/m/base"\napi_url = "{divergent}/m/base"\n'
    settings.write_text(base + "parity_min_route_requests = 5\n")
    monkeypatch.setenv("SHOPBOT_CONFIG", str(settings))
    outcome = run_check(tmp_path / "out", "--env", "staging", "--corpus", CORPUS, "--concurrency", "2")
    # 3 searches and 3 health checks: alike, but fewer than the 5 the gate asks for
    assert outcome.exit_code == 1, outcome.output
    assert outcome.report is not None and outcome.report["passed"] is False
    assert outcome.route(SEARCH_ROUTE)["verdict"] == "inconclusive"
    assert "2 route(s) have too few requests to decide" in " ".join(outcome.output.split())
    from shopbot_cli.cutover.gates import parity_gate
    from shopbot_cli.settings.environments import load_settings

    settings.write_text(base + f'parity_report = "{tmp_path / "out" / "parity-report.json"}"\n')
    result, _ = parity_gate(load_settings("staging"))
    assert not result.passed  # cutover refuses a report whose routes had too few samples

    settings.write_text(base + "parity_noise_relative = 2.5\n")
    outcome = run_check(tmp_path / "out2", "--env", "staging", "--corpus", CORPUS)
    assert outcome.exit_code == 3
    assert "parity_noise_relative = 2.5" in outcome.output and "must be a rate from 0 to 1" in outcome.output
