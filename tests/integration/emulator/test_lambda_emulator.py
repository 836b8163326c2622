"""`shopbot serve --target lambda` as a real process: awslambdaric workers behind the local
HTTP API, checked over real HTTP for translation, limits, failures and concurrency."""

from __future__ import annotations

import http.client
import json
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import requests

from tests.integration.emulator.conftest import Served, StartLambda

INTERNAL = {"message": "Internal Server Error"}


def connect(served: Served) -> http.client.HTTPConnection:
    parts = urlsplit(served.url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)


def test_the_function_receives_a_2_0_event_and_lambdas_environment(shared_lambda: Served) -> None:
    connection = connect(shared_lambda)
    connection.putrequest("GET", "/api/echo?size=9&size=10&q=a%20b", skip_accept_encoding=True)
    connection.putheader("X-Multi", "one")
    connection.putheader("X-Multi", "two")
    connection.putheader("Cookie", "session=abc; theme=dark")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 200
    body = json.loads(response.read())
    event = body["event"]
    assert event["rawPath"] == "/api/echo"
    assert event["rawQueryString"] == "size=9&size=10&q=a%20b"
    assert event["queryStringParameters"] == {"size": "9,10", "q": "a b"}
    assert event["headers"]["x-multi"] == "one,two"
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert all(name == name.lower() for name in event["headers"])
    assert event["requestContext"]["requestId"] == response.getheader("apigw-requestid")
    env = body["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "shopbot"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["APP_ENV"] == "lambda"
    assert env["CANARY_USER_VAR"] == "passed-through"
    assert body["scratch"].startswith(env["TMPDIR"])
    assert 0 < body["remaining_ms"] <= 3000  # the deadline header follows --timeout 3
    assert body["request_id"] != event["requestContext"]["requestId"]  # Lambda's id, not API Gateway's


def test_platform_headers_are_added(shared_lambda: Served) -> None:
    response = requests.get(f"{shared_lambda.url}/pid", timeout=30)
    assert response.status_code == 200
    assert len(response.headers["apigw-requestid"]) == 16
    assert response.headers["content-length"] == str(len(response.content))
    assert response.headers["date"].endswith("GMT")


def test_cookies_come_back_as_separate_set_cookie_lines(shared_lambda: Served) -> None:
    connection = connect(shared_lambda)
    connection.request("GET", "/cookies")
    response = connection.getresponse()
    response.read()
    assert [value for name, value in response.getheaders() if name.lower() == "set-cookie"] == [
        "a=1; Path=/", "b=2; HttpOnly"]
    assert response.getheader("x-one") == "1"


def test_binary_bodies_both_ways(shared_lambda: Served) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    sent = requests.post(f"{shared_lambda.url}/size", data=png, headers={"Content-Type": "image/png"}, timeout=30)
    assert sent.text == f"{len(png)} {png[:8].hex()}"
    received = requests.get(f"{shared_lambda.url}/binary", timeout=30)
    assert received.headers["content-type"] == "image/png"
    assert received.content == bytes(range(256))


def test_a_bare_json_answer_is_a_200_with_that_json(shared_lambda: Served) -> None:
    response = requests.get(f"{shared_lambda.url}/bare", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"hello": "world"}


def test_a_raising_handler_answers_500_and_the_worker_lives_on(shared_lambda: Served) -> None:
    before = requests.get(f"{shared_lambda.url}/pid", timeout=30).text
    response = requests.get(f"{shared_lambda.url}/crash", timeout=30)
    assert response.status_code == 500
    assert response.json() == INTERNAL
    assert response.headers["content-type"] == "application/json"
    workers_after = {requests.get(f"{shared_lambda.url}/pid", timeout=30).text for _ in range(3)}
    assert before in workers_after  # an error the runtime reports does not kill the environment
    assert "boom from the handler" in shared_lambda.output()


def test_request_body_over_10_mb_answers_413(shared_lambda: Served) -> None:
    parts = urlsplit(shared_lambda.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(b"POST /size HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: 10485761\r\n\r\n")
        answer = sock.recv(65536).decode()
    assert answer.startswith("HTTP/1.1 413 ")
    assert answer.endswith('{"message":"Request Entity Too Large"}')


def test_request_over_lambdas_6_mb_invoke_limit_answers_500(shared_lambda: Served) -> None:
    response = requests.post(f"{shared_lambda.url}/size", data=b"x" * 7_000_000,
                             headers={"Content-Type": "text/plain"}, timeout=60)
    assert response.status_code == 500
    assert response.json() == INTERNAL
    assert "RequestEntityTooLargeException" in shared_lambda.output()


def test_headers_over_10_kb_are_refused(shared_lambda: Served) -> None:
    response = requests.get(f"{shared_lambda.url}/pid", headers={"X-Big": "y" * 11_000}, timeout=30)
    assert response.status_code == 431


def test_response_over_6_mb_answers_502_and_under_it_passes(shared_lambda: Served) -> None:
    fits = requests.get(f"{shared_lambda.url}/big?n=6000000", timeout=60)
    assert fits.status_code == 200
    assert len(fits.content) == 6_000_000
    too_big = requests.get(f"{shared_lambda.url}/big?n=6300000", timeout=60)
    assert too_big.status_code == 502
    assert too_big.json() == INTERNAL
    assert requests.get(f"{shared_lambda.url}/pid", timeout=30).status_code == 200  # a new worker takes over


def test_n_workers_serve_n_requests_in_parallel(shared_lambda: Served) -> None:
    url = f"{shared_lambda.url}/sleep?s=1.5"
    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: requests.get(url, timeout=30), range(2)))
    elapsed = time.monotonic() - started
    assert [answer.status_code for answer in answers] == [200, 200]
    assert len({answer.text for answer in answers}) == 2  # two execution environments
    assert elapsed < 2.8, f"2 requests on 2 workers took {elapsed:.2f} s: they queued"


