"""Small Lambda handlers of our own, and `shopbot serve --target lambda` running them."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
from shopbot_cli.emulator.targets import RunningTarget, start_target

from tests.support import clean_env, free_port

BEHAVIOURS = '''
"""One handler, many behaviours, picked by the last path segment."""
import base64, json, os, tempfile, time

def handler(event, context):
    name = event["rawPath"].rsplit("/", 1)[-1]
    query = event.get("queryStringParameters") or {}
    if name == "echo":
        with tempfile.NamedTemporaryFile(delete=False) as scratch:  # TMPDIR must be writable
            scratch.write(b"ok")
        env = {key: os.environ.get(key) for key in (
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "LAMBDA_TASK_ROOT",
            "AWS_REGION", "APP_ENV", "TMPDIR", "CANARY_USER_VAR", "AWS_LAMBDA_RUNTIME_API")}
        body = {"event": event, "env": env, "scratch": scratch.name, "module": __file__,
                "remaining_ms": context.get_remaining_time_in_millis(), "request_id": context.aws_request_id}
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
    if name == "crash":
        raise RuntimeError("boom from the handler")
    if name == "sleep":
        time.sleep(float(query.get("s", "1")))
        return {"statusCode": 200, "body": str(os.getpid())}
    if name == "bare":
        return {"hello": "world"}
    if name == "cookies":
        return {"statusCode": 200, "cookies": ["a=1; Path=/", "b=2; HttpOnly"], "headers": {"x-one": "1"}}
    if name == "binary":
        return {"statusCode": 200, "headers": {"content-type": "image/png"}, "isBase64Encoded": True,
                "body": base64.b64encode(bytes(range(256))).decode()}
    if name == "big":
        return {"statusCode": 200, "body": "x" * int(query["n"])}
    if name == "size":
        raw = base64.b64decode(event["body"]) if event.get("isBase64Encoded") else event.get("body", "").encode()
        return {"statusCode": 200, "body": f"{len(raw)} {raw[:8].hex()}"}
    if name == "pid":
        return {"statusCode": 200, "body": str(os.getpid())}
    return {"statusCode": 404, "body": "no such behaviour"}
'''

# In a zip without its dependencies: on Lambda (and with --package) flask is not there.
NEEDS_FLASK = '''
import boto3  # the Lambda runtime provides the AWS SDK
import flask

def handler(event, context):
    return {"statusCode": 200, "body": flask.__name__}
'''

BROKEN = '''
import a_dependency_that_is_not_installed  # an import error at init, as Lambda would see it

def handler(event, context):
    return {"statusCode": 200, "body": "unreachable"}
'''


@pytest.fixture(scope="session")
def handler_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("handlers")
    (directory / "behaviours.py").write_text(BEHAVIOURS)
    (directory / "broken_fn.py").write_text(BROKEN)
    return directory


@pytest.fixture(scope="session")
def handler_zip(handler_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    package = tmp_path_factory.mktemp("package") / "function.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.write(handler_dir / "behaviours.py", "behaviours.py")
        archive.writestr("needs_flask.py", NEEDS_FLASK)
    return package


@dataclass
class Served:
    """A running `serve --target lambda` and the file its output goes to."""

    running: RunningTarget
    log_path: Path
    log: IO[bytes]

    @property
    def url(self) -> str:
        return str(self.running.url)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")


StartLambda = Callable[..., Served]


def _starter(handler_dir: Path, log_dir: Path, started: list[Served]) -> StartLambda:
    def start(*args: str, handler: str = "behaviours.handler") -> Served:
        log_path = log_dir / f"serve-{len(started)}.log"
        log = log_path.open("wb")
        env = clean_env(PYTHONPATH=str(handler_dir), CANARY_USER_VAR="passed-through")
        running = start_target("lambda", free_port(), env, args=["--handler", handler, *args], output=log)
        served = Served(running, log_path, log)
        started.append(served)
        return served

    return start


@pytest.fixture
def start_lambda(handler_dir: Path, tmp_path: Path) -> Iterator[StartLambda]:
    started: list[Served] = []
    yield _starter(handler_dir, tmp_path, started)
    for served in started:
        served.running.stop()
        served.log.close()


@pytest.fixture(scope="module")
def shared_lambda(handler_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One emulator (2 workers, 3 s timeout) for the tests that do not kill workers."""
    started: list[Served] = []
    served = _starter(handler_dir, tmp_path_factory.mktemp("shared"), started)(
        "--concurrency", "2", "--timeout", "3")
    yield served
    served.running.stop()
    served.log.close()
