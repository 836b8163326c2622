"""`cutover --watch DURATION`: read CloudWatch for finished windows; roll back on a breach.

The decisions are in watch_rules (pure); this module reads the numbers. For each whole
1-minute window after the change, it waits until CloudWatch has finished the window
(`watch_lag_seconds`), then one `GetMetricData` call reads API Gateway 5xx/Count/p99,
Lambda Errors/Throttles/Invocations and the ALB's 5xx/RequestCount/p99 for exactly that
window. The ALB's numbers before the change are read once (the baseline) for windows in
which the ALB served too few requests to compare with (after a full cutover it serves
none). Optional named alarms (`watch_alarms`) are read too. Every window's verdict is
written to the ledger (kind `watch`) with the numbers it saw.

The API id and the ALB come from the distribution itself: the origins' domain names.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ..aws import AwsClients, aws_errors
from ..aws import cloudfront as cf
from ..errors import CliError, ConfigError, ExitStatus
from ..settings.environments import Settings
from ..ui import UI
from . import watch_rules as rules
from .flow import Options, Run, holding, new_run, run_rollback
from .ledger import Ledger

BASELINE_SECONDS = 1800          # the ALB's half hour before the change
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smh]?)$")

Wall = Callable[[], datetime]


def parse_duration(text: str, flag: str = "--watch") -> float:
    """`90`, `90s`, `10m`, `1h` -> seconds."""
    match = _DURATION.match(text.strip().lower())
    if not match or float(match.group(1)) <= 0:
        raise CliError(f"{flag} '{text}': give a duration such as 300s, 10m or 1h")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def check_watch(target: str | None, duration: str) -> float:
    """Refuse a --watch that cannot run, before anything changes; returns seconds."""
    if target != "lambda":
        raise CliError("--watch compares the Lambda target with the ALB: use it with --to lambda")
    return parse_duration(duration)


def thresholds(settings: Settings, **flags: Any) -> rules.Thresholds:
    """The watch's limits: settings `watch_*`, each overridden by a flag given (not None)."""
    limits = rules.Thresholds(
        max_error_rate=settings.watch_max_error_rate, max_5xx_excess=settings.watch_max_5xx_excess,
        p99_ratio=settings.watch_p99_ratio, p99_slack_ms=settings.watch_p99_slack_ms,
        max_throttles=settings.watch_max_throttles, min_requests=settings.watch_min_requests,
        consecutive_breaches=settings.watch_consecutive_breaches,
        max_inconclusive_share=settings.watch_max_inconclusive_share, lag_seconds=settings.watch_lag_seconds,
    )
    given = {key: value for key, value in flags.items() if value is not None}
    limits = replace(limits, **given)
    if limits.consecutive_breaches < 1 or limits.min_requests < 0 or limits.lag_seconds < 0 \
            or not 0 <= limits.max_inconclusive_share <= 1:
        raise CliError("watch limits: breaches must be at least 1, min requests and lag at least 0, and the "
                       "inconclusive share between 0 and 1")
    return limits


@dataclass(frozen=True)
class Targets:
    """The CloudWatch dimensions of both sides (and of a canary's staging distribution)."""

    api_id: str
    function: str
    load_balancer: str        # the ALB dimension: app/<name>/<id>
    staging_distribution: str | None = None


_WINDOW = [
    ("api_5xx", "AWS/ApiGateway", "5xx", "api", "Sum"),
    ("api_count", "AWS/ApiGateway", "Count", "api", "Sum"),
    ("api_p99_ms", "AWS/ApiGateway", "Latency", "api", "p99"),
    ("errors", "AWS/Lambda", "Errors", "fn", "Sum"),
    ("throttles", "AWS/Lambda", "Throttles", "fn", "Sum"),
    ("invocations", "AWS/Lambda", "Invocations", "fn", "Sum"),
    ("alb_5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "alb", "Sum"),
    ("alb_count", "AWS/ApplicationELB", "RequestCount", "alb", "Sum"),
    ("alb_p99_s", "AWS/ApplicationELB", "TargetResponseTime", "alb", "p99"),
]


def queries(targets: Targets, period: int, only: str | None = None) -> list[dict[str, Any]]:
    """The GetMetricData queries for one window (`only="alb"`: the ALB's, for the baseline)."""
    dimensions = {
        "api": [{"Name": "ApiId", "Value": targets.api_id}],
        "fn": [{"Name": "FunctionName", "Value": targets.function}],
        "alb": [{"Name": "LoadBalancer", "Value": targets.load_balancer}],
    }
    return [{"Id": name, "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dimensions[side]},
        "Period": period, "Stat": stat}}
        for name, namespace, metric, side, stat in _WINDOW if only in (None, side)]


