output "alb_dns_name" {
  description = "DNS name of the load balancer (point alb_domain_name at it)."
  value       = aws_lb.this.dns_name
}

output "alb_url" {
  description = "HTTPS URL of the ECS target, without CloudFront."
  value       = "https://${var.alb_domain_name}"
}

output "alb_domain_name" {
  description = "Host name the edge's `alb` origin connects to."
  value       = var.alb_domain_name
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.this.name
}

output "task_definition_family" {
  description = "Family of the task definition `shopbot deploy` adds revisions to."
  value       = aws_ecs_task_definition.service.family
}

output "target_group_arn" {
  description = "Target group the service registers its tasks in."
  value       = aws_lb_target_group.service.arn
}

output "ecr_repository_url" {
  description = "Where `docker push` sends the gunicorn image."
  value       = data.aws_ecr_repository.service.repository_url
}

output "secret_name" {
  description = "Secrets Manager secret whose keys the tasks receive."
  value       = var.secrets_manager_secret_name
}

output "shopbot_settings" {
  description = "Keys of a shopbot.toml environment; `shopbot settings import-terraform` reads this."
  value = {
    region             = var.aws_region
    alb_url            = "https://${var.alb_domain_name}"
    ecs_cluster        = aws_ecs_cluster.this.name
    ecs_service        = aws_ecs_service.this.name
    ecr_repository     = var.ecr_repository_name
    secret_name        = var.secrets_manager_secret_name
    ecs_task_vcpu      = var.task_cpu / 1024
    ecs_task_memory_gb = var.task_memory / 1024
    ecs_tasks_min      = var.desired_count
    ecs_architecture   = lower(var.cpu_architecture)
    ecs_log_group      = aws_cloudwatch_log_group.service.name
  }
}

output "environment" {
  description = "Environment name; `shopbot settings import-terraform` fills [environments.<this>] unless --env says otherwise."
  value       = var.environment
}
