"""`cutover --watch DURATION`: compare the new Lambda target with the ALB, roll back on a breach.

Every `interval` seconds one `GetMetricData` call reads, for the window just past: API
Gateway 5xx and request count, Lambda Errors, Throttles and Invocations, API Gateway p99
latency, and the ALB's 5xx, request count and p99 `TargetResponseTime` over the same window.
A breach (rules in `evaluate`) rolls the cutover back at once and exits non-zero. Every
check is written to the ledger (kind `watch`), breach or not.

The API id and the ALB come from the distribution itself: the origins' domain names.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..aws import AwsClients, aws_errors
from ..aws import cloudfront as cf
from ..errors import CliError, ConfigError, ExitStatus
from ..settings.environments import Settings
from ..ui import UI
from .flow import Options, new_run, run_rollback

MAX_5XX_RATE_EXCESS = 0.01       # new target's 5xx rate may exceed the ALB's by 1 point
MAX_ERROR_RATE = 0.01            # Lambda Errors / Invocations
P99_RATIO = 1.5                  # new p99 may be 1.5x the ALB's ...
P99_SLACK_MS = 100.0             # ... plus 100 ms (cold starts, API Gateway hop)
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smh]?)$")


def parse_duration(text: str) -> float:
    """`90`, `90s`, `10m`, `1h` -> seconds."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise CliError(f"--watch '{text}': give a duration such as 300s, 10m or 1h")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def check_watch(target: str | None, duration: str) -> float:
    """Refuse a --watch that cannot run, before anything changes; returns seconds."""
    if target != "lambda":
        raise CliError("--watch compares the Lambda target with the ALB: use it with --to lambda")
    return parse_duration(duration)


@dataclass(frozen=True)
class Targets:
    """The CloudWatch dimensions of both sides."""

    api_id: str
    function: str
    load_balancer: str        # the ALB dimension: app/<name>/<id>


def evaluate(values: dict[str, float | None]) -> list[str]:
    """The breaches in one window's numbers (missing numbers never breach)."""
    def get(name: str) -> float:
        return values.get(name) or 0.0

    breaches = []
    if get("throttles") > 0:
        breaches.append(f"Lambda throttled {get('throttles'):.0f} invocation(s)")
    if get("invocations") and get("errors") / get("invocations") > MAX_ERROR_RATE:
        breaches.append(f"Lambda error rate {get('errors') / get('invocations'):.1%} > {MAX_ERROR_RATE:.0%}")
    api_rate = get("api_5xx") / get("api_count") if get("api_count") else 0.0
    alb_rate = get("alb_5xx") / get("alb_count") if get("alb_count") else 0.0
    if api_rate > alb_rate + MAX_5XX_RATE_EXCESS:
        breaches.append(f"API Gateway 5xx rate {api_rate:.1%} vs ALB {alb_rate:.1%}")
    api_p99, alb_p99 = values.get("api_p99_ms"), values.get("alb_p99_s")
    if api_p99 is not None and alb_p99 is not None and api_p99 > alb_p99 * 1000 * P99_RATIO + P99_SLACK_MS:
        breaches.append(f"p99 latency {api_p99:.0f} ms vs ALB {alb_p99 * 1000:.0f} ms")
    return breaches


def queries(targets: Targets, period: int) -> list[dict[str, Any]]:
    """The GetMetricData queries for one window (one call reads them all)."""
    api = [{"Name": "ApiId", "Value": targets.api_id}]
    fn = [{"Name": "FunctionName", "Value": targets.function}]
    alb = [{"Name": "LoadBalancer", "Value": targets.load_balancer}]
    wanted = [
        ("api_5xx", "AWS/ApiGateway", "5xx", api, "Sum"),
        ("api_count", "AWS/ApiGateway", "Count", api, "Sum"),
        ("api_p99_ms", "AWS/ApiGateway", "Latency", api, "p99"),
        ("errors", "AWS/Lambda", "Errors", fn, "Sum"),
        ("throttles", "AWS/Lambda", "Throttles", fn, "Sum"),
        ("invocations", "AWS/Lambda", "Invocations", fn, "Sum"),
        ("alb_5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", alb, "Sum"),
        ("alb_count", "AWS/ApplicationELB", "RequestCount", alb, "Sum"),
        ("alb_p99_s", "AWS/ApplicationELB", "TargetResponseTime", alb, "p99"),
    ]
    return [{"Id": name, "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dimensions},
        "Period": period, "Stat": stat}} for name, namespace, metric, dimensions, stat in wanted]