def staging_query(distribution_id: str, period: int) -> list[dict[str, Any]]:
    """Requests the staging distribution received (CloudFront metrics: us-east-1, Region=Global)."""
    return [{"Id": "staging_requests", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": "AWS/CloudFront", "MetricName": "Requests", "Dimensions": [
            {"Name": "DistributionId", "Value": distribution_id}, {"Name": "Region", "Value": "Global"}]},
        "Period": period, "Stat": "Sum"}}]


def _values(response: dict[str, Any]) -> dict[str, float | None]:
    """One number per query: the sum of its datapoints (max for a p99); no datapoint is None."""
    values: dict[str, float | None] = {}
    for result in response.get("MetricDataResults", []):
        points = [float(v) for v in result.get("Values", [])]
        values[str(result["Id"])] = (max(points) if str(result["Id"]).endswith(("_ms", "_s")) else sum(points)) \
            if points else None
    return values


def read_window(cloudwatch: Any, found: list[dict[str, Any]], start: datetime, end: datetime) -> dict[str, Any]:
    """The numbers of these queries for exactly [start, end); a query with no answer is None."""
    with aws_errors("reading CloudWatch metrics"):
        response = cloudwatch.get_metric_data(MetricDataQueries=found, StartTime=start, EndTime=end)
    values = _values(response)
    return {str(query["Id"]): values.get(str(query["Id"])) for query in found}


def read_alarms(cloudwatch: Any, names: list[str]) -> dict[str, str | None]:
    """The state of each named alarm (None: no such alarm)."""
    if not names:
        return {}
    with aws_errors("reading CloudWatch alarms"):
        response = cloudwatch.describe_alarms(AlarmNames=names)
    states: dict[str, str | None] = dict.fromkeys(names)
    for alarm in response.get("MetricAlarms", []) + response.get("CompositeAlarms", []):
        states[str(alarm["AlarmName"])] = str(alarm["StateValue"])
    return states


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


