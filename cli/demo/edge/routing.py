"""Which origin CloudFront sends a request to: the first cache behaviour whose path
pattern matches (in order), else the default behaviour; an origin group sends to its
first member. Pure functions over a DistributionConfig."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=256)
def _pattern(path_pattern: str) -> re.Pattern[str]:
    """CloudFront path patterns: `*` any run of characters (slashes too), `?` one; case-sensitive."""
    pattern = path_pattern if path_pattern.startswith(("/", "*")) else "/" + path_pattern
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex + r"\Z", re.DOTALL)


def behaviour_for(config: dict[str, Any], path: str) -> dict[str, Any]:
    for behaviour in (config.get("CacheBehaviors") or {}).get("Items") or []:
        if _pattern(behaviour["PathPattern"]).match(path):
            return dict(behaviour)
    return dict(config["DefaultCacheBehavior"])


def origin_for(config: dict[str, Any], path: str) -> dict[str, Any]:
    """The origin (a dict from Origins.Items) that serves `path`."""
    target = behaviour_for(config, path)["TargetOriginId"]
    origins = {o["Id"]: o for o in config["Origins"]["Items"]}
    for group in (config.get("OriginGroups") or {}).get("Items") or []:
        if group["Id"] == target:
            target = group["Members"]["Items"][0]["OriginId"]
    if target not in origins:
        raise LookupError(f"behaviour for {path} targets unknown origin {target!r}")
    return dict(origins[target])


def origin_url(origin: dict[str, Any]) -> str:
    """Base URL of a custom origin (scheme from its protocol policy, port, origin path)."""
    custom = origin.get("CustomOriginConfig") or {}
    https = custom.get("OriginProtocolPolicy") == "https-only"
    port = custom.get("HTTPSPort", 443) if https else custom.get("HTTPPort", 80)
    scheme = "https" if https else "http"
    default = 443 if https else 80
    netloc = origin["DomainName"] if port == default else f"{origin['DomainName']}:{port}"
    return f"{scheme}://{netloc}{origin.get('OriginPath') or ''}"
