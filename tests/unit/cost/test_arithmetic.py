"""The cost arithmetic against cases worked by hand (one where ECS is cheaper, one where Lambda is).

Every expected number below is written out as the hand calculation: quantity x list price from
the pinned us-east-1 table (Fargate $0.04048/vCPU-h, $0.004445/GB-h; ALB $0.0225/h, $0.008/LCU-h;
Lambda $0.20/M, $0.0000166667/GB-s; HTTP API $1.00/M; NAT $0.045/h; IPv4 $0.005/h; logs $0.50/GB).
"""

from __future__ import annotations

import dataclasses

import pytest
from shopbot_cli.cost import model
from shopbot_cli.cost.model import Deployment
from shopbot_cli.cost.prices import prices_for
from shopbot_cli.cost.reports import Durations
from shopbot_cli.cost.traffic import Hit, Traffic, traffic_from_hits

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z, a minute boundary
PRICES = prices_for("us-east-1")
MONTH = 730.0
GIB = 2**30


def hour_of(per_minute: int, seconds: float, route: str = "POST /api/chat") -> Traffic:
    """One hour of traffic: `per_minute` requests in each of 60 minutes, each `seconds` long, no bytes."""
    return traffic_from_hits(Hit(T0 + minute * 60 + i * 60 / per_minute, seconds, 0, 0, route)
                             for minute in range(60) for i in range(per_minute))


def deployment(**changes: object) -> Deployment:
    base = Deployment(region="us-east-1", ecs_vcpu=1.0, ecs_memory_gb=2.0, ecs_tasks_min=1, ecs_tasks_max=None,
                      ecs_task_concurrency=8, ecs_architecture="x86_64", ecs_nat_gateways=0,
                      lambda_memory_mb=1024, lambda_architecture="x86_64", lambda_provisioned=0,
                      lambda_nat_gateways=0, cpu_fraction=0.0, upstream_bytes_per_request=None,
                      log_bytes_per_request=0.0)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def items(side: model.Side) -> dict[str, float]:
    return {item.name: item.monthly for item in side.items}


def test_busy_chat_traffic_costs_more_on_lambda() -> None:
    """60 chats a minute, 5 s each (waiting on the LLM): ECS overlaps the waits, Lambda bills each."""
    traffic = hour_of(60, 5.0)
    facts = deployment()
    assert traffic.period_seconds == 3600 and model.month_factor(traffic) == MONTH

    ecs = model.ecs_cost(traffic, facts, PRICES)
    # concurrency 60 x 5 s / 60 s = 5 per minute -> ceil(5 / 8) = 1 task all month
    assert items(ecs) == pytest.approx({
        "Fargate vCPU (x86_64)": 730 * 1.0 * 0.04048,                 # 29.5504
        "Fargate memory (x86_64)": 730 * 2.0 * 0.004445,              # 6.4897
        "ALB hours": 730 * 0.0225,                                    # 16.425
        "ALB LCUs": (3600 / 3600 / 25) * 730 * 0.008,                 # 0.04 LCU for the hour -> 0.2336
        "public IPv4 addresses": 1 * 730 * 0.005,                     # the task's public IP: 3.65
        "CloudWatch Logs ingestion": 0.0,
    })
    assert ecs.total == pytest.approx(56.3487, abs=1e-4)

    lam = model.lambda_cost(traffic, facts, PRICES, None)
    requests = 3600 * 730                                             # 2,628,000 a month
    assert items(lam) == pytest.approx({
        "Lambda requests": requests / 1e6 * 0.20,                     # 0.5256
        "Lambda duration (x86_64, 1024 MB)": requests * 5.0005 * 1.0 * 0.0000166667,  # 219.02
        "HTTP API requests": requests / 1e6 * 1.00,                   # 2.628
        "CloudWatch Logs ingestion": requests * 300 / GIB * 0.50,     # START/END/REPORT: 0.367
    })
    assert lam.total == pytest.approx(222.543, abs=1e-3)
    assert lam.total > 3.9 * ecs.total


def test_quiet_traffic_costs_less_on_lambda_even_with_a_nat_gateway() -> None:
    """One search a minute, 100 ms each: the ALB and an idle task cost more than a NAT gateway."""
    traffic = hour_of(1, 0.1, "GET /api/products/search")
    facts = deployment(ecs_vcpu=0.5, ecs_memory_gb=1.0, lambda_memory_mb=512, lambda_nat_gateways=1)

    ecs = model.ecs_cost(traffic, facts, PRICES)
    ecs_expected = (730 * 0.5 * 0.04048 + 730 * 1.0 * 0.004445 + 730 * 0.0225
                    + (60 / 3600 / 25) * 730 * 0.008 + 730 * 0.005)
    assert ecs.total == pytest.approx(ecs_expected)                   # 38.0990

    lam = model.lambda_cost(traffic, facts, PRICES, None)
    requests = 60 * 730                                               # 43,800 a month
    assert items(lam) == pytest.approx({
        "Lambda requests": requests / 1e6 * 0.20,
        "Lambda duration (x86_64, 512 MB)": requests * 0.1005 * 0.5 * 0.0000166667,
        "HTTP API requests": requests / 1e6 * 1.00,
        "NAT gateway hours": 730 * 0.045,                             # 32.85: the seed's table leaves it out
        "NAT gateway data": 0.0,
        "public IPv4 addresses": 730 * 0.005,                         # the NAT gateway's address
        "CloudWatch Logs ingestion": requests * 300 / GIB * 0.50,
    })
    assert lam.total == pytest.approx(36.5954, abs=1e-4)
    assert lam.total < ecs.total

    # Both grow linearly here (one task never fills): the crossing is where the slopes meet the gap.
    lambda_slope = lam.total - (730 * 0.045 + 730 * 0.005)
    ecs_slope = (60 / 3600 / 25) * 730 * 0.008
    expected = (ecs.total - ecs_slope - (730 * 0.045 + 730 * 0.005)) / (lambda_slope - ecs_slope)
    found = model.break_even(traffic, facts, PRICES, None)
    assert found == pytest.approx(expected, rel=1e-3)                 # ~16.4x today's traffic


