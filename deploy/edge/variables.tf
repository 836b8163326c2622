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

variable "aws_region" {
  description = "Region of the two targets (what shopbot's AWS calls use); CloudFront itself is global."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as ap-south-1."
  }
}

variable "alb_domain_name" {
  description = "Host name of the ECS target's ALB, covered by its certificate (deploy/ecs output alb_domain_name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]{2,}$", var.alb_domain_name))
    error_message = "alb_domain_name must be a DNS name such as origin.shop.example.com."
  }
}

variable "api_domain_name" {
  description = "Host name of the Lambda target's HTTP API (deploy/lambda output api_domain_name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+\\.execute-api\\.[a-z0-9-]+\\.amazonaws\\.com$", var.api_domain_name))
    error_message = "api_domain_name must look like abc123.execute-api.ap-south-1.amazonaws.com (no https://)."
  }
}

variable "active_origin" {
  description = "Origin the service's behaviours use at creation: alb (ECS) or apigw (Lambda). After that `shopbot cutover` switches it."
  type        = string
  default     = "alb"

  validation {
    condition     = contains(["alb", "apigw"], var.active_origin)
    error_message = "active_origin must be alb or apigw."
  }
}

variable "aliases" {
  description = "Host names the distribution answers for (e.g. shop.example.com), covered by certificate_arn."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.aliases : can(regex("^[a-z0-9*.-]+\\.[a-z]{2,}$", a))])
    error_message = "aliases must be DNS names such as shop.example.com."
  }
}

variable "certificate_arn" {
  description = "ACM certificate in us-east-1 covering the aliases."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN in us-east-1 (CloudFront only uses those)."
  }
}

variable "web_acl_id" {
  description = "ARN of a WAFv2 web ACL (scope CLOUDFRONT) with the AWS managed common and Log4j rule sets."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/.+$", var.web_acl_id))
    error_message = "web_acl_id must be a WAFv2 web ACL ARN of scope CLOUDFRONT (us-east-1, global)."
  }
}

variable "logging_bucket_domain_name" {
  description = "S3 bucket domain (bucket.s3.amazonaws.com) for the standard access logs."
  type        = string

  validation {
    condition     = can(regex("\\.s3\\.amazonaws\\.com$", var.logging_bucket_domain_name))
    error_message = "logging_bucket_domain_name must end in .s3.amazonaws.com."
  }
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_All", "PriceClass_200", "PriceClass_100"], var.price_class)
    error_message = "price_class must be PriceClass_All, PriceClass_200 or PriceClass_100."
  }
}

variable "geo_restriction_locations" {
  description = "ISO country codes the shop serves (whitelist); empty serves everywhere."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.geo_restriction_locations : can(regex("^[A-Z]{2}$", c))])
    error_message = "geo_restriction_locations entries must be two-letter ISO codes such as IN."
  }
}

variable "secrets_manager_secret_name" {
  description = "Secret the two targets read (written to shopbot settings as secret_name)."
  type        = string
  default     = "flean-services/shopbot"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", var.secrets_manager_secret_name))
    error_message = "secrets_manager_secret_name must be a valid Secrets Manager secret name."
  }
}

variable "ledger" {
  description = "s3://bucket/key of the shared ledger of deploys and cutovers (empty: leave unset)."
  type        = string
  default     = ""

  validation {
    condition     = var.ledger == "" || can(regex("^s3://[a-z0-9.-]+/.+", var.ledger))
    error_message = "ledger must be empty or look like s3://bucket/path/ledger.json."
  }
}

variable "canary_planned" {
  description = "Set true before `shopbot cutover --canary`: CloudFront continuous deployment (the canary's staging distribution and weight policy) cannot be used with a distribution that supports HTTP/3, so this serves http2 instead of http2and3. Set it back to false once the canary is promoted or rolled back."
  type        = bool
  default     = false
}
