"""Opt-in live shadowing: compare the two targets on real shoppers' requests.

On ECS (`SHADOW_TARGET_URL` set), `mirror` copies a sampled share of requests and their
answers to a bounded queue; a `sender` process (one per gunicorn worker, own GIL, lower
CPU priority) asks the candidate twice and the primary once more, each with a signed
`X-Shopbot-Shadow` header, and `sink` writes the pairs (masked) to a local folder or S3.
On both targets, `guard` refuses an unsigned, forged or stale shadow header and gives a
signed one its own context namespace, so a shadowed chat never touches the shopper's
conversation. Nothing here is imported unless shadowing is configured or a request
carries the header: it adds nothing to a Lambda cold start.
Imports only the standard library (and boto3 for an S3 sink); `shopbot/__init__` and
`extensions` import it lazily.
"""

from .. import SHADOW_HEADER

__all__ = ["SHADOW_HEADER"]
