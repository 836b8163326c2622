terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Checked offline against hashicorp/aws 6.25.0, the schema @cdktf/provider-aws@21.22.1 carries
      # (tests/unit/terraform/test_provider_schema.py). 5.x is admitted but not checked.
      version = ">= 5.40, < 7.0"
    }
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = var.project_name
      Environment = var.environment
      ManagedBy   = "terraform"
      Component   = "lambda"
    }
  }
}
