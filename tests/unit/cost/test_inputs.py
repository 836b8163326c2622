"""REPORT lines, price tables and deployment facts: real shapes, hostile input, one clear error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shopbot_cli.cost.facts import deployment_from
from shopbot_cli.cost.prices import REQUIRED, PriceError, load_table, prices_for
from shopbot_cli.cost.reports import parse_reports, read_reports
from shopbot_cli.cost.traffic import TrafficError
from shopbot_cli.errors import ConfigError
from shopbot_cli.settings.environments import Settings

# As CloudWatch Logs exports them (timestamp prefix, tabs) and as the local emulator prints them.
REPORTS = [
    "2026-11-30T10:00:00.000Z\tREPORT RequestId: 3f1c\tDuration: 1200.50 ms\tBilled Duration: 1201 ms\t"
    "Memory Size: 512 MB\tMax Memory Used: 95 MB\tInit Duration: 1800.00 ms",
    "REPORT RequestId: 77aa\tDuration: 799.50 ms\tBilled Duration: 800 ms\tMemory Size: 512 MB\t"
    "Max Memory Used: 96 MB",
    "START RequestId: 77aa Version: $LATEST",
    "REPORT RequestId: 9b9b\tDuration: 50.00 ms\tBilled Duration: 50 ms\tMemory Size: 1024 MB\tMax Memory Used: 90 MB",
]


def test_report_lines_are_summed_per_memory_size() -> None:
    durations = parse_reports(REPORTS)
    assert (durations.memory_mb, durations.count) == (512, 2)
    assert durations.mean_ms == pytest.approx(1000.0)
    assert durations.billed_ms == 2001
    assert (durations.init_count, durations.init_ms_per_request) == (1, pytest.approx(900.0))
    assert durations.max_used_mb == 96
    assert dict(durations.other_sizes) == {1024: 1}


def test_several_report_lines_joined_on_one_line_all_count() -> None:
    joined = "\t".join(line for line in REPORTS if "512 MB" in line)      # as `--output text` prints them
    assert parse_reports([joined]).count == 2


def test_a_file_without_report_lines_names_the_flag(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text('{"level": "INFO", "message": "hello"}\n')
    with pytest.raises(TrafficError, match=r"no Lambda REPORT lines.*--lambda-logs"):
        read_reports([log])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=200), st.builds(
    lambda d, b, m: f"REPORT RequestId: x\tDuration: {d} ms\tBilled Duration: {b} ms\tMemory Size: {m} MB",
    st.text(max_size=12), st.text(max_size=12), st.text(max_size=8))), max_size=20))
def test_any_lines_parse_without_escaping(lines: list[str]) -> None:
    durations = parse_reports(lines)
    assert durations.count >= 0 and durations.duration_ms >= 0


def test_the_pinned_table_is_dated_and_sourced() -> None:
    document, where = load_table()
    assert where == "pinned table" and document["date"] == "2026-12-01"
    assert set(document["sources"]) >= {"fargate", "alb", "lambda", "http_api", "nat", "logs"}
    prices = prices_for("us-east-1")
    assert prices["lambda.gb_second.x86_64"] == 0.0000166667 and prices["fargate.x86_64.vcpu_hour"] == 0.04048


def test_an_unknown_region_says_which_exist_and_how_to_add_one() -> None:
    with pytest.raises(PriceError, match=r"no prices for region 'ap-south-1'.*us-east-1.*--prices FILE"):
        prices_for("ap-south-1")


def test_a_price_file_overrides_the_table(tmp_path: Path) -> None:
    document, _ = load_table()
    document["regions"]["ap-south-1"] = document["regions"]["us-east-1"] | {"nat": {"hour": 0.056, "gb": 0.056}}
    document["date"] = "2026-11-30"
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(document))
    prices = prices_for("ap-south-1", path)
    assert (prices["nat.hour"], prices.date, prices.source) == (0.056, "2026-11-30", str(path))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("date"), "`date` is missing"),
    (lambda d: d["regions"]["us-east-1"]["alb"].pop("lcu_hour"), r"regions.us-east-1.alb.lcu_hour is missing"),
    (lambda d: d["regions"]["us-east-1"]["nat"].update(hour=-1), r"nat.hour must be a price"),
    (lambda d: d["regions"]["us-east-1"]["nat"].update(hour="0.045"), r"nat.hour must be a price"),
])
def test_a_broken_price_file_names_the_field(tmp_path: Path, change: Any, message: str) -> None:
    document, _ = load_table()
    change(document)
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(document))
    with pytest.raises(PriceError, match=message):
        prices_for("us-east-1", path)


SCALAR = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=True), st.integers(), st.text(max_size=5))
PRICE_NODE = st.recursive(SCALAR,
                          lambda inner: st.dictionaries(st.sampled_from(
                              ["fargate", "x86_64", "arm64", "vcpu_hour", "gb_hour", "alb", "hour", "lcu_hour",
                               "lambda", "gb_second", "nat", "gb", "logs", "ingest_gb"]), inner, max_size=6),
                          max_leaves=30)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=100), st.builds(lambda date, region: json.dumps(
    {"date": date, "regions": {"us-east-1": region}}), st.one_of(st.text(max_size=10), st.integers()), PRICE_NODE)))
def test_any_price_file_loads_or_fails_with_one_error(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("prices") / "p.json"
    path.write_text(text)
    try:
        prices = prices_for("us-east-1", path)
    except PriceError:
        return
    assert set(prices.values) == set(REQUIRED) and all(v >= 0 for v in prices.values.values())


def test_missing_facts_name_the_setting_and_the_flag() -> None:
    with pytest.raises(ConfigError) as caught:
        deployment_from(Settings(region="us-east-1", ecs_task_vcpu=0.5), ecs_task_memory_gb=1.0)
    message = str(caught.value)
    assert "`ecs_tasks_min` (--ecs-tasks)" in message and "`lambda_memory_mb` (--lambda-memory)" in message
    assert "ecs_task_vcpu" not in message and "ecs_task_memory_gb" not in message


def test_bad_facts_are_refused() -> None:
    base = Settings(region="us-east-1", ecs_task_vcpu=0.5, ecs_task_memory_gb=1.0, ecs_tasks_min=1,
                    ecs_nat_gateways=0, lambda_memory_mb=512, lambda_nat_gateways=1)
    assert deployment_from(base).lambda_memory_mb == 512
    with pytest.raises(ConfigError, match=r"lambda_memory_mb` must be 128\.\.10240"):
        deployment_from(base, lambda_memory_mb=64)
    with pytest.raises(ConfigError, match="must be x86_64 or arm64"):
        deployment_from(base.with_overrides(lambda_architecture="sparc"))
    with pytest.raises(ConfigError, match="cost_cpu_fraction"):
        deployment_from(base.with_overrides(cost_cpu_fraction=1.5))
