"""Named environments from shopbot.toml, and filling them from Terraform outputs.

environments (the Settings model, file discovery, validation) and terraform (import
`terraform output -json`). Imports only errors; imported by nearly every package.
"""
