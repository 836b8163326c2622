"""`shopbot logs`: the service's CloudWatch logs from both targets, side by side.

`lines.py` (pure) parses `--since`, tells JSON lines and request ids apart and merges both
targets in time order; `summary.py` (pure) reads Lambda `REPORT` lines into cold-start and
memory figures; `groups.py` decides which log group each target writes to; `fetch.py`
calls CloudWatch Logs through `cli/aws/logs.py`. May import `cli/aws`, `cli/settings`,
`cli/errors`, `cli/ui`; imported by `cli/commands/logs.py` only.
"""
