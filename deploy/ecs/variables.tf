variable "aws_region" {
  description = "AWS region of the cluster, load balancer and log group (e.g. ap-south-1)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as ap-south-1."
  }
}

variable "project_name" {
  description = "Prefix of every resource name."
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
  description = "VPC of the service, its load balancer and Redis."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123abcd."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets (with a NAT route) the Fargate tasks run in."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 1 && alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "private_subnet_ids must list at least one subnet id like subnet-0123abcd."
  }
}

variable "public_subnet_ids" {
  description = "Public subnets (two availability zones or more) for the load balancer."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2 && alltrue([for s in var.public_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "public_subnet_ids must list at least two subnet ids (an ALB needs two zones)."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of alb_domain_name for the HTTPS listener (CloudFront connects with https-only)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "alb_domain_name" {
  description = "DNS name (a CNAME or alias record to the ALB) its certificate covers; the edge's `alb` origin domain."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]{2,}$", var.alb_domain_name))
    error_message = "alb_domain_name must be a DNS name such as origin.shop.example.com."
  }
}

variable "alb_ingress_cidrs" {
  description = "Extra CIDRs allowed to reach the ALB directly on 443 (e.g. the office, for `shopbot parity-check`); CloudFront is always allowed."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.alb_ingress_cidrs : can(cidrnetmask(c))])
    error_message = "alb_ingress_cidrs entries must be IPv4 CIDRs such as 203.0.113.0/24."
  }
}

variable "alb_deletion_protection" {
  description = "Refuse to delete the load balancer (turn off before a deliberate destroy)."
  type        = bool
  default     = true
}

variable "alb_access_logs_bucket" {
  description = "S3 bucket for the ALB's access logs (must allow the regional ELB account to write)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.alb_access_logs_bucket))
    error_message = "alb_access_logs_bucket must be an S3 bucket name."
  }
}

variable "ecr_repository_name" {
  description = "ECR repository holding the gunicorn image (built from deploy/ecs/Dockerfile)."
  type        = string
  default     = "shopbot"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._/-]*$", var.ecr_repository_name))
    error_message = "ecr_repository_name must be an ECR repository name."
  }
}

variable "image_tag" {
  description = "Image tag for the first apply; later releases go through `shopbot deploy --target ecs --image-tag`."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be an explicit Docker tag (not latest)."
  }
}

variable "container_port" {
  description = "Port gunicorn binds in the container (deploy/ecs/gunicorn.conf.py: PORT, default 8000)."
  type        = number
  default     = 8000

  validation {
    condition     = var.container_port >= 1024 && var.container_port < 65536
    error_message = "container_port must be an unprivileged TCP port (1024-65535)."
  }
}

variable "cpu_architecture" {
  description = "CPU of the Fargate tasks; must match the image (X86_64 or ARM64)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "task_cpu" {
  description = "Task CPU units (256 = 0.25 vCPU)."
  type        = number
  default     = 512

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.task_cpu)
    error_message = "task_cpu must be 256, 512, 1024, 2048 or 4096."
  }
}

variable "task_memory" {
  description = "Task memory in MiB (must suit task_cpu, see the Fargate table)."
  type        = number
  default     = 1024

  validation {
    condition     = var.task_memory >= 512 && var.task_memory <= 30720
    error_message = "task_memory must be between 512 and 30720 MiB."
  }
}

variable "desired_count" {
  description = "Number of tasks the service keeps running."
  type        = number
  default     = 2

  validation {
    condition     = var.desired_count >= 1
    error_message = "desired_count must be at least 1."
  }
}

variable "redis_endpoint" {
  description = "Host name of the Redis primary endpoint; becomes REDIS_HOST."
  type        = string

  validation {
    condition     = length(var.redis_endpoint) > 0
    error_message = "redis_endpoint must not be empty."
  }
}

variable "redis_port" {
  description = "Redis port."
  type        = number
  default     = 6379

  validation {
    condition     = var.redis_port > 0 && var.redis_port < 65536
    error_message = "redis_port must be a TCP port (1-65535)."
  }
}

variable "redis_security_group_ids" {
  description = "Security groups of the Redis cluster: the tasks may reach them on redis_port."
  type        = list(string)

  validation {
    condition     = length(var.redis_security_group_ids) >= 1 && alltrue([for s in var.redis_security_group_ids : can(regex("^sg-[0-9a-f]+$", s))])
    error_message = "redis_security_group_ids must list at least one security group id like sg-0123abcd."
  }
}

variable "allow_ingress_on_redis" {
  description = "Add an ingress rule to each Redis security group admitting the tasks on redis_port."
  type        = bool
  default     = true
}

variable "secrets_manager_secret_name" {
  description = "Name of the Secrets Manager secret (the same one the Lambda reads)."
  type        = string
  default     = "flean-services/shopbot"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", var.secrets_manager_secret_name))
    error_message = "secrets_manager_secret_name must be a valid Secrets Manager secret name."
  }
}

variable "secrets_manager_secret_arn" {
  description = "ARN of that secret; only the execution role may read it, and only it."
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

variable "secret_keys" {
  description = "JSON keys of the secret injected as environment variables of the same name (valueFrom)."
  type        = list(string)
  default     = ["ANTHROPIC_API_KEY", "ES_API_KEY", "REDIS_PASSWORD"]

  validation {
    condition     = length(var.secret_keys) >= 1 && alltrue([for k in var.secret_keys : can(regex("^[A-Z_][A-Z0-9_]*$", k))])
    error_message = "secret_keys must be upper-case environment variable names such as ANTHROPIC_API_KEY."
  }
}

variable "log_level" {
  description = "LOG_LEVEL for the service and gunicorn."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the containers' logs."
  type        = number
  default     = 14

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}
