output "distribution_id" {
  description = "Id of the CloudFront distribution `shopbot cutover` changes."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_domain_name" {
  description = "CloudFront domain (point the aliases' DNS records at it)."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "edge_url" {
  description = "URL shoppers use: the first alias, or the CloudFront domain."
  value       = "https://${length(var.aliases) > 0 ? var.aliases[0] : aws_cloudfront_distribution.this.domain_name}"
}

output "alb_origin_id" {
  description = "Origin id of the ECS target (ALB)."
  value       = local.alb_origin_id
}

output "api_origin_id" {
  description = "Origin id of the Lambda target (API Gateway)."
  value       = local.apigw_origin_id
}

output "behaviors" {
  description = "Behaviours that carry the service (what `shopbot cutover` switches)."
  value       = concat(["default"], local.api_path_patterns)
}

output "shopbot_settings" {
  description = "Keys of a shopbot.toml environment; `shopbot settings import-terraform` reads this."
  value = merge(
    {
      region          = var.aws_region
      edge_url        = "https://${length(var.aliases) > 0 ? var.aliases[0] : aws_cloudfront_distribution.this.domain_name}"
      distribution_id = aws_cloudfront_distribution.this.id
      alb_origin_id   = local.alb_origin_id
      api_origin_id   = local.apigw_origin_id
      behaviors       = concat(["default"], local.api_path_patterns)
      secret_name     = var.secrets_manager_secret_name
    },
    var.ledger == "" ? {} : { ledger = var.ledger },
  )
}

output "environment" {
  description = "Environment name; `shopbot settings import-terraform` fills [environments.<this>] unless --env says otherwise."
  value       = var.environment
}