def test_with_one_worker_requests_queue(start_lambda: StartLambda) -> None:
    served = start_lambda("--concurrency", "1")
    url = f"{served.url}/sleep?s=1"
    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: requests.get(url, timeout=30), range(2)))
    elapsed = time.monotonic() - started
    assert [answer.status_code for answer in answers] == [200, 200]
    assert len({answer.text for answer in answers}) == 1  # the same single environment, one after the other
    assert elapsed >= 2.0
    assert served.output().count("Init Duration") == 1


def test_a_timeout_kills_the_worker_and_the_next_request_starts_cold(start_lambda: StartLambda) -> None:
    served = start_lambda("--timeout", "1", "--stage", "prod")
    first = requests.get(f"{served.url}/prod/pid", timeout=30).text
    started = time.monotonic()
    response = requests.get(f"{served.url}/prod/sleep?s=5", timeout=30)
    assert time.monotonic() - started < 4
    assert response.status_code == 500
    assert response.json() == INTERNAL
    second = requests.get(f"{served.url}/prod/pid", timeout=30).text
    assert second != first
    assert not Path(f"/proc/{first}").exists() or _is_zombie_or_gone(int(first))
    output = served.output()
    assert "Task timed out after 1.00 seconds" in output
    assert "Status: timeout" in output
    assert output.count("Init Duration") == 2


def test_a_named_stage_is_part_of_the_path(start_lambda: StartLambda) -> None:
    served = start_lambda("--stage", "prod")
    event = requests.get(f"{served.url}/prod/api/echo", timeout=30).json()["event"]
    assert event["rawPath"] == "/prod/api/echo"
    assert event["requestContext"]["stage"] == "prod"
    outside = requests.get(f"{served.url}/api/echo", timeout=30)
    assert outside.status_code == 404
    assert outside.json() == {"message": "Not Found"}


def test_an_import_error_is_an_init_error_and_every_request_500(start_lambda: StartLambda) -> None:
    served = start_lambda(handler="broken_fn.handler")
    for _ in range(2):
        response = requests.get(f"{served.url}/anything", timeout=30)
        assert response.status_code == 500
        assert response.json() == INTERNAL
    output = served.output()
    assert "Runtime.ImportModuleError" in output
    assert output.count("INIT_REPORT") == 2  # Lambda retries init on the next request


def test_package_runs_the_code_from_the_zip(start_lambda: StartLambda, handler_zip: Path) -> None:
    served = start_lambda("--package", str(handler_zip))
    body = requests.get(f"{served.url}/echo", timeout=30).json()
    task_root = body["env"]["LAMBDA_TASK_ROOT"]
    assert body["module"] == os.path.join(task_root, "behaviours.py")
    assert not os.access(task_root, os.W_OK) or os.geteuid() == 0  # read-only like /var/task (root ignores it)
    served.running.stop()
    assert not Path(task_root).exists()  # the unpacked copy is removed on stop


def test_package_code_sees_only_the_zip_and_the_runtime(start_lambda: StartLambda, handler_zip: Path) -> None:
    served = start_lambda("--package", str(handler_zip), handler="needs_flask.handler")
    response = requests.get(f"{served.url}/x", timeout=30)
    assert response.status_code == 500  # flask is installed here, but not in the zip
    output = served.output()
    assert "Runtime.ImportModuleError" in output
    assert "No module named 'flask'" in output  # boto3 imported fine: the runtime has it


def test_stopping_leaves_no_worker_behind(start_lambda: StartLambda) -> None:
    served = start_lambda("--concurrency", "2")
    url = f"{served.url}/sleep?s=0.5"
    with ThreadPoolExecutor(2) as pool:
        pids = {int(answer.text) for answer in pool.map(lambda _: requests.get(url, timeout=30), range(2))}
    assert len(pids) == 2
    assert served.running.stop() == 0
    assert all(_is_zombie_or_gone(pid) for pid in pids)


def _is_zombie_or_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"
