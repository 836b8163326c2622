"""`shopbot logs` against a moto server (CloudWatch Logs, ECS)."""