def read_window(cloudwatch: Any, targets: Targets, end: datetime, seconds: int) -> dict[str, float | None]:
    """One window's numbers: the sum of the datapoints (max for a p99)."""
    with aws_errors("reading CloudWatch metrics"):
        response = cloudwatch.get_metric_data(
            MetricDataQueries=queries(targets, 60), StartTime=end - timedelta(seconds=seconds), EndTime=end,
        )
    values: dict[str, float | None] = {}
    for result in response["MetricDataResults"]:
        points = [float(v) for v in result.get("Values", [])]
        values[result["Id"]] = (max(points) if result["Id"].endswith(("_ms", "_s")) else sum(points)) \
            if points else None
    return values


def find_targets(run_clients: AwsClients, settings: Settings, config: dict[str, Any]) -> Targets:
    """API id and ALB dimension from the origins' domain names in the distribution."""
    domains = {o["Id"]: str(o["DomainName"]) for o in config["Origins"]["Items"]}
    api_domain = domains.get(str(settings.api_origin_id), "")
    if ".execute-api." not in api_domain:
        raise ConfigError(f"origin '{settings.api_origin_id}' ({api_domain}) is not an API Gateway domain: "
                          "--watch needs the API origin to be <api-id>.execute-api.<region>.amazonaws.com")
    alb_domain = domains.get(str(settings.alb_origin_id), "").lower()
    with aws_errors("finding the ALB behind the ECS origin"):
        pages = run_clients.client("elbv2").get_paginator("describe_load_balancers").paginate()
        arns = [lb["LoadBalancerArn"] for page in pages for lb in page["LoadBalancers"]
                if str(lb["DNSName"]).lower() == alb_domain]
    if not arns:
        raise ConfigError(f"no load balancer answers on {alb_domain} (origin '{settings.alb_origin_id}'): "
                          "--watch compares with the ALB's metrics")
    return Targets(api_domain.split(".", 1)[0], str(settings.lambda_function),
                   str(arns[0]).split(":loadbalancer/", 1)[1])


def run_watch(
    settings: Settings,
    target: str,
    duration: str,
    *,
    clients: AwsClients | None = None,
    ui: UI | None = None,
    options: Options | None = None,
    interval: float = 60.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Check every `interval` for `duration`; on a breach roll back and raise (exit 1)."""
    seconds = check_watch(target, duration)
    settings.require("lambda_function", "distribution_id", "ledger")
    run = new_run(settings, clients, ui, options)
    live, _ = cf.get_config(run.cloudfront, run.distribution_id)
    targets = find_targets(run.clients, settings, live)
    ledger = run.ledger()
    cloudwatch = run.clients.client("cloudwatch")
    checks: list[dict[str, Any]] = []
    started = clock()
    while True:
        sleep(interval)
        values = read_window(cloudwatch, targets, datetime.now(UTC), int(max(interval, 60)))
        breaches = evaluate(values)
        checks.append(ledger.append("watch", distribution=run.distribution_id, check=len(checks) + 1,
                                    values=values, breaches=breaches))
        if breaches:
            run.ui.error(f"watch check {len(checks)}: {'; '.join(breaches)}: rolling back")
            rollback_options = Options(yes=True, force=False, wait=run.options.wait,
                                       poll_seconds=run.options.poll_seconds)
            run_rollback(settings, clients=run.clients, ui=run.ui, options=rollback_options)
            raise CliError(f"watch: {'; '.join(breaches)}; the cutover was rolled back", ExitStatus.DIFFERENCES)
        run.ui.success(f"watch check {len(checks)}: within limits")
        if clock() - started >= seconds:
            return {"checks": len(checks), "breaches": [], "seconds": seconds}
