"""Named environments from shopbot.toml, and filling them from Terraform outputs.

environments (the Settings model, file discovery, the public loader), layers (flags >
environment > file > defaults, validated with pydantic, each value's origin) and
terraform (import `terraform output -json`). Imports only errors; imported by nearly
every package.
"""
