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
