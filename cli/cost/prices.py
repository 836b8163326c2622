"""The price table: pinned and dated (`prices.json` beside this file), or a file given with
`--prices FILE` in the same shape. Every number is checked (present, finite, not negative)
and a problem names its path in the file, so a hand-edited table fails with one clear line.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import CliError, ExitStatus

ARCHITECTURES = ("x86_64", "arm64")
# Every price a region must give: dotted path -> what it is (for messages and the report).
REQUIRED = {
    "fargate.x86_64.vcpu_hour": "Fargate vCPU-hour (x86_64)",
    "fargate.x86_64.gb_hour": "Fargate GB-hour (x86_64)",
    "fargate.arm64.vcpu_hour": "Fargate vCPU-hour (arm64)",
    "fargate.arm64.gb_hour": "Fargate GB-hour (arm64)",
    "alb.hour": "ALB hour",
    "alb.lcu_hour": "ALB LCU-hour",
    "lambda.requests_per_million": "Lambda requests, per million",
    "lambda.gb_second.x86_64": "Lambda GB-second (x86_64)",
    "lambda.gb_second.arm64": "Lambda GB-second (arm64)",
    "lambda.provisioned_gb_second.x86_64": "provisioned concurrency GB-second (x86_64)",
    "lambda.provisioned_gb_second.arm64": "provisioned concurrency GB-second (arm64)",
    "http_api.requests_per_million": "HTTP API requests, per million",
    "nat.hour": "NAT gateway hour",
    "nat.gb": "NAT gateway GB processed",
    "logs.ingest_gb": "CloudWatch Logs GB ingested",
}


class PriceError(CliError):
    status = ExitStatus.ERROR


@dataclass(frozen=True)
class Prices:
    """One region's prices from one table."""

    region: str
    date: str
    source: str           # "pinned table" or the --prices file
    values: dict[str, float]
    sources: dict[str, Any]

    def __getitem__(self, path: str) -> float:
        return self.values[path]


def load_table(path: Path | None = None) -> tuple[dict[str, Any], str]:
    """(document, where it came from): the pinned table, or `path`."""
    if path is None:
        text = resources.files("shopbot_cli.cost").joinpath("prices.json").read_text(encoding="utf-8")
        where = "pinned table"
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise PriceError(f"{path}: cannot read the price file ({error})") from error
        where = str(path)
    try:
        document = json.loads(text)
    except ValueError as error:
        raise PriceError(f"{where}: not valid JSON ({error}): see cli/cost/prices.json for the shape") from error
    if not isinstance(document, dict):
        raise PriceError(f"{where}: expected a JSON object with `date` and `regions`")
    return document, where


def prices_for(region: str | None, path: Path | None = None) -> Prices:
    """The checked prices of `region` from the table (or `--prices FILE`)."""
    document, where = load_table(path)
    date = document.get("date")
    if not isinstance(date, str) or not date:
        raise PriceError(f"{where}: `date` is missing: a price table must say when its prices were read")
    regions = document.get("regions")
    if not isinstance(regions, dict) or not regions:
        raise PriceError(f"{where}: `regions` must map region names to prices")
    if not region:
        raise PriceError("no region: set `region` in shopbot.toml or pass --region")
    table = regions.get(region)
    if table is None:
        known = ", ".join(sorted(str(name) for name in regions))
        raise PriceError(f"no prices for region '{region}' in the {where} dated {date} (it has: {known}): pass "
                         "--prices FILE with a regions." + region + " entry shaped like cli/cost/prices.json")
    values = {key: _number(table, key, f"{where}: regions.{region}") for key in REQUIRED}
    sources = document.get("sources") if isinstance(document.get("sources"), dict) else {}
    return Prices(region, date, where, values, sources or {})


def _number(table: Any, dotted: str, where: str) -> float:
    node = table
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise PriceError(f"{where}.{dotted} is missing ({REQUIRED[dotted]})")
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, int | float) or not math.isfinite(node) or node < 0:
        raise PriceError(f"{where}.{dotted} must be a price in USD, a number >= 0 (got {str(node)[:40]!r})")
    return float(node)
