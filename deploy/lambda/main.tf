# The Lambda target: function + alias `live`, the HTTP API in front of it, its IAM role,
# security group and log groups. Code changes after the first apply go through
# `shopbot deploy --target lambda` (upload, publish, move `live`), so Terraform ignores
# the package and the alias' version once they exist.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  name           = "${var.project_name}-${var.environment}"
  function_name  = "${var.project_name}-service-${var.environment}"
  log_group_name = "/aws/lambda/${local.function_name}"
  account_id     = data.aws_caller_identity.current.account_id
  partition      = data.aws_partition.current.partition
}

# ---------------------------------------------------------------- encryption of logs

data "aws_iam_policy_document" "logs_key" {
  #checkov:skip=CKV_AWS_111:a key policy's Resource "*" means this one key, nothing else
  #checkov:skip=CKV_AWS_356:a key policy's Resource "*" means this one key, nothing else
  #checkov:skip=CKV_AWS_109:a key policy's Resource "*" means this one key; the account root must administer it
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsUse"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.aws_region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.aws_region}:${local.account_id}:log-group:*"]
    }
  }
}

resource "aws_kms_key" "logs" {
  description         = "${local.name} Lambda and API Gateway logs, Lambda environment"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.logs_key.json
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${local.name}-lambda"
  target_key_id = aws_kms_key.logs.key_id
}

# ---------------------------------------------------------------- log groups

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_338:retention is a cost decision exposed as var.log_retention_days (seed default 14 days)
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

resource "aws_cloudwatch_log_group" "api" {
  #checkov:skip=CKV_AWS_338:retention is a cost decision exposed as var.log_retention_days (seed default 14 days)
  name              = "/aws/apigateway/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

# ---------------------------------------------------------------- IAM

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  name               = "${local.name}-lambda"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

resource "aws_iam_role_policy_attachment" "basic_execution" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy_attachment" "vpc_access" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_iam_role_policy_attachment" "xray" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AWSXrayWriteOnlyAccess"
}

data "aws_iam_policy_document" "read_secret" {
  statement {
    sid       = "ReadThisSecretOnly"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [var.secrets_manager_secret_arn]
  }

  dynamic "statement" {
    for_each = var.secrets_kms_key_arn == null ? [] : [var.secrets_kms_key_arn]
    content {
      sid       = "DecryptThisSecret"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${var.aws_region}.amazonaws.com"]
      }
    }
  }

  statement {
    sid       = "DecryptEnvironment"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.logs.arn]
  }
}

resource "aws_iam_role_policy" "read_secret" {
  name   = "read-${replace(var.secrets_manager_secret_name, "/", "-")}"
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.read_secret.json
}

# ---------------------------------------------------------------- network

