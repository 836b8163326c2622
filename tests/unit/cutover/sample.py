"""A real-world CloudFront distribution config for shopbot (shared by unit and integration tests).

Three origins (the ALB, the API Gateway, an S3 bucket), an origin group with failover,
three behaviours with cache/origin-request/response-headers policies and function
associations, aliases with an ACM certificate, logging, custom errors, geo restriction.
"""

from __future__ import annotations

import copy
from typing import Any

ALB = "shopbot-alb"
API = "shopbot-api"
STATIC = "shopbot-static"
GROUP = "static-failover"
ALB_DOMAIN = "shopbot-alb-1234567890.us-east-1.elb.amazonaws.com"
API_DOMAIN = "abc123defg.execute-api.us-east-1.amazonaws.com"

_ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]


def behaviour(origin: str, path: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "TargetOriginId": origin,
        "ViewerProtocolPolicy": "redirect-to-https",
        "AllowedMethods": {"Quantity": 7, "Items": list(_ALL_METHODS),
                           "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}},
        "Compress": True,
        "SmoothStreaming": False,
        "FieldLevelEncryptionId": "",
        "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        "OriginRequestPolicyId": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
        "ResponseHeadersPolicyId": "67f7725c-6f97-4210-82d7-5512b31e9d03",
        "TrustedSigners": {"Enabled": False, "Quantity": 0},
        "TrustedKeyGroups": {"Enabled": False, "Quantity": 0},
        "LambdaFunctionAssociations": {"Quantity": 0},
        "FunctionAssociations": {"Quantity": 1, "Items": [{
            "FunctionARN": "arn:aws:cloudfront::123456789012:function/shopbot-rewrite",
            "EventType": "viewer-request"}]},
    }
    if path is not None:
        item["PathPattern"] = path
    return item


def _custom(origin_id: str, domain: str, headers: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "Id": origin_id, "DomainName": domain, "OriginPath": "",
        "CustomHeaders": {"Quantity": len(headers or []), "Items": headers or []},
        "CustomOriginConfig": {
            "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only",
            "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
            "OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5,
        },
        "ConnectionAttempts": 3, "ConnectionTimeout": 10, "OriginShield": {"Enabled": False},
    }


def distribution_config(caller_reference: str = "shopbot-prod-1", alb_domain: str = ALB_DOMAIN) -> dict[str, Any]:
    return {
        "CallerReference": caller_reference,
        "Comment": "shopbot production",
        "Enabled": True,
        "Aliases": {"Quantity": 2, "Items": ["shop.example.com", "www.shop.example.com"]},
        "Origins": {"Quantity": 3, "Items": [
            _custom(ALB, alb_domain, [{"HeaderName": "X-Origin-Verify", "HeaderValue": "not-a-secret"}]),
            _custom(API, API_DOMAIN),
            {"Id": STATIC, "DomainName": "shopbot-static.s3.us-east-1.amazonaws.com", "OriginPath": "/assets",
             "S3OriginConfig": {"OriginAccessIdentity": ""}, "CustomHeaders": {"Quantity": 0},
             "ConnectionAttempts": 3, "ConnectionTimeout": 10, "OriginShield": {"Enabled": False}},
        ]},
        "OriginGroups": {"Quantity": 1, "Items": [{
            "Id": GROUP,
            "FailoverCriteria": {"StatusCodes": {"Quantity": 2, "Items": [500, 502]}},
            "Members": {"Quantity": 2, "Items": [{"OriginId": STATIC}, {"OriginId": ALB}]},
        }]},
        "DefaultCacheBehavior": behaviour(ALB),
        "CacheBehaviors": {"Quantity": 3, "Items": [
            behaviour(ALB, "/api/*"),
            behaviour(GROUP, "/static/*"),
            behaviour(ALB, "/health"),
        ]},
        "CustomErrorResponses": {"Quantity": 1, "Items": [{
            "ErrorCode": 503, "ResponsePagePath": "/static/503.html", "ResponseCode": "503",
            "ErrorCachingMinTTL": 10}]},
        "Logging": {"Enabled": True, "IncludeCookies": False, "Bucket": "shopbot-logs.s3.amazonaws.com",
                    "Prefix": "cloudfront/"},
        "PriceClass": "PriceClass_100",
        "ViewerCertificate": {
            "ACMCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b6c0b0e-shopbot",
            "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"},
        "Restrictions": {"GeoRestriction": {"RestrictionType": "whitelist", "Quantity": 2, "Items": ["IN", "US"]}},
        "WebACLId": "",
        "HttpVersion": "http2and3",
        "IsIPV6Enabled": True,
        "DefaultRootObject": "",
    }


TAGS = [{"Key": "team", "Value": "shop"}, {"Key": "service", "Value": "shopbot"}]


def without_origins(config: dict[str, Any], behaviours: list[str]) -> dict[str, Any]:
    """A copy with the named behaviours' TargetOriginId blanked (to compare the rest)."""
    clean = copy.deepcopy(config)
    for name in behaviours:
        if name == "default":
            clean["DefaultCacheBehavior"]["TargetOriginId"] = "*"
        else:
            for item in clean["CacheBehaviors"]["Items"]:
                if item["PathPattern"] == name:
                    item["TargetOriginId"] = "*"
    return clean
