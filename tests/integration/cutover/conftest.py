"""Real parts for the cutover tests: the shopbot app as both origins, an edge, moto, a ledger.

- `origins`: the real shopbot app served twice on loopback (SHOPBOT_TARGET=ecs and lambda);
  `origin.sick = True` makes its /health answer 503 (for the health gate).
- `edge`: a tiny CloudFront stand-in that, per request, reads the distribution's live config
  from moto and forwards to the origin its default behaviour targets, so the edge check
  sees exactly what the update did.
- `stage`: a complex distribution in moto, a ledger bucket, a fresh passing parity report,
  settings for all of it, a captured UI, and a shopbot.toml for CLI runs.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from rich.console import Console
from shopbot_cli.aws import AwsClients
from shopbot_cli.cost.traffic import alb_line
from shopbot_cli.cutover.flow import Options
from shopbot_cli.cutover.ledger import Ledger, LedgerLocation
from shopbot_cli.settings.environments import Settings
from shopbot_cli.ui import UI
from werkzeug.serving import BaseWSGIServer, make_server

import shopbot
from shopbot.config import get_config
from tests.unit.cutover.sample import ALB, ALB_DOMAIN, API, TAGS, distribution_config

BUCKET = "shopbot-ledger"
LEDGER = f"s3://{BUCKET}/cutover/ledger.json"

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Any]


class Served:
    """A WSGI app on a free loopback port, in a thread."""

    def __init__(self, app: Wsgi) -> None:
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


class Origin(Served):
    """The real shopbot app for one target; `sick` turns /health into a 503."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.sick = False
        app = shopbot.create_app(get_config("testing", {"SHOPBOT_TARGET": target}))

        def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if self.sick and environ.get("PATH_INFO") == "/health":
                start_response("503 Service Unavailable", [("Content-Type", "application/json"),
                                                           ("X-Shopbot-Target", target)])
                return [b'{"status":"sick"}']
            return app(environ, start_response)

        super().__init__(wsgi)


@dataclass
class Origins:
    ecs: Origin
    lambda_: Origin

    def by_origin_id(self) -> dict[str, Origin]:
        return {ALB: self.ecs, API: self.lambda_}


@pytest.fixture(scope="session")
def origins() -> Iterator[Origins]:
    pair = Origins(Origin("ecs"), Origin("lambda"))
    yield pair
    pair.ecs.close()
    pair.lambda_.close()


@pytest.fixture(autouse=True)
def _healthy(origins: Origins) -> None:
    origins.ecs.sick = origins.lambda_.sick = False


def cloudfront() -> Any:
    return boto3.client("cloudfront", region_name="us-east-1")


def live_config(distribution_id: str) -> tuple[dict[str, Any], str]:
    response = cloudfront().get_distribution_config(Id=distribution_id)
    return response["DistributionConfig"], response["ETag"]


