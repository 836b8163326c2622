"""`shopbot invoke`: run a registered management command inside the deployed Lambda.

`outcome.py` (pure) builds the event (`{"shopbot_invoke": {"argv": [...]}}`, the shape the
handler accepts only from a direct Invoke) and judges the answer: output and exit status,
a refused command, a function without the hook, a timeout. `remote.py` makes the one
Invoke call (no retries: a retry would run the command twice). May import `cli/aws`,
`cli/errors`, `cli/settings`; imported by `cli/commands/invoke.py`.
"""
