"""`shopbot secrets`: the service's one JSON secret in Secrets Manager, never shown.

sources (local files and env) -> ops (diff/sync/pull/rollback) and check (both targets
read the same keys); masking is the one way any secret-like value reaches a screen,
a log or a report. May import aws/, settings/ and the shared frame; imported by
commands/, cutover/ and parity/.
"""
