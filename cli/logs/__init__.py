"""`shopbot logs`: the service's CloudWatch logs from both targets, side by side.

`lines.py` (pure) parses `--since`, tells JSON lines and request ids apart and merges both
targets in time order; `summary.py` (pure) reads Lambda `REPORT` lines into cold-start and
memory figures; `groups.py` decides which log group each target writes to; `fetch.py`
calls CloudWatch Logs through `cli/aws/logs.py`. The writing side: `ship.py` sends a
served target's lines to CloudWatch Logs from a background thread, and `local.py` decides
when (a local AWS is configured) and to which group and stream. May import `cli/aws`,
`cli/settings`, `cli/errors`, `cli/ui`; imported by `cli/commands/logs.py` and
`cli/commands/serve.py` (and the emulator's `Ship` hook receives `LogShipper.put`).
"""
