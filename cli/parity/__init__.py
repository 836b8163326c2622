"""`shopbot parity-check`: replay a corpus against ECS (primary) and Lambda (candidate), compare, report.

Entry point for code (the demo, cutover tooling): `run_parity(primary, candidate, corpus=None,
out_dir=Path("reports")) -> Report` (see check.py).
"""

from .check import Report, run_parity

__all__ = ["Report", "run_parity"]
