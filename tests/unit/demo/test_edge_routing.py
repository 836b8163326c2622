"""CloudFront's choice of origin per path, as the demo edge applies it."""

from __future__ import annotations

from typing import Any

import pytest
from shopbot_cli.demo.edge.routing import origin_for, origin_url


def origin(origin_id: str, port: int, policy: str = "http-only", path: str = "") -> dict[str, Any]:
    return {"Id": origin_id, "DomainName": "127.0.0.1", "OriginPath": path,
            "CustomOriginConfig": {"HTTPPort": port, "HTTPSPort": 443, "OriginProtocolPolicy": policy}}


CONFIG: dict[str, Any] = {
    "Origins": {"Quantity": 3, "Items": [origin("alb", 8000), origin("apigw", 9000, path="/prod"),
                                         origin("static", 443, policy="https-only")]},
    "OriginGroups": {"Quantity": 1, "Items": [
        {"Id": "api-failover", "Members": {"Quantity": 2, "Items": [{"OriginId": "apigw"}, {"OriginId": "alb"}]}}]},
    "DefaultCacheBehavior": {"TargetOriginId": "alb"},
    "CacheBehaviors": {"Quantity": 3, "Items": [
        {"PathPattern": "/api/chat*", "TargetOriginId": "api-failover"},
        {"PathPattern": "/api/*", "TargetOriginId": "apigw"},
        {"PathPattern": "*.png", "TargetOriginId": "static"},
    ]},
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "alb"),
        ("/health", "alb"),
        ("/api/products/search", "apigw"),
        ("/api/chat/abc", "apigw"),        # through the origin group's first member
        ("/img/logo.png", "static"),
        ("/API/products", "alb"),           # patterns are case-sensitive
        ("/apix", "alb"),
    ],
)
def test_first_matching_behaviour_wins_else_default(path: str, expected: str) -> None:
    assert origin_for(CONFIG, path)["Id"] == expected


def test_origin_url_follows_protocol_policy_port_and_path() -> None:
    assert origin_url(origin("alb", 8000)) == "http://127.0.0.1:8000"
    assert origin_url(origin("apigw", 80, path="/prod")) == "http://127.0.0.1/prod"
    assert origin_url(origin("static", 443, policy="https-only")) == "https://127.0.0.1"


def test_unknown_target_origin_is_reported() -> None:
    broken = {**CONFIG, "DefaultCacheBehavior": {"TargetOriginId": "gone"}, "CacheBehaviors": {"Quantity": 0}}
    with pytest.raises(LookupError, match="gone"):
        origin_for(broken, "/")
