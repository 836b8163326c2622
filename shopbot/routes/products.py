"""Product search over the configured backend."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, request

from ..errors import BadRequest
from ..extensions import components

bp = Blueprint("products", __name__)
MAX_LIMIT = 50
LIMIT = re.compile(r"[0-9]{1,3}")


@bp.get("/api/products/search")
def search() -> dict[str, Any]:
    query = (request.args.get("q") or "").strip()
    if not query:
        raise BadRequest("query parameter 'q' is required", code="missing_query")
    if len(query) > 200:
        raise BadRequest("query parameter 'q' is longer than 200 characters", code="query_too_long")
    raw_limit = request.args.get("limit", "10")
    # ASCII digits only: str.isdigit() also accepts '²', which int() then refuses (a 500).
    if not LIMIT.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise BadRequest(f"query parameter 'limit' must be an integer from 1 to {MAX_LIMIT}", code="bad_limit")
    products = components().search.search(query, int(raw_limit))
    return {"query": query, "count": len(products), "products": [p.to_dict() for p in products]}
