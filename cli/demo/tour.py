"""`shopbot demo`: the whole migration on one machine, told as it goes.

It stands up a local AWS, Redis, both targets and a CloudFront-like edge, then runs the
real commands a team would run against AWS - build, secrets sync, parity-check, cutover,
status, rollback - as subprocesses of `shopbot`, pointed at the local AWS through a
generated shopbot.toml. Everything it started is stopped at the end, also on Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import boto3
import requests

from ..aws import AwsClients
from ..emulator.targets import RunningTarget, start_target
from ..errors import CliError
from ..settings.environments import Settings, setting_names
from ..ui import UI
from . import stack as stack_parts

SHOPBOT = [sys.executable, "-c", "from shopbot_cli.main import run; run()"]
DEMO_ECS_LOG_GROUP = "/ecs/shopbot-demo"
DEMO_SECRET = {"ES_API_KEY": "demo-not-a-real-key-3f9c", "CONTEXT_TTL_SECONDS": "3600", "CONTEXT_MAX_TURNS": "20",
               "SHADOW_SIGNING_KEY": "demo-not-a-real-shadow-key-8d1e07"}  # both targets verify shadow copies


@dataclass
class DemoOptions:
    workdir: Path
    step: bool = False
    keep_running: bool = False
    build: bool = True


@dataclass
class DemoResult:
    workdir: str
    redis: str
    edge: dict[str, str] = field(default_factory=dict)
    steps: dict[str, int] = field(default_factory=dict)
    parity_passed: bool = False
    shadow_passed: bool = False
    shadow_verdict: str = "not run"
    pids: list[int] = field(default_factory=list)
    reports: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Demo:
    def __init__(self, ui: UI, options: DemoOptions) -> None:
        self.ui = ui
        self.options = options
        self.stack = stack_parts.Stack()
        self.workdir = options.workdir.resolve()
        # The demo's settings file decides everything: the caller's SHOPBOT_ENV/SHOPBOT_<setting> would beat it.
        ours = {"SHOPBOT_ENV", *(f"SHOPBOT_{name.upper()}" for name in setting_names())}
        self.env = {key: value for key, value in os.environ.items() if key not in ours}
        self.result = DemoResult(workdir=str(self.workdir), redis="memory")
        self.ports = {"alb": stack_parts.free_port(), "api": stack_parts.free_port(), "edge": stack_parts.free_port()}
        self.distribution = ""
        self.lambda_concurrency = 1
        self.access_log = self.workdir / "logs" / "edge-access.log"
        self.service_env: dict[str, str] = {}

    # -- telling the story -------------------------------------------------------------
    def stage(self, number: int, title: str) -> None:
        if self.options.step and number > 1 and sys.stdin.isatty():
            self.ui.stderr.input("[dim]Press Enter for the next stage...[/]")
        self.ui.info(f"\n[bold cyan]── {number}. {title}[/]")

    def shopbot(self, name: str, *args: str, allowed: tuple[int, ...] = (0,)) -> int:
        """Run one real `shopbot` command against the local stack, as a user would type it."""
        self.ui.info(f"[bold]$ shopbot {' '.join(args)}[/]")
        output = sys.stderr if self.ui.json_mode else None
        code = subprocess.run([*SHOPBOT, *args], env=self.env, cwd=self.workdir, stdin=subprocess.DEVNULL,
                              stdout=output, stderr=output, check=False).returncode
        self.result.steps[name] = code
        if code not in allowed:
            raise CliError(f"demo stopped: `shopbot {' '.join(args)}` exited with {code} (see its output above)")
        return code

    def edge_target(self, label: str) -> str:
        """Ask the edge which target answers (the X-Shopbot-Target header), a few times."""
        url = self.result.edge["url"] + "/api/products/search?q=tent&limit=1"
        seen = {requests.get(url, timeout=10).headers.get("X-Shopbot-Target", "?") for _ in range(5)}
        answer = seen.pop() if len(seen) == 1 else "mixed"
        self.result.edge[label] = answer
        self.ui.info(f"   the edge answers from: [bold green]{answer}[/]")
        return answer

    # -- the stages --------------------------------------------------------------------
    def run(self) -> DemoResult:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.stage(1, "Start a local AWS, Redis, both targets and the edge")
        clients = self.start_infrastructure()

        self.stage(2, "Build the Lambda package (shopbot build)")
        if self.options.build:
            code = self.shopbot("build", "build", "--target", "lambda", "--verify", "--output", "dist",
                                allowed=(0, 1, 2, 7))
            if code not in (0, 7):  # 7: built, but no Python 3.12 here to verify it with
                self.ui.warn("the build failed (see above; offline?): the demo goes on without a package")
        else:
            self.ui.info("   skipped (--skip-build)")

        self.stage(3, "Secrets into Secrets Manager, the zip onto the function (secrets sync, deploy)")
        (self.workdir / ".env").write_text("".join(f"{k}={v}\n" for k, v in DEMO_SECRET.items()))
        self.shopbot("secrets-sync", "secrets", "sync", "--from", ".env", "--yes")
        secret_arn = clients.client("secretsmanager").describe_secret(SecretId=stack_parts.SECRET_NAME)["ARN"]
        stack_parts.create_targets(clients, secret_arn, sorted(DEMO_SECRET))
        self.shopbot("secrets-check", "secrets", "check")
        package = self.workdir / "dist" / "shopbot-lambda-3.12-x86_64.zip"
        if package.is_file():
            self.ui.info("   ship the verified zip to the function (the local AWS stores it; it runs nothing):")
            self.shopbot("deploy", "deploy", "--target", "lambda", "--package", str(package), "--yes")

        self.stage(4, "Run the service on both targets, reading that secret")
        self.start_targets(clients)
        self.warm_lambda()
        self.edge_target("before")

        self.stage(5, "Prove the Lambda answers like the containers (shopbot parity-check)")
        reports = self.workdir / "reports"
        # One pair in flight: the local Lambda has few workers, and a queue is not a difference.
        code = self.shopbot("parity", "parity-check", "--output", str(reports), "--concurrency", "1", allowed=(0, 1))
        self.result.parity_passed = code == 0
        self.result.reports = {"json": str(reports / "parity-report.json"), "html": str(reports / "parity-report.html")}

        self.stage(6, "What would Lambda cost, and will it hold the peak? (shopbot cost)")
        self.shop_through_edge()
        self.shopbot("cost", "cost", "--alb-logs", str(self.access_log), "--lambda-logs",
                     str(self.workdir / "logs" / "lambda.log"), "--html", str(reports / "cost.html"))
        self.result.reports["cost"] = str(reports / "cost.html")

        self.stage(7, "Compare on live traffic, bodies included (shopbot shadow start, shadow report)")
        self.shadow_live_traffic(clients, reports)

        self.stage(8, "A canary in steps (shopbot cutover --canary 5,10,15 --step-watch 10m)")
        self.shopbot("canary-plan", "cutover", "--to", "lambda", "--canary", "5,10,15", "--step-watch", "10m",
                     "--dry-run")
        self.tell_canary_limits()

        self.stage(9, "Move the edge to Lambda (shopbot cutover --to lambda, gates: health, parity, capacity)")
        self.shopbot("cutover", "cutover", "--to", "lambda", "--yes")
        self.edge_target("after_cutover")

        self.stage(10, "Where things stand (shopbot status, invoke, logs)")
        self.shopbot("status", "status")
        self.ui.info("   a management command inside the Lambda (the local emulator answers the Invoke API):")
        self.shopbot("invoke", "invoke", "--endpoint-url", f"http://127.0.0.1:{self.ports['api']}", "--",
                     "flask", "check-ready")
        self.ui.info("   both targets shipped their logs to the local CloudWatch Logs as they ran (as Lambda and "
                     "the awslogs driver do on AWS); `shopbot logs` reads them there:")
        self.shopbot("logs", "logs", "--since", "1h", "--limit", "6")
        self.shopbot("logs-summary", "logs", "--target", "lambda", "--summary", "--since", "1h")

        self.stage(11, "Undo it exactly (shopbot rollback)")
        self.shopbot("rollback", "rollback", "--yes")
        self.edge_target("after_rollback")
        self.shopbot("rollback-again", "rollback", "--yes")

        self.tell_what_next()
        if self.options.keep_running:
            self.ui.info("\n[bold]The stack keeps running; press Ctrl-C to stop it.[/]")
            signal.pause()
        return self.result

    def start_infrastructure(self) -> AwsClients:
        endpoint = stack_parts.start_local_aws(self.stack, stack_parts.free_port())
        self.env.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="demo", AWS_SECRET_ACCESS_KEY="demo",
                        AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1",
                        SHOPBOT_CONFIG=str(self.workdir / "shopbot.toml"))
        self.env.pop("AWS_PROFILE", None)
        self.ui.info(f"   local AWS (moto) on {endpoint}")
        redis_url = stack_parts.start_redis(self.stack, stack_parts.free_port(), self.workdir)
        if redis_url:
            self.result.redis = redis_url
            self.env["REDIS_URL"] = redis_url   # the capacity gate reads maxclients from it
            self.ui.info(f"   Redis on {redis_url}")
        else:
            self.ui.warn("no redis-server here: conversations live in memory, one Lambda worker only")
        settings = Settings(name="demo", region="us-east-1", endpoint_url=endpoint)
        clients = AwsClients(settings, boto3.Session(
            aws_access_key_id="demo", aws_secret_access_key="demo", region_name="us-east-1"))
        distribution_id = self.distribution = stack_parts.create_edge(clients, self.ports["alb"], self.ports["api"])
        ledger = stack_parts.create_ledger_bucket(clients)
        values = {
            "region": "us-east-1", "endpoint_url": endpoint,
            "alb_url": f"http://127.0.0.1:{self.ports['alb']}", "api_url": f"http://127.0.0.1:{self.ports['api']}",
            "edge_url": f"http://127.0.0.1:{self.ports['edge']}",
            "distribution_id": distribution_id, "alb_origin_id": stack_parts.ALB_ORIGIN,
            "api_origin_id": stack_parts.API_ORIGIN, "behaviors": ["default"],
            "parity_report": str(self.workdir / "reports" / "parity-report.json"), "ledger": ledger,
            "secret_name": stack_parts.SECRET_NAME, "required_secret_keys": ["ES_API_KEY"],
            "lambda_function": stack_parts.FUNCTION, "ecs_cluster": stack_parts.CLUSTER,
            "ecs_service": stack_parts.SERVICE, "deploy_timeout_seconds": 60, "ecs_log_group": DEMO_ECS_LOG_GROUP,
            # what `shopbot cost` and the capacity gate need (the local AWS has no GetAccountSettings,
            # so the account's concurrency is given as a setting)
            "ecs_task_vcpu": 0.5, "ecs_task_memory_gb": 1.0, "ecs_tasks_min": 2, "ecs_nat_gateways": 1,
            "lambda_memory_mb": 512, "lambda_nat_gateways": 1, "traffic_logs": str(self.access_log),
            "lambda_concurrency_limit": 1000, "shadow_sink": f"file://{self.workdir / 'shadow'}",
        }
        stack_parts.write_settings(self.workdir / "shopbot.toml", values)
        self.ui.info(f"   CloudFront distribution {distribution_id} with origins alb -> ECS, apigw -> Lambda")
        self.ui.info(f"   settings for this stack: {self.workdir / 'shopbot.toml'} (environment `demo`)")
        return clients

    def start_targets(self, clients: AwsClients) -> None:
        service_env = {**self.env, "SECRETS_MANAGER_SECRET": stack_parts.SECRET_NAME, "LOG_LEVEL": "warning"}
        if self.result.redis != "memory":
            service_env["REDIS_URL"] = self.result.redis
        logs = self.workdir / "logs"
        logs.mkdir(exist_ok=True)
        self.lambda_concurrency = 2 if self.result.redis != "memory" else 1  # memory is per process
        lambda_args = ["--concurrency", str(self.lambda_concurrency)]
        self.service_env = service_env
        ecs_workers = "2" if self.result.redis != "memory" else "1"  # memory: one process, one store
        for target, port, args in (("ecs", self.ports["alb"], ["--workers", ecs_workers]),
                                   ("lambda", self.ports["api"], lambda_args)):
            log = (logs / f"{target}.log").open("ab")
            self.stack.on_close(log.close)
            running: RunningTarget = start_target(target, port, service_env, args=args, output=log)
            self.stack.on_close(running.stop)
            self.result.pids.append(running.process.pid)
            group = DEMO_ECS_LOG_GROUP if target == "ecs" else f"/aws/lambda/{stack_parts.FUNCTION}"
            self.ui.info(f"   {target:6} target on {running.url} (log: {log.name}, and CloudWatch Logs {group})")
        from .edge.proxy import EdgeProxy

        edge = EdgeProxy(clients.client("cloudfront"), self.distribution, self.ports["edge"],
                         refresh_seconds=0.5, access_log=self.access_log).start()
        self.stack.on_close(edge.stop)
        self.result.edge["url"] = edge.url
        self.ui.info(f"   edge (CloudFront stand-in) on {edge.url}: routes by the distribution's live config")

    def shop_through_edge(self, requests_count: int = 40) -> None:
        """Shoppers' traffic through the edge (ECS answers); the edge logs it the way an ALB does."""
        base = self.result.edge["url"]
        asks = [("GET", "/api/products/search?q=tent&limit=3", None), ("GET", "/health", None),
                ("POST", "/api/chat", {"message": "a light tent for two"}),
                ("GET", "/api/products/search?q=stove&limit=5", None)]

        def send(index: int) -> int:
            method, path, body = asks[index % len(asks)]
            return requests.request(method, base + path, json=body, timeout=30).status_code

        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = list(pool.map(send, range(requests_count)))
        self.ui.info(f"   {len(statuses)} shopper requests through the edge, logged ALB-style to {self.access_log}")

    def shadow_live_traffic(self, clients: AwsClients, reports: Path, count: int = 36) -> None:
        """Shadowing on (a new ECS revision), a task of it serves shoppers and shadows each request to
        the Lambda target, the report from those pairs is the parity engine's verdict, shadowing off."""
        from . import shadowing

        shutil.rmtree(self.workdir / "shadow", ignore_errors=True)  # judge this run's pairs, not an earlier run's
        self.shopbot("shadow-start", "shadow", "start", "--sample-rate", "1", "--max-per-minute", "600",
                     "--no-wait", "--yes")
        shadow = shadowing.revision_environment(clients.client("ecs"), stack_parts.CLUSTER, stack_parts.SERVICE)
        log = (self.workdir / "logs" / "ecs-shadowing.log").open("ab")
        self.stack.on_close(log.close)
        task = shadowing.start_shadowing_task(self.service_env, shadow, stack_parts.free_port(), log)
        self.stack.on_close(task.stop)
        self.result.pids.append(task.process.pid)
        self.ui.info(f"   a task of that revision on {task.url} shadows every /api/ request to "
                     f"{shadow['SHADOW_TARGET_URL']}")
        answered = shadowing.shop(task.url, count)
        pairs = shadowing.wait_for_pairs(self.workdir / "shadow", count)
        task.stop()
        self.ui.info(f"   {answered}/{count} shoppers answered (searches, chats with bodies); {pairs} pairs "
                     f"(P1 shopper, P2 ECS again, C1+C2 Lambda) in {self.workdir / 'shadow'}")
        code = self.shopbot("shadow-report", "shadow", "report", "--since", "1h", "--output",
                            str(reports / "shadow"), allowed=(0, 1))
        self.result.shadow_passed = code == 0
        self.result.shadow_verdict = ("passed" if code == 0 else "found differences" if pairs
                                      else "had no pairs to judge")
        self.ui.info(f"   live-traffic parity: [bold {'green' if code == 0 else 'red'}]{self.result.shadow_verdict}[/] "
                     f"(report: {reports / 'shadow' / 'parity-report.html'})")
        self.result.reports["shadow"] = str(reports / "shadow" / "parity-report.html")
        self.shopbot("shadow-stop", "shadow", "stop", "--no-wait", "--yes")

    def warm_lambda(self) -> None:
        """Initialise every Lambda worker (secret, Redis, catalog) as provisioned concurrency
        would, so parity compares warm latency; parity-check tags cold starts either way."""
        base = f"http://127.0.0.1:{self.ports['api']}"

        def warm(_: int) -> int:  # readiness builds the store and search; one chat builds the bot
            requests.post(f"{base}/api/chat", json={"message": "warm up"}, timeout=30)
            return requests.get(f"{base}/health/ready", timeout=30).status_code

        with ThreadPoolExecutor(max_workers=self.lambda_concurrency) as pool:
            for _ in range(3):
                list(pool.map(warm, range(self.lambda_concurrency)))
        self.ui.info(f"   warmed {self.lambda_concurrency} Lambda execution environment(s)")

    def tell_canary_limits(self) -> None:
        """What the dry run above shows, and what only real CloudFront and CloudWatch can."""
        self.ui.info("   shown here: the gates, the plan (staging copy, 5% weight policy, attach), the HTTP/3 "
                     "check and the lease, against the local AWS")
        self.ui.warn("not shown locally: the local AWS (moto) has no CopyDistribution, continuous-deployment "
                     "policies, UpdateDistributionWithStagingConfig or CloudWatch metrics, so the staging "
                     "distribution, the 5 -> 10 -> 15% steps, each step's watch windows (and its check that the "
                     "staging distribution got traffic), promote and the clean-up cannot run here; the tests "
                     "exercise them against the real API models (botocore Stubber)")

    def tell_what_next(self) -> None:
        self.ui.info("\n[bold green]Done.[/] The edge served "
                     f"{self.result.edge.get('before')} -> {self.result.edge.get('after_cutover')} -> "
                     f"{self.result.edge.get('after_rollback')}; parity "
                     f"{'passed' if self.result.parity_passed else 'found differences'}; live-traffic parity "
                     f"{self.result.shadow_verdict}.")
        self.ui.info(f"   parity report: {self.result.reports.get('html')}")
        self.ui.info(f"   cost report: {self.result.reports.get('cost')}")
        self.ui.info(f"   settings, logs, ledger of this run: {self.workdir}")
        self.ui.info("   try next: `shopbot demo --keep-running`, then in another shell "
                     f"`SHOPBOT_CONFIG={self.workdir / 'shopbot.toml'} shopbot status` or "
                     f"`curl -s -XPOST {self.result.edge['url']}/api/chat -d '{{\"message\":\"tent\"}}' "
                     "-H 'content-type: application/json'`")

    def close(self) -> None:
        self.stack.close()


def run_demo(ui: UI, options: DemoOptions) -> DemoResult:
    demo = Demo(ui, options)

    def interrupted(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupted)
    try:
        return demo.run()
    finally:
        ui.info("\nstopping everything the demo started...")
        started = time.monotonic()
        demo.close()
        signal.signal(signal.SIGTERM, previous)
        ui.info(f"   stopped in {time.monotonic() - started:.1f} s")