resource "aws_security_group" "function" {
  name        = "${local.name}-lambda"
  description = "shopbot Lambda: egress to Redis, HTTPS and HTTP only; no ingress"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "redis" {
  for_each                     = toset(var.redis_security_group_ids)
  security_group_id            = aws_security_group.function.id
  description                  = "Redis"
  ip_protocol                  = "tcp"
  from_port                    = var.redis_port
  to_port                      = var.redis_port
  referenced_security_group_id = each.value
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.function.id
  description       = "HTTPS to the Anthropic and Elasticsearch APIs and AWS endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "http" {
  security_group_id = aws_security_group.function.id
  description       = "HTTP fallback for Elasticsearch (seed)"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_function" {
  for_each                     = var.allow_ingress_on_redis ? toset(var.redis_security_group_ids) : toset([])
  security_group_id            = each.value
  description                  = "shopbot Lambda ${var.environment}"
  ip_protocol                  = "tcp"
  from_port                    = var.redis_port
  to_port                      = var.redis_port
  referenced_security_group_id = aws_security_group.function.id
}

# ---------------------------------------------------------------- the function

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:invoked synchronously by API Gateway only; a dead-letter queue never receives anything
  #checkov:skip=CKV_AWS_272:the zip is built and verified by `shopbot build` (sha256 manifest checked by `shopbot deploy`), not signed with AWS Signer
  function_name                  = local.function_name
  description                    = "shopbot Flask service behind API Gateway (serverless-wsgi)"
  role                           = aws_iam_role.function.arn
  runtime                        = "python3.12"
  handler                        = var.lambda_handler
  architectures                  = [var.lambda_architecture]
  memory_size                    = var.lambda_memory_size
  timeout                        = var.lambda_timeout
  reserved_concurrent_executions = var.reserved_concurrency
  filename                       = var.package_path
  source_code_hash               = filebase64sha256(var.package_path)
  publish                        = true
  kms_key_arn                    = aws_kms_key.logs.arn

  vpc_config {
    subnet_ids         = var.private_subnet_ids
    security_group_ids = [aws_security_group.function.id]
  }

  environment {
    variables = {
      FLASK_ENV               = "lambda"
      APP_ENV                 = "lambda"
      REDIS_HOST              = var.redis_endpoint
      REDIS_PORT              = tostring(var.redis_port)
      LOG_LEVEL               = var.log_level
      SECRETS_MANAGER_SECRET  = var.secrets_manager_secret_name
      POWERTOOLS_SERVICE_NAME = "shopbot"
      STRIP_STAGE_PATH        = "yes"
    }
  }

  tracing_config {
    mode = "Active"
  }

  dynamic "snap_start" {
    for_each = var.snapstart_enabled ? [1] : []
    content {
      apply_on = "PublishedVersions"
    }
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  depends_on = [
    aws_iam_role_policy_attachment.basic_execution,
    aws_iam_role_policy_attachment.vpc_access,
    aws_iam_role_policy.read_secret,
  ]

  lifecycle {
    # `shopbot deploy` owns the code after the first apply.
    ignore_changes = [filename, source_code_hash, s3_bucket, s3_key]
  }
}

resource "aws_lambda_alias" "live" {
  name             = "live"
  description      = "What API Gateway invokes; moved by `shopbot deploy --target lambda`"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  lifecycle {
    # `shopbot deploy` moves the alias (and its canary weights) after the first apply.
    ignore_changes = [function_version, routing_config]
  }
}

# Initialised environments on the alias (cost: see var.provisioned_concurrency). When
# `shopbot deploy` moves `live`, Lambda provisions them for the new version; the deploy
# waits until they are READY.
resource "aws_lambda_provisioned_concurrency_config" "live" {
  count                             = var.provisioned_concurrency > 0 ? 1 : 0
  function_name                     = aws_lambda_alias.live.function_name
  qualifier                         = aws_lambda_alias.live.name
  provisioned_concurrent_executions = var.provisioned_concurrency
}

# Optional warm-up ping: the handler answers exactly {"warmup": true} without work; any
# other scheduled event fails loudly, so a real scheduled job is never swallowed.
resource "aws_cloudwatch_event_rule" "warmup" {
  count               = var.warmup_schedule == "" ? 0 : 1
  name                = "${local.name}-warmup"
  description         = "Keeps one shopbot Lambda environment warm (cost: see var.warmup_schedule)"
  schedule_expression = var.warmup_schedule
}

resource "aws_cloudwatch_event_target" "warmup" {
  count = var.warmup_schedule == "" ? 0 : 1
  rule  = aws_cloudwatch_event_rule.warmup[0].name
  arn   = aws_lambda_alias.live.arn
  input = jsonencode({ warmup = true })
}

resource "aws_lambda_permission" "warmup" {
  count         = var.warmup_schedule == "" ? 0 : 1
  statement_id  = "AllowEventBridgeWarmup"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.warmup[0].arn
}

# ---------------------------------------------------------------- API Gateway HTTP API

resource "aws_apigatewayv2_api" "this" {
  name          = local.name
  description   = "shopbot HTTP API -> Lambda alias live"
  protocol_type = "HTTP"

  cors_configuration {
    allow_origins  = var.cors_allow_origins
    allow_methods  = ["GET", "POST", "DELETE", "OPTIONS"]
    allow_headers  = ["content-type", "authorization", "x-request-id"]
    expose_headers = ["x-shopbot-target", "x-request-id"]
    max_age        = 3600
  }
}

resource "aws_apigatewayv2_integration" "lambda" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = aws_lambda_alias.live.arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

resource "aws_apigatewayv2_route" "default" {
  #checkov:skip=CKV_AWS_309:a public shopping assistant: shoppers are anonymous, the service itself rate-limits sessions
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = "$default"
  target             = "integrations/${aws_apigatewayv2_integration.lambda.id}"
  authorization_type = "NONE"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      ip                 = "$context.identity.sourceIp"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      path               = "$context.path"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
    })
  }
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowHttpApiInvokeLive"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*"
}