def test_more_traffic_needs_more_tasks_and_the_cap_is_reported() -> None:
    traffic = hour_of(60, 5.0)                                        # concurrency 5 per minute
    facts = deployment(ecs_task_concurrency=2)
    assert model.ecs_tasks(traffic, facts, 1.0) == (3.0, False)        # ceil(5 / 2)
    assert model.ecs_tasks(traffic, facts, 10.0) == (25.0, False)      # ceil(50 / 2)
    capped = dataclasses.replace(facts, ecs_tasks_max=4)
    assert model.ecs_tasks(traffic, capped, 10.0) == (4.0, True)
    assert "capped by ecs_tasks_max" in model.ecs_cost(traffic, capped, PRICES, 10.0).items[0].estimate


def test_idle_minutes_keep_the_minimum_task_count() -> None:
    hits = [Hit(T0, 120.0, 0, 0, "POST /api/chat"), Hit(T0 + 59 * 60, 0.1, 0, 0, "GET /health")]
    traffic = traffic_from_hits(hits)                                 # 60 minutes, 2 with traffic
    facts = deployment(ecs_task_concurrency=1, ecs_tasks_min=1)
    # minute 0: 120 s of work in 60 s -> 2 tasks; the other 59 minutes: 1
    assert model.ecs_tasks(traffic, facts, 1.0)[0] == pytest.approx((2 + 59) / 60)


def test_memory_shrinks_only_the_cpu_bound_part() -> None:
    traffic = hour_of(10, 1.0)                                        # 1,000 ms on ECS with a full vCPU
    facts = deployment(cpu_fraction=0.5)
    full = model.lambda_duration(traffic, facts, None, 1769)
    assert (full.wait_ms, full.cpu_ms) == pytest.approx((500.0, 500.0))
    small = model.lambda_duration(traffic, facts, None, 512)
    assert small.wait_ms == pytest.approx(500.0)                      # the LLM does not answer faster
    assert small.cpu_ms == pytest.approx(500.0 * 1769 / 512)          # 1,727.5 ms at 512/1769 of a vCPU
    big = model.lambda_duration(traffic, facts, None, 3008)
    assert big.cpu_ms == pytest.approx(500.0)                         # one request uses one core


def test_report_lines_replace_the_ecs_times_and_init_is_billed() -> None:
    traffic = hour_of(10, 1.0)
    reports = Durations(memory_mb=1024, count=100, duration_ms=100 * 250.0, billed_ms=100 * 251,
                        init_count=2, init_ms=2 * 1500.0)
    facts = deployment(lambda_memory_mb=1024)
    at = model.lambda_duration(traffic, facts, reports)
    assert (at.total_ms, at.init_ms) == pytest.approx((250.0 + 30.0, 30.0))   # 2 x 1.5 s init over 100 requests
    lam = model.lambda_cost(traffic, facts, PRICES, reports)
    duration = next(item for item in lam.items if item.unit == "GB-seconds")
    assert duration.quantity == pytest.approx(600 * 730 * (280.0 + 0.5) / 1000 * 1.0)
    assert duration.estimate == ""                                    # measured at this memory size


def test_provisioned_concurrency_is_a_fixed_monthly_charge() -> None:
    traffic = hour_of(1, 0.1)
    lam = model.lambda_cost(traffic, deployment(lambda_provisioned=2, lambda_memory_mb=2048), PRICES, None)
    assert items(lam)["provisioned concurrency"] == pytest.approx(2 * 2.0 * 730 * 3600 * 0.0000041667)


def test_routes_show_where_the_duration_charge_comes_from() -> None:
    hits = [Hit(T0 + i, 4.0, 0, 0, "POST /api/chat") for i in range(10)]
    hits += [Hit(T0 + 30 + i, 0.05, 0, 0, "GET /api/products/search") for i in range(40)]
    rows = model.route_costs(traffic_from_hits(hits), deployment(), PRICES, None)
    assert [row["route"] for row in rows] == ["POST /api/chat", "GET /api/products/search"]
    chat_seconds, search_seconds = 10 * 4.0005, 40 * 0.0505
    assert rows[0]["share"] == pytest.approx(chat_seconds / (chat_seconds + search_seconds))