@dataclass
class Stage:
    """One test's world: a distribution in moto, settings, a captured console."""

    distribution_id: str
    settings: Settings
    origins: Origins
    tmp: Path
    ui: UI = field(default_factory=lambda: _captured_ui())

    def clients(self) -> AwsClients:
        return AwsClients(self.settings)

    def options(self, **changes: Any) -> Options:
        return replace(Options(yes=True, wait=False, poll_seconds=0.05, verify_seconds=5.0), **changes)

    def config(self) -> tuple[dict[str, Any], str]:
        return live_config(self.distribution_id)

    def ledger(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = Ledger(boto3.client("s3"), LedgerLocation.parse(LEDGER), "test").entries()
        return entries

    def output(self) -> str:
        return str(self.ui.stdout.file.getvalue()) + str(self.ui.stderr.file.getvalue())  # type: ignore[attr-defined]

    def write_parity_report(self, **changes: Any) -> Path:
        document = {"version": 1, "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "primary": self.settings.alb_url, "candidate": self.settings.api_url,
                    "corpus_sha256": "0" * 64, "passed": True, "routes": []}
        document.update(changes)
        path = Path(str(self.settings.parity_report))
        path.write_text(json.dumps(document))
        return path

    def write_toml(self, **overrides: Any) -> Path:
        values = {
            "distribution_id": self.distribution_id, "alb_origin_id": ALB, "api_origin_id": API,
            "behaviors": self.settings.behaviors, "alb_url": self.settings.alb_url,
            "api_url": self.settings.api_url, "parity_report": self.settings.parity_report,
            "ledger": LEDGER, "region": "us-east-1",
            **{key: getattr(self.settings, key) for key in CAPACITY_KEYS}, **overrides,
        }
        lines = ["[environments.test]"]
        for key, value in values.items():
            if value is not None:
                lines.append(f"{key} = {json.dumps(value)}")
        path = self.tmp / "shopbot.toml"
        path.write_text("\n".join(lines) + "\n")
        return path


def _captured_ui() -> UI:
    return UI(assume_yes=True, stdout=Console(file=io.StringIO(), width=250, soft_wrap=True),
              stderr=Console(file=io.StringIO(), width=250, soft_wrap=True))


def create_distribution(caller_reference: str = "shopbot-prod-1", alb_domain: str = ALB_DOMAIN) -> str:
    config = distribution_config(caller_reference, alb_domain)
    response = cloudfront().create_distribution_with_tags(
        DistributionConfigWithTags={"DistributionConfig": config, "Tags": {"Items": TAGS}})
    return str(response["Distribution"]["Id"])


@pytest.fixture
def stage(aws: str, origins: Origins, tmp_path: Path) -> Stage:
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    distribution_id = create_distribution()
    settings = Settings(
        name="test", source=str(tmp_path / "shopbot.toml"), region="us-east-1",
        distribution_id=distribution_id, alb_origin_id=ALB, api_origin_id=API,
        behaviors=["default", "/api/*"], alb_url=origins.ecs.url, api_url=origins.lambda_.url,
        parity_report=str(tmp_path / "parity-report.json"), ledger=LEDGER,
    )
    world = Stage(distribution_id, settings, origins, tmp_path)
    world.settings = settings.with_overrides(**capacity_facts(tmp_path))
    world.write_parity_report()
    return world


CAPACITY_KEYS = ("lambda_function", "traffic_logs", "lambda_concurrency_limit", "lambda_memory_mb")


def capacity_facts(tmp: Path, requests_per_minute: int = 30, seconds: float = 0.2) -> dict[str, Any]:
    """What the `capacity` gate reads (issue 18): ALB logs of calm traffic, a function in moto, and
    the account's concurrency as a setting (moto has no GetAccountSettings)."""
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = boto3.client("iam").create_role(RoleName="shopbot-capacity", AssumeRolePolicyDocument=json.dumps(trust))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    boto3.client("lambda").create_function(FunctionName="shopbot", Runtime="python3.12", Role=role["Role"]["Arn"],
                                           Handler="handler.handler", Code={"ZipFile": archive.getvalue()})
    log = capacity_log(tmp, requests_per_minute, seconds)
    return {"lambda_function": "shopbot", "traffic_logs": str(log), "lambda_concurrency_limit": 1000,
            "lambda_memory_mb": 512}


def capacity_log(tmp: Path, requests_per_minute: int = 30, seconds: float = 0.2) -> Path:
    """Five minutes of ALB access log lines ending now (rewrites the stage's `traffic_logs`)."""
    start = datetime.now(UTC).timestamp() - 600
    log = tmp / "alb-access.log"
    log.write_text("".join(alb_line(start + i * 60 / requests_per_minute, seconds, "POST", "/api/chat", 300, 2000)
                           + "\n" for i in range(requests_per_minute * 5)))
    return log


class Edge(Served):
    """Forwards each request to the origin the live default behaviour targets (read from moto)."""

    def __init__(self, distribution_id: str, origins: Origins) -> None:
        targets = origins.by_origin_id()

        def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            config, _ = live_config(distribution_id)
            origin = targets[config["DefaultCacheBehavior"]["TargetOriginId"]]
            answer = requests.get(origin.url + environ.get("PATH_INFO", "/"), timeout=5)
            start_response(f"{answer.status_code} X", [("X-Shopbot-Target", answer.headers["X-Shopbot-Target"])])
            return [answer.content]

        super().__init__(wsgi)


@pytest.fixture
def edge(stage: Stage) -> Iterator[Edge]:
    server = Edge(stage.distribution_id, stage.origins)
    yield server
    server.close()
