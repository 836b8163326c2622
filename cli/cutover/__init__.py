"""`shopbot cutover|rollback|status`: the switch at CloudFront, and the nets around it.

planning (pure: what to change, drift) -> gates (may it change) -> flow (ledger intent,
UpdateDistribution, wait, verify) -> canary/watch/edge_verify; status reads it all back.
May import aws/, settings/, secrets.masking and the shared frame; imported by commands/
and demo/.
"""
