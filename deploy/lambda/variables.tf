variable "aws_region" {
  description = "AWS region the function, API and log groups live in (e.g. ap-south-1)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as ap-south-1."
  }
}

variable "project_name" {
  description = "Prefix of every resource name (the function is <project_name>-<environment>)."
  type        = string
  default     = "shopbot"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.project_name))
    error_message = "project_name must be 2-31 lower-case letters, digits or dashes, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (staging, production, ...); also the shopbot.toml environment."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.environment))
    error_message = "environment must be 2-21 lower-case letters, digits or dashes."
  }
}

variable "vpc_id" {
  description = "VPC the function runs in (the one Redis lives in)."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123abcd."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets (with a NAT route for the Anthropic and Elasticsearch APIs) for the function's ENIs."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 1 && alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "private_subnet_ids must list at least one subnet id like subnet-0123abcd."
  }
}

variable "redis_endpoint" {
  description = "Host name of the Redis (ElastiCache) primary endpoint; becomes REDIS_HOST."
  type        = string

  validation {
    condition     = length(var.redis_endpoint) > 0
    error_message = "redis_endpoint must not be empty."
  }
}

variable "redis_port" {
  description = "Redis port; becomes REDIS_PORT and the security group's egress port."
  type        = number
  default     = 6379

  validation {
    condition     = var.redis_port > 0 && var.redis_port < 65536
    error_message = "redis_port must be a TCP port (1-65535)."
  }
}

variable "redis_security_group_ids" {
  description = "Security groups of the Redis cluster: the function may reach them on redis_port."
  type        = list(string)

  validation {
    condition     = length(var.redis_security_group_ids) >= 1 && alltrue([for s in var.redis_security_group_ids : can(regex("^sg-[0-9a-f]+$", s))])
    error_message = "redis_security_group_ids must list at least one security group id like sg-0123abcd."
  }
}

variable "allow_ingress_on_redis" {
  description = "Add an ingress rule to each Redis security group admitting the function on redis_port."
  type        = bool
  default     = true
}

variable "secrets_manager_secret_name" {
  description = "Name of the Secrets Manager secret holding ANTHROPIC_API_KEY etc.; becomes SECRETS_MANAGER_SECRET."
  type        = string
  default     = "flean-services/shopbot"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", var.secrets_manager_secret_name))
    error_message = "secrets_manager_secret_name must be a valid Secrets Manager secret name."
  }
}

variable "secrets_manager_secret_arn" {
  description = "ARN of that secret: the function's role may read this secret and no other."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.secrets_manager_secret_arn))
    error_message = "secrets_manager_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "secrets_kms_key_arn" {
  description = "Customer-managed KMS key that encrypts the secret (null when it uses aws/secretsmanager)."
  type        = string
  default     = null

  validation {
    condition     = var.secrets_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.secrets_kms_key_arn))
    error_message = "secrets_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "package_path" {
  description = "Zip built by `shopbot build` for the first apply; later code changes go through `shopbot deploy`."
  type        = string
  default     = "../../dist/shopbot-lambda-3.12-x86_64.zip"

  validation {
    condition     = endswith(var.package_path, ".zip")
    error_message = "package_path must point at the .zip that `shopbot build` wrote."
  }
}

variable "lambda_handler" {
  description = "Handler of the function (module.function inside the zip)."
  type        = string
  default     = "shopbot.lambda_handler.handler"

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_.]*\\.[A-Za-z_][A-Za-z0-9_]*$", var.lambda_handler))
    error_message = "lambda_handler must look like package.module.function."
  }
}

variable "lambda_architecture" {
  description = "Instruction set; must match the package `shopbot build` made (x86_64 or arm64)."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "lambda_architecture must be x86_64 or arm64."
  }
}

variable "lambda_memory_size" {
  description = "Memory in MB (CPU scales with it)."
  type        = number
  default     = 512

  validation {
    condition     = var.lambda_memory_size >= 128 && var.lambda_memory_size <= 10240
    error_message = "lambda_memory_size must be between 128 and 10240 MB."
  }
}

variable "lambda_timeout" {
  description = "Timeout in seconds; API Gateway stops waiting at 30 s whatever this says."
  type        = number
  default     = 30

  validation {
    condition     = var.lambda_timeout >= 1 && var.lambda_timeout <= 900
    error_message = "lambda_timeout must be between 1 and 900 seconds."
  }
}

variable "reserved_concurrency" {
  description = "Concurrent executions reserved for (and capping) the function; protects Redis from a stampede."
  type        = number
  default     = 100

  validation {
    condition     = var.reserved_concurrency >= 1
    error_message = "reserved_concurrency must be at least 1."
  }
}

variable "snapstart_enabled" {
  description = "Turn on SnapStart for published versions (Python 3.12+); pair with the handler's eager-init mode."
  type        = bool
  default     = false
}

variable "provisioned_concurrency" {
  description = "Execution environments kept initialised on the alias `live` (0 = none): no cold start up to this many concurrent requests. Cost: billed for every second they exist, used or not - about 5.40 USD a month per 512 MB environment in us-east-1 (0.0000041667 USD per GB-second x 0.5 GB x 2,592,000 s), requests on them then pay a lower duration rate (0.0000097222 vs 0.0000166667 USD per GB-second)."
  type        = number
  default     = 0

  validation {
    condition     = var.provisioned_concurrency >= 0 && var.provisioned_concurrency <= var.reserved_concurrency
    error_message = "provisioned_concurrency must be between 0 and reserved_concurrency."
  }
}

variable "warmup_schedule" {
  description = "EventBridge schedule (e.g. rate(5 minutes)) that invokes the alias `live` with {\"warmup\": true}; empty = off. Keeps about ONE environment warm, not a concurrency level (that is provisioned_concurrency). Cost: at rate(5 minutes) 8,640 invocations of a few ms a month - under 0.01 USD of requests and duration; scheduled EventBridge rules are free."
  type        = string
  default     = ""

  validation {
    condition     = var.warmup_schedule == "" || can(regex("^(rate|cron)\\(.+\\)$", var.warmup_schedule))
    error_message = "warmup_schedule must be empty, rate(...) or cron(...)."
  }
}

variable "log_level" {
  description = "LOG_LEVEL for the service."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the function's and the API's logs."
  type        = number
  default     = 14

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "cors_allow_origins" {
  description = "Origins allowed by the API's CORS (the storefront's URLs)."
  type        = list(string)
  default     = ["https://shop.example.com"]

  validation {
    condition     = alltrue([for o in var.cors_allow_origins : can(regex("^https?://", o)) || o == "*"])
    error_message = "cors_allow_origins entries must be URLs (https://...) or \"*\"."
  }
}

variable "throttling_burst_limit" {
  description = "API Gateway burst limit (requests) on the $default stage."
  type        = number
  default     = 200

  validation {
    condition     = var.throttling_burst_limit >= 1
    error_message = "throttling_burst_limit must be at least 1."
  }
}

variable "throttling_rate_limit" {
  description = "API Gateway steady rate limit (requests per second) on the $default stage."
  type        = number
  default     = 100

  validation {
    condition     = var.throttling_rate_limit >= 1
    error_message = "throttling_rate_limit must be at least 1."
  }
}

variable "artifact_bucket" {
  description = "S3 bucket `shopbot deploy` uploads packages over 50 MB to (empty: direct upload only)."
  type        = string
  default     = ""

  validation {
    condition     = var.artifact_bucket == "" || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.artifact_bucket))
    error_message = "artifact_bucket must be empty or an S3 bucket name."
  }
}
