"""The arithmetic: measured traffic x deployment facts x prices -> itemised monthly cost.

A month is 730 hours. The logs' period is scaled to a month linearly; a traffic factor `t`
(0.1x .. 100x) multiplies every arrival while keeping its timing, so the ECS task count and
ALB LCUs follow the per-minute / per-hour shape of the real traffic.

Lambda duration per request is split into network *wait* (the LLM, Elasticsearch, Redis:
does not shrink with memory) and *CPU-bound* time (scales with the CPU share Lambda gives a
memory size: a full vCPU at 1,769 MB; one request uses one core, so above that it stops
shrinking). The split is a deployment fact (`cost_cpu_fraction`), not a measurement, and the
report says so.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from .prices import Prices
from .reports import Durations
from .traffic import Traffic

HOURS_PER_MONTH = 730.0
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
GIB = float(2**30)
FULL_VCPU_MB = 1769
PLATFORM_LOG_BYTES = 300        # START/END/REPORT lines per invocation (estimate)
ROUNDING_MS = 0.5               # billed duration rounds each invocation up to 1 ms: half on average
LCU_NEW_CONNECTIONS_PER_SECOND = 25.0
LCU_GB_PER_HOUR = 1.0
PUBLIC_IPV4_HOUR = 0.005        # every public IPv4 address, since 2024-02-01 (all regions)


@dataclass(frozen=True)
class Deployment:
    """The facts the cost depends on (settings or flags; see `facts.py`)."""

    region: str
    ecs_vcpu: float
    ecs_memory_gb: float
    ecs_tasks_min: int
    ecs_tasks_max: int | None
    ecs_task_concurrency: int
    ecs_architecture: str
    ecs_nat_gateways: int
    lambda_memory_mb: int
    lambda_architecture: str
    lambda_provisioned: int
    lambda_nat_gateways: int
    cpu_fraction: float
    upstream_bytes_per_request: float | None   # None: estimated as the client's bytes
    log_bytes_per_request: float


@dataclass(frozen=True)
class Item:
    name: str
    quantity: float
    unit: str
    unit_price: float
    monthly: float
    estimate: str = ""      # why this line is an estimate; "" when it is measured traffic x list price


@dataclass
class Side:
    target: str
    items: list[Item] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(item.monthly for item in self.items)

    def add(self, name: str, quantity: float, unit: str, unit_price: float, estimate: str = "") -> None:
        self.items.append(Item(name, quantity, unit, unit_price, quantity * unit_price, estimate))

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "total": round(self.total, 2),
                "items": [{**asdict(item), "monthly": round(item.monthly, 2)} for item in self.items]}


@dataclass(frozen=True)
class Duration:
    """Mean Lambda duration per request at one memory size, split by what shrinks with memory."""

    memory_mb: int
    wait_ms: float
    cpu_ms: float
    init_ms: float          # INIT time per request on average (cold starts are billed)
    source: str

    @property
    def total_ms(self) -> float:
        return self.wait_ms + self.cpu_ms + self.init_ms


def cpu_share(memory_mb: float) -> float:
    """The share of one vCPU Lambda gives `memory_mb` (one request runs on one core)."""
    return min(memory_mb, FULL_VCPU_MB) / FULL_VCPU_MB


def lambda_duration(traffic: Traffic, deployment: Deployment, reports: Durations | None,
                    memory_mb: int | None = None) -> Duration:
    """Mean duration at `memory_mb` (default: the deployment's) for this traffic."""
    return duration_at(traffic, memory_mb or deployment.lambda_memory_mb, deployment.cpu_fraction,
                       deployment.ecs_vcpu, reports)


def duration_at(traffic: Traffic, memory_mb: int, cpu_fraction: float, ecs_vcpu: float,
                reports: Durations | None) -> Duration:
    """From REPORT lines (measured on Lambda) or else the ALB's target times (measured on ECS)."""
    if reports is not None and reports.count:
        reference_ms, share, init_ms = reports.mean_ms, cpu_share(reports.memory_mb), reports.init_ms_per_request
        source = f"{reports.count} REPORT line(s) at {reports.memory_mb} MB"
    else:
        reference_ms, share, init_ms = traffic.mean_seconds * 1000, min(1.0, ecs_vcpu), 0.0
        source = "ALB target_processing_time on ECS (no REPORT lines: cold starts not counted)"
    cpu_ms = reference_ms * cpu_fraction
    scale = share / cpu_share(memory_mb)
    return Duration(memory_mb, reference_ms - cpu_ms, cpu_ms * scale, init_ms * scale, source)


def duration_ratio(traffic: Traffic, duration: Duration) -> float:
    """Lambda time per unit of measured ECS time (scales per-minute and per-route sums)."""
    mean_ms = traffic.mean_seconds * 1000
    return duration.total_ms / mean_ms if mean_ms > 0 else 1.0


def month_factor(traffic: Traffic) -> float:
    return SECONDS_PER_MONTH / traffic.period_seconds


def _upstream_bytes(traffic: Traffic, deployment: Deployment) -> tuple[float, str]:
    if deployment.upstream_bytes_per_request is not None:
        return deployment.upstream_bytes_per_request, ""
    per_request = (traffic.received + traffic.sent) / traffic.count
    return per_request, "upstream bytes per request assumed equal to the client's (set cost_upstream_bytes_per_request)"


def ecs_tasks(traffic: Traffic, deployment: Deployment, factor: float) -> tuple[float, bool]:
    """(mean task count over the period, whether ecs_tasks_max capped it) for traffic x factor."""
    capped = False
    busy = 0.0
    for _, seconds in traffic.per_minute.values():
        concurrency = seconds * factor / 60
        needed = max(deployment.ecs_tasks_min, math.ceil(concurrency / deployment.ecs_task_concurrency - 1e-9))
        if deployment.ecs_tasks_max is not None and needed > deployment.ecs_tasks_max:
            needed, capped = deployment.ecs_tasks_max, True
        busy += needed
    idle_minutes = max(0, traffic.minutes - len(traffic.per_minute))
    return (busy + idle_minutes * deployment.ecs_tasks_min) / traffic.minutes, capped


def ecs_cost(traffic: Traffic, deployment: Deployment, prices: Prices, factor: float = 1.0) -> Side:
    side = Side("ecs")
    arch = deployment.ecs_architecture
    requests = traffic.count * month_factor(traffic) * factor
    tasks, capped = ecs_tasks(traffic, deployment, factor)
    task_hours = tasks * HOURS_PER_MONTH
    scaling = ("task count from per-minute concurrency / ecs_task_concurrency, at least ecs_tasks_min"
               + (" (capped by ecs_tasks_max: requests would queue)" if capped else ""))
    side.add(f"Fargate vCPU ({arch})", task_hours * deployment.ecs_vcpu, "vCPU-hours",
             prices[f"fargate.{arch}.vcpu_hour"], scaling)
    side.add(f"Fargate memory ({arch})", task_hours * deployment.ecs_memory_gb, "GB-hours",
             prices[f"fargate.{arch}.gb_hour"], scaling)
    side.add("ALB hours", HOURS_PER_MONTH, "hours", prices["alb.hour"])
    lcu_hours = 0.0
    for count, nbytes in traffic.per_hour.values():
        lcu_hours += max(count * factor / 3600 / LCU_NEW_CONNECTIONS_PER_SECOND,
                         nbytes * factor / GIB / LCU_GB_PER_HOUR)
    side.add("ALB LCUs", lcu_hours * month_factor(traffic), "LCU-hours", prices["alb.lcu_hour"],
             "one new connection per request (an upper bound), processed bytes measured")
    _nat(side, deployment.ecs_nat_gateways, requests, traffic, deployment, prices)
    public_ips = deployment.ecs_nat_gateways + (0 if deployment.ecs_nat_gateways else tasks)
    if public_ips:
        side.add("public IPv4 addresses", public_ips * HOURS_PER_MONTH, "address-hours", PUBLIC_IPV4_HOUR,
                 "" if deployment.ecs_nat_gateways else "tasks without a NAT gateway need a public IP each")
    side.add("CloudWatch Logs ingestion", requests * deployment.log_bytes_per_request / GIB, "GB",
             prices["logs.ingest_gb"], "log bytes per request from cost_log_bytes_per_request")
    return side


def lambda_cost(traffic: Traffic, deployment: Deployment, prices: Prices, reports: Durations | None,
                factor: float = 1.0, memory_mb: int | None = None) -> Side:
    side = Side("lambda")
    arch = deployment.lambda_architecture
    duration = lambda_duration(traffic, deployment, reports, memory_mb)
    memory_gb = duration.memory_mb / 1024
    requests = traffic.count * month_factor(traffic) * factor
    side.add("Lambda requests", requests / 1e6, "million requests", prices["lambda.requests_per_million"])
    measured = reports is not None and reports.count > 0 and reports.memory_mb == duration.memory_mb
    estimate = "" if measured else (
        f"duration {duration.total_ms:.0f} ms at {duration.memory_mb} MB from {duration.source}; CPU-bound "
        f"share {deployment.cpu_fraction:.0%} scaled by memory (cost_cpu_fraction)")
    gb_seconds = requests * (duration.total_ms + ROUNDING_MS) / 1000 * memory_gb
    side.add(f"Lambda duration ({arch}, {duration.memory_mb} MB)", gb_seconds, "GB-seconds",
             prices[f"lambda.gb_second.{arch}"], estimate)
    if deployment.lambda_provisioned:
        side.add("provisioned concurrency", deployment.lambda_provisioned * memory_gb * SECONDS_PER_MONTH,
                 "GB-seconds", prices[f"lambda.provisioned_gb_second.{arch}"],
                 "duration on provisioned environments priced at the on-demand rate (an upper bound)")
    side.add("HTTP API requests", traffic.api_units * month_factor(traffic) * factor / 1e6, "million requests",
             prices["http_api.requests_per_million"])
    _nat(side, deployment.lambda_nat_gateways, requests, traffic, deployment, prices)
    if deployment.lambda_nat_gateways:
        side.add("public IPv4 addresses", deployment.lambda_nat_gateways * HOURS_PER_MONTH, "address-hours",
                 PUBLIC_IPV4_HOUR)
    side.add("CloudWatch Logs ingestion",
             requests * (deployment.log_bytes_per_request + PLATFORM_LOG_BYTES) / GIB, "GB",
             prices["logs.ingest_gb"], "app log bytes per request (cost_log_bytes_per_request) + ~300 B "
             "START/END/REPORT")
    return side


def _nat(side: Side, gateways: int, requests: float, traffic: Traffic, deployment: Deployment,
         prices: Prices) -> None:
    if not gateways:
        return
    side.add("NAT gateway hours", gateways * HOURS_PER_MONTH, "hours", prices["nat.hour"])
    per_request, estimate = _upstream_bytes(traffic, deployment)
    side.add("NAT gateway data", requests * per_request / GIB, "GB", prices["nat.gb"], estimate)


def break_even(traffic: Traffic, deployment: Deployment, prices: Prices, reports: Durations | None,
               low: float = 0.1, high: float = 100.0) -> float | None:
    """The traffic factor where both targets cost the same (first crossing in [low, high])."""
    def gap(factor: float) -> float:
        return (lambda_cost(traffic, deployment, prices, reports, factor).total
                - ecs_cost(traffic, deployment, prices, factor).total)

    grid = curve_factors(low, high, 60)
    previous = grid[0]
    previous_gap = gap(previous)
    if previous_gap == 0:
        return previous
    for factor in grid[1:]:
        current_gap = gap(factor)
        if current_gap == 0 or (current_gap > 0) != (previous_gap > 0):
            lo, hi = previous, factor
            for _ in range(50):
                mid = math.sqrt(lo * hi)
                if (gap(mid) > 0) == (previous_gap > 0):
                    lo = mid
                else:
                    hi = mid
            return hi
        previous, previous_gap = factor, current_gap
    return None


def curve_factors(low: float = 0.1, high: float = 100.0, points: int = 31) -> list[float]:
    """Log-spaced traffic factors from `low` to `high`, including 1.0 when inside."""
    step = (math.log10(high) - math.log10(low)) / (points - 1)
    factors = {round(10 ** (math.log10(low) + i * step), 6) for i in range(points)}
    if low <= 1.0 <= high:
        factors.add(1.0)
    return sorted(factors)


def route_costs(traffic: Traffic, deployment: Deployment, prices: Prices, reports: Durations | None,
                top: int = 8) -> list[dict[str, Any]]:
    """Which routes the Lambda duration charge comes from (the biggest first)."""
    duration = lambda_duration(traffic, deployment, reports)
    ratio = duration_ratio(traffic, duration)
    per_gb_second = prices[f"lambda.gb_second.{deployment.lambda_architecture}"]
    scale = month_factor(traffic) * duration.memory_mb / 1024 * per_gb_second
    rows: list[dict[str, Any]] = []
    for route, stats in traffic.routes.items():
        lambda_seconds = stats.seconds * ratio + stats.count * ROUNDING_MS / 1000
        rows.append({"route": route, "requests_per_month": stats.count * month_factor(traffic),
                     "mean_ms": lambda_seconds / stats.count * 1000, "duration_cost": lambda_seconds * scale})
    total = sum(float(row["duration_cost"]) for row in rows) or 1.0
    for row in rows:
        row["share"] = float(row["duration_cost"]) / total
    return sorted(rows, key=lambda row: -float(row["duration_cost"]))[:top]
