# The edge both targets sit behind: one CloudFront distribution with the ALB (ECS) and
# the HTTP API (Lambda) as origins. `shopbot cutover` moves the service's behaviours
# from origin `alb` to origin `apigw` (and back); Terraform creates them on
# var.active_origin and then leaves that choice to the cutover.

locals {
  alb_origin_id   = "alb"
  apigw_origin_id = "apigw"
  # The paths `shopbot cutover` switches: the default behaviour and the API.
  api_path_patterns = ["/api/*"]
}

# Managed policies, looked up by name rather than pasted ids.
data "aws_cloudfront_cache_policy" "caching_disabled" {
  name = "Managed-CachingDisabled"
}

# Forwards the viewer's headers, cookies and query strings EXCEPT Host: API Gateway
# routes on its own host name and answers 403 to a foreign Host.
data "aws_cloudfront_origin_request_policy" "all_viewer_except_host" {
  name = "Managed-AllViewerExceptHostHeader"
}

data "aws_cloudfront_response_headers_policy" "security_headers" {
  name = "Managed-SecurityHeadersPolicy"
}

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_310:origin groups fail over only GET/HEAD/OPTIONS and chat is POST; moving between alb and apigw is `shopbot cutover`'s job
  #checkov:skip=CKV2_AWS_47:the web ACL is an input (var.web_acl_id, documented to carry the Log4j/KnownBadInputs rule set); it is checked where it is defined
  #checkov:skip=CKV_AWS_305:an API behind the distribution, no index document to serve at /
  comment         = "${var.project_name}-${var.environment}: ECS (alb) and Lambda (apigw)"
  enabled         = true
  is_ipv6_enabled = true
  http_version    = var.canary_planned ? "http2" : "http2and3" # continuous deployment refuses HTTP/3
  price_class     = var.price_class
  aliases         = var.aliases
  web_acl_id      = var.web_acl_id

  origin {
    origin_id   = local.alb_origin_id
    domain_name = var.alb_domain_name

    custom_origin_config {
      http_port                = 80
      https_port               = 443
      origin_protocol_policy   = "https-only"
      origin_ssl_protocols     = ["TLSv1.2"]
      origin_read_timeout      = 30
      origin_keepalive_timeout = 60
    }
  }

  origin {
    origin_id   = local.apigw_origin_id
    domain_name = var.api_domain_name

    custom_origin_config {
      http_port                = 80
      https_port               = 443
      origin_protocol_policy   = "https-only"
      origin_ssl_protocols     = ["TLSv1.2"]
      origin_read_timeout      = 30
      origin_keepalive_timeout = 60
    }
  }

  # Everything the service answers is dynamic: no caching anywhere.
  default_cache_behavior {
    target_origin_id           = var.active_origin
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.caching_disabled.id
    origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
    response_headers_policy_id = data.aws_cloudfront_response_headers_policy.security_headers.id
  }

  dynamic "ordered_cache_behavior" {
    for_each = local.api_path_patterns
    content {
      path_pattern               = ordered_cache_behavior.value
      target_origin_id           = var.active_origin
      viewer_protocol_policy     = "redirect-to-https"
      allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
      cached_methods             = ["GET", "HEAD"]
      compress                   = true
      cache_policy_id            = data.aws_cloudfront_cache_policy.caching_disabled.id
      origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
      response_headers_policy_id = data.aws_cloudfront_response_headers_policy.security_headers.id
    }
  }

  restrictions {
    #checkov:skip=CKV_AWS_374:the shop sells wherever it is allowed to by default; var.geo_restriction_locations narrows it
    geo_restriction {
      restriction_type = length(var.geo_restriction_locations) > 0 ? "whitelist" : "none"
      locations        = var.geo_restriction_locations
    }
  }

  viewer_certificate {
    acm_certificate_arn      = var.certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  logging_config {
    bucket          = var.logging_bucket_domain_name
    prefix          = "${var.project_name}-${var.environment}/"
    include_cookies = false
  }

  lifecycle {
    # `shopbot cutover` owns which origin serves; a re-apply must not move traffic back.
    ignore_changes = [
      default_cache_behavior[0].target_origin_id,
      ordered_cache_behavior[0].target_origin_id,
    ]
  }
}
