output "api_url" {
  description = "Invoke URL of the HTTP API's $default stage (the Lambda target, without CloudFront)."
  value       = trimsuffix(aws_apigatewayv2_stage.default.invoke_url, "/")
}

output "api_domain_name" {
  description = "Host name of the HTTP API: the edge's `apigw` origin domain."
  value       = replace(aws_apigatewayv2_api.this.api_endpoint, "https://", "")
}

output "api_id" {
  description = "Id of the HTTP API."
  value       = aws_apigatewayv2_api.this.id
}

output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function (unqualified)."
  value       = aws_lambda_function.this.arn
}

output "alias_name" {
  description = "Alias API Gateway invokes."
  value       = aws_lambda_alias.live.name
}

output "alias_arn" {
  description = "ARN of the alias `live`."
  value       = aws_lambda_alias.live.arn
}

output "security_group_id" {
  description = "Security group of the function's network interfaces."
  value       = aws_security_group.function.id
}

output "log_group_names" {
  description = "CloudWatch log groups of the function and of the API's access logs."
  value       = [aws_cloudwatch_log_group.function.name, aws_cloudwatch_log_group.api.name]
}

output "secret_name" {
  description = "Secrets Manager secret the function reads."
  value       = var.secrets_manager_secret_name
}

output "shopbot_settings" {
  description = "Keys of a shopbot.toml environment; `shopbot settings import-terraform` reads this."
  value = {
    region                         = var.aws_region
    api_url                        = trimsuffix(aws_apigatewayv2_stage.default.invoke_url, "/")
    lambda_function                = aws_lambda_function.this.function_name
    lambda_alias                   = aws_lambda_alias.live.name
    secret_name                    = var.secrets_manager_secret_name
    artifact_bucket                = var.artifact_bucket
    lambda_memory_mb               = var.lambda_memory_size
    lambda_architecture            = var.lambda_architecture
    api_gateway_id                 = aws_apigatewayv2_api.this.id
    lambda_log_group               = aws_cloudwatch_log_group.function.name
    lambda_provisioned_concurrency = var.provisioned_concurrency
  }
}

output "environment" {
  description = "Environment name; `shopbot settings import-terraform` fills [environments.<this>] unless --env says otherwise."
  value       = var.environment
}
