"""`cutover --force` does not demand settings only the skipped gates would have read."""

from __future__ import annotations

from dataclasses import replace

import pytest
from shopbot_cli.cutover.flow import run_cutover
from shopbot_cli.errors import ConfigError

from tests.integration.cutover.conftest import Stage
from tests.unit.cutover.sample import API


def test_force_runs_without_gate_settings_and_records_both_gates_skipped(stage: Stage) -> None:
    bare = replace(stage.settings, alb_url=None, api_url=None, parity_report=None)

    with pytest.raises(ConfigError, match="`alb_url`, `api_url`, `parity_report`"):
        run_cutover(bare, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options())
    forced = run_cutover(bare, "lambda", clients=stage.clients(), ui=stage.ui, options=stage.options(force=True))

    assert forced["changed"] and stage.config()[0]["DefaultCacheBehavior"]["TargetOriginId"] == API
    intent = stage.ledger()[0]
    assert sorted(intent["forced"]) == ["health:lambda", "parity"]
    skipped = [gate for gate in intent["gates"] if gate["name"] in ("health:lambda", "parity")]
    assert len(skipped) == 2  # the capacity gate reads other settings: it ran, and is recorded as it ended
    assert all(not gate["passed"] and gate["skipped"] and "not checked" in gate["detail"] for gate in skipped)