@dataclass
class Watcher:
    """One watch: where to read, the limits, the ledger, and the clocks (injected for tests)."""

    run: Run
    targets: Targets
    limits: rules.Thresholds
    ledger: Ledger
    alarms: list[str]
    wall: Wall
    sleep: Callable[[float], None]
    label: str = "watch"

    def baseline(self, changed_at: datetime) -> dict[str, Any]:
        """The ALB's numbers for the half hour before the change (finished minutes only)."""
        period = self.limits.period_seconds
        finished = (changed_at - timedelta(seconds=self.limits.lag_seconds)).timestamp()
        end = datetime.fromtimestamp(finished // period * period, tz=changed_at.tzinfo)
        start = end - timedelta(seconds=BASELINE_SECONDS)
        return read_window(self.run.clients.client("cloudwatch"),
                           queries(self.targets, BASELINE_SECONDS, only="alb"), start, end)

    def watch(self, duration: float, started: datetime, **fields: Any) -> tuple[str, list[rules.WindowVerdict]]:
        """Judge every window of `duration` after `started`; stop at a rollback decision."""
        period = self.limits.period_seconds
        total = rules.window_count(duration, period)
        baseline = self.baseline(started)
        verdicts: list[rules.WindowVerdict] = []
        for index in range(total):
            start, end = rules.window_bounds(started, index, period)
            self._wait_until(rules.readable_at(end, self.limits.lag_seconds))
            verdict = self.judge(start, end, baseline)
            verdicts.append(verdict)
            self.ledger.append("watch", distribution=self.run.distribution_id, check=index + 1,
                               window=[start.isoformat(), end.isoformat()], verdict=verdict.state,
                               reasons=verdict.reasons, values=verdict.values, baseline=baseline,
                               limits=self.limits.as_dict(), **fields)
            self._show(index + 1, total, start, verdict)
            self._keep_lease()
            decision = rules.next_step(verdicts, total, self.limits)
            if decision != rules.CONTINUE:
                return decision, verdicts
        return rules.conclude(verdicts, self.limits), verdicts  # pragma: no cover - next_step concludes

    def judge(self, start: datetime, end: datetime, baseline: dict[str, Any]) -> rules.WindowVerdict:
        cloudwatch = self.run.clients.client("cloudwatch")
        values = read_window(cloudwatch, queries(self.targets, self.limits.period_seconds), start, end)
        if self.targets.staging_distribution:
            values.update(read_window(self.run.clients.global_client("cloudwatch"),
                                      staging_query(self.targets.staging_distribution,
                                                    self.limits.period_seconds), start, end))
        verdict = rules.judge_window(values, self.limits, baseline)
        if self.alarms:
            verdict = rules.combine(verdict, rules.judge_alarms(read_alarms(cloudwatch, self.alarms)))
        return verdict

    def _keep_lease(self) -> None:
        """A watch can outlast the lease: push its expiry on while we hold it."""
        lease = self.ledger.lease()
        if lease is not None and lease["holder"] == self.run.options.holder:
            self.ledger.renew(lease["id"], self.run.settings.lease_seconds)

    def _wait_until(self, moment: datetime) -> None:
        while True:
            left = (moment - self.wall()).total_seconds()
            if left <= 0:
                return
            self.sleep(left)

    def _show(self, check: int, total: int, start: datetime, verdict: rules.WindowVerdict) -> None:
        head = f"{self.label} window {check}/{total} ({start:%H:%M} UTC)"
        if verdict.state == rules.PASS:
            self.run.ui.success(f"{head}: within limits")
        elif verdict.state == rules.BREACH:
            self.run.ui.error(f"{head}: BREACH: {'; '.join(verdict.reasons)}")
        else:
            self.run.ui.warn(f"{head}: inconclusive: {'; '.join(verdict.reasons)}")


def watcher(run: Run, limits: rules.Thresholds, *, staging: str | None = None, wall: Wall | None = None,
            sleep: Callable[[float], None] = time.sleep, label: str = "watch") -> Watcher:
    """A watcher for this run's distribution (targets found from its origins)."""
    run.settings.require("lambda_function", "distribution_id", "ledger")
    live, _ = cf.get_config(run.cloudfront, run.distribution_id)
    targets = replace(find_targets(run.clients, run.settings, live), staging_distribution=staging)
    return Watcher(run, targets, limits, run.ledger(), list(run.settings.watch_alarms),
                   wall or (lambda: datetime.now(UTC)), sleep, label)


def run_watch(
    settings: Settings,
    target: str,
    duration: str,
    *,
    clients: AwsClients | None = None,
    ui: UI | None = None,
    options: Options | None = None,
    limits: rules.Thresholds | None = None,
    wall: Wall | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Watch the windows after now; roll back on a breach (exit 1), inconclusive exits 8."""
    seconds = check_watch(target, duration)
    run = new_run(settings, clients, ui, options)
    limits = limits or thresholds(settings)
    with holding(run, "watch"):
        return _watch(run, seconds, limits, wall, sleep)


def _watch(run: Run, seconds: float, limits: rules.Thresholds, wall: Wall | None,
           sleep: Callable[[float], None]) -> dict[str, Any]:
    settings = run.settings
    watching = watcher(run, limits, wall=wall, sleep=sleep)
    started = watching.wall()
    decision, verdicts = watching.watch(seconds, started)
    counts = {state: sum(1 for v in verdicts if v.state == state)
              for state in (rules.PASS, rules.BREACH, rules.INCONCLUSIVE)}
    summary: dict[str, Any] = {"verdict": decision, "windows": len(verdicts), "seconds": seconds, "counts": counts}
    watching.ledger.append("watch-end", distribution=run.distribution_id, **summary)
    if decision == rules.ROLLBACK:
        reasons = "; ".join(verdicts[-1].reasons)
        run.ui.error(f"watch: {reasons}: rolling back")
        rollback_options = Options(yes=True, force=False, wait=run.options.wait,
                                   poll_seconds=run.options.poll_seconds, holder=run.options.holder)
        run_rollback(settings, clients=run.clients, ui=run.ui, options=rollback_options)
        raise CliError(f"watch: {reasons}; the cutover was rolled back", ExitStatus.DIFFERENCES)
    if decision == rules.INCONCLUSIVE:
        raise CliError(f"watch inconclusive: {counts[rules.INCONCLUSIVE]} of {len(verdicts)} window(s) had too "
                       f"little data (fewer than {limits.min_requests:g} requests or missing metrics): the change "
                       "stays as it is but was NOT verified; watch again with traffic, or `shopbot rollback`",
                       ExitStatus.INCONCLUSIVE)
    run.ui.success(f"watch passed: {counts[rules.PASS]} of {len(verdicts)} window(s) within limits")
    return summary
