"""The cutover's `capacity` gate: would the measured peak be throttled on Lambda?

Reads the limits (GetAccountSettings, GetFunctionConcurrency through `cli/aws`; Redis
`CONFIG GET maxclients` and the clients connected now; the API stage's throttling) and
leaves the judging to `capacity.judge`. It fails closed: no traffic, no Lambda limit, or a
read that failed is *inconclusive* and stops the cutover (`--force` skips it, on the record).
Redis and API Gateway are checked where they can be reached and said to be unchecked where not.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..aws import AwsClients
from ..aws import apigatewayv2 as apigw
from ..aws import lambda_ as lambda_api
from ..cutover.gates import GateResult
from ..errors import CliError
from ..settings.environments import Settings
from . import capacity
from .model import duration_at
from .traffic import Traffic, read_traffic

NAME = "capacity"
_API_HOST = re.compile(r"^https?://([a-z0-9]{6,16})\.execute-api\.")
DEFAULT_MEMORY_MB = 512


def capacity_gate(settings: Settings, clients: AwsClients, traffic: Traffic | None = None,
                  redis_url: str | None = None) -> GateResult:
    """Peak Lambda concurrency from `traffic` (default: the `traffic_logs` setting) against the limits."""
    try:
        return _gate(settings, clients, traffic, redis_url if redis_url is not None else os.environ.get("REDIS_URL"))
    except CliError as error:
        return GateResult(NAME, False, f"inconclusive: {error}")


def _gate(settings: Settings, clients: AwsClients, traffic: Traffic | None, redis_url: str | None) -> GateResult:
    if traffic is None:
        if not settings.traffic_logs:
            return GateResult(NAME, False, "inconclusive: no traffic to size Lambda from: set `traffic_logs` to the "
                              "ALB access logs of a busy week (or pass --force)")
        traffic = read_traffic([Path(settings.traffic_logs)])
    if not settings.lambda_function:
        return GateResult(NAME, False, "inconclusive: no `lambda_function` to read the concurrency limits of")
    memory = settings.lambda_memory_mb or DEFAULT_MEMORY_MB
    duration = duration_at(traffic, memory, settings.cost_cpu_fraction, settings.ecs_task_vcpu or 1.0, None)
    peak = capacity.peak(traffic, duration)
    limits, unchecked = read_limits(settings, clients, redis_url)
    verdict = capacity.judge(peak, limits)
    detail = verdict.detail() + "".join(f"; {note}" for note in unchecked)
    return GateResult(NAME, verdict.passed, detail)


def read_limits(settings: Settings, clients: AwsClients, redis_url: str | None) -> tuple[capacity.Limits, list[str]]:
    """The limits the peak is judged against, and what could not be checked."""
    client = clients.client("lambda")
    reserved = lambda_api.reserved_concurrency(client, str(settings.lambda_function))
    limit: int | None = None
    unreserved: int | None = None
    if settings.lambda_concurrency_limit is not None:
        limit = unreserved = settings.lambda_concurrency_limit
    elif reserved is None:   # reserved concurrency is the function's whole limit; else the shared pool is
        limit, unreserved = lambda_api.account_concurrency(client)
    unchecked = []
    maxclients, others = settings.redis_maxclients, 0
    if maxclients is None and redis_url:
        maxclients, others = redis_clients(redis_url)
    if maxclients is None:
        unchecked.append("Redis maxclients not checked (set `redis_maxclients`, or REDIS_URL where Redis answers)")
    api_id = settings.api_gateway_id or _api_id(settings.api_url)
    rate: float | None = None
    burst: int | None = None
    source = ""
    if api_id:
        rate, burst = apigw.stage_throttling(clients.client("apigatewayv2"), api_id)
        source = f" {api_id} $default stage" + ("" if rate is not None or burst is not None else " (account default)")
        if rate is None and burst is None:
            rate, burst = capacity.API_DEFAULT_RATE, capacity.API_DEFAULT_BURST
    else:
        unchecked.append("API Gateway throttling not checked (set `api_gateway_id`)")
    limits = capacity.Limits(account_unreserved=unreserved, account_limit=limit, reserved=reserved,
                             redis_maxclients=maxclients, redis_other_clients=others,
                             api_rate=rate, api_burst=burst, api_source=source)
    return limits, unchecked


def redis_clients(url: str) -> tuple[int | None, int]:
    """(maxclients, clients connected now) from a Redis that answers CONFIG GET; (None, 0) if it won't."""
    import redis  # the service's own client; imported here so `shopbot --help` stays fast

    try:
        connection = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            value = connection.config_get("maxclients").get("maxclients")
            connected = int(connection.info("clients").get("connected_clients", 1)) - 1  # minus this one
        finally:
            connection.close()
    except (redis.RedisError, ValueError, OSError):
        return None, 0
    return (int(value) if value is not None and str(value).isdigit() else None), max(0, connected)


def _api_id(api_url: str | None) -> str | None:
    match = _API_HOST.match(api_url or "")
    return match.group(1) if match else None
