"""The results JSONL (`parity-results.jsonl`): one line per request, whatever the answers held."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from shopbot_cli.parity.runner import _json_line

any_text = st.text(alphabet=st.characters(blacklist_categories=()))  # lone surrogates too (file names)


@given(any_text, any_text, st.one_of(st.integers(), st.floats(allow_nan=False), st.none()))
def test_every_line_is_one_json_line_holding_the_same_values(source: str, shown: str, number: Any) -> None:
    line = {"source": source, "answers": {"p1": {"status": number}}, "diffs": [{"primary": shown}]}
    written = _json_line(line)
    assert written.endswith(b"\n") and written.count(b"\n") == 1
    assert json.loads(written) == line
