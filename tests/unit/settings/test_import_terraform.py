"""`shopbot settings import-terraform` / `settings show`: Terraform outputs into shopbot.toml."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from shopbot_cli.main import app
from shopbot_cli.settings.environments import load_settings
from shopbot_cli.settings.terraform import render, update_table
from shopbot_cli.ui import UI, set_ui
from typer.testing import CliRunner, Result

EXISTING = """\
# team settings: keep this comment
default_env = "local"

[environments.local]
region = "us-east-1"   # moto
behaviors = [
  "default",
]

[environments.production]
region = "eu-west-1"
ledger = "s3://ops/ledger.json"  # shared record
behaviors = [
  "default",
]

[environments.staging]
region = "ap-south-1"
"""


def outputs(env: str = "production", **settings: Any) -> dict[str, Any]:
    return {
        "environment": {"sensitive": False, "type": "string", "value": env},
        "shopbot_settings": {"sensitive": False, "type": ["object", {}], "value": settings},
        "alias_arn": {"sensitive": False, "type": "string", "value": "arn:aws:lambda:...:live"},
    }


LAMBDA = outputs(region="ap-south-1", api_url="https://abc.execute-api.ap-south-1.amazonaws.com",
                 lambda_function="shopbot-service-production", lambda_alias="live",
                 secret_name="flean-services/shopbot", artifact_bucket="")
EDGE = outputs(region="ap-south-1", edge_url="https://shop.example.com", distribution_id="E2ABC",
               alb_origin_id="alb", api_origin_id="apigw", behaviors=["default", "/api/*"])


def run(*args: str) -> Result:
    set_ui(UI())
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHOPBOT_CONFIG", raising=False)
    (tmp_path / "shopbot.toml").write_text(EXISTING)
    return tmp_path


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document))
    return path


def test_import_fills_one_environment_and_keeps_the_rest(workdir: Path) -> None:
    result = run("settings", "import-terraform", str(write(workdir / "lambda.json", LAMBDA)),
                 str(write(workdir / "edge.json", EDGE)))

    assert result.exit_code == 0, result.stderr
    text = (workdir / "shopbot.toml").read_text()
    assert "# team settings: keep this comment" in text and 'ledger = "s3://ops/ledger.json"  # shared record' in text
    production = load_settings("production", workdir / "shopbot.toml")
    assert production.region == "ap-south-1" and production.lambda_function == "shopbot-service-production"
    assert production.behaviors == ["default", "/api/*"] and production.distribution_id == "E2ABC"
    assert production.ledger == "s3://ops/ledger.json"
    assert production.artifact_bucket is None  # an empty output is not written
    document = tomllib.loads(text)
    assert document["environments"]["local"] == {"region": "us-east-1", "behaviors": ["default"]}
    assert document["environments"]["staging"] == {"region": "ap-south-1"}
    assert document["default_env"] == "local"


def test_import_again_changes_nothing(workdir: Path) -> None:
    path = write(workdir / "lambda.json", LAMBDA)
    run("settings", "import-terraform", str(path))
    before = (workdir / "shopbot.toml").read_text()

    result = run("settings", "import-terraform", str(path), "--json")

    assert result.exit_code == 0
    assert {c["action"] for c in json.loads(result.stdout)["changes"]} == {"unchanged"}
    assert (workdir / "shopbot.toml").read_text() == before


def test_new_environment_and_new_file(workdir: Path) -> None:
    fresh = workdir / "fresh.toml"

    result = run("settings", "import-terraform", str(write(workdir / "l.json", LAMBDA)), "--env", "qa",
                 "--file", str(fresh))

    assert result.exit_code == 0, result.stderr
    assert load_settings("qa", fresh).api_url == "https://abc.execute-api.ap-south-1.amazonaws.com"
    run("settings", "import-terraform", str(workdir / "l.json"), "--env", "prod2")
    assert load_settings("prod2", workdir / "shopbot.toml").lambda_alias == "live"
    assert load_settings("staging", workdir / "shopbot.toml").region == "ap-south-1"


def test_root_env_and_config_choose_the_environment_and_file(workdir: Path) -> None:
    other = workdir / "other.toml"

    result = run("--env", "qa", "--config", str(other), "settings", "import-terraform",
                 str(write(workdir / "l.json", LAMBDA)))

    assert result.exit_code == 0, result.stderr
    assert load_settings("qa", other).lambda_function == "shopbot-service-production"
    assert "qa" not in tomllib.loads((workdir / "shopbot.toml").read_text())["environments"]


def test_sensitive_outputs_are_never_written(workdir: Path) -> None:
    document = {**LAMBDA, "db_password": {"sensitive": True, "type": "string", "value": "canary-7f3d9c2e"}}

    result = run("settings", "import-terraform", str(write(workdir / "o.json", document)))

    assert result.exit_code == 0
    assert "canary-7f3d9c2e" not in (workdir / "shopbot.toml").read_text()
    assert "canary-7f3d9c2e" not in result.stdout + result.stderr
    assert "db_password" in result.stderr


@pytest.mark.parametrize(
    ("content", "status", "says"),
    [
        ("{not json", 2, "is not JSON"),
        (json.dumps(outputs(colour="blue")), 2, "shopbot_settings.colour is not a shopbot setting"),
        (json.dumps(outputs(deploy_timeout_seconds="soon")), 3, "left unchanged"),
        (json.dumps({"x": {"value": 1}}), 2, "no shopbot settings"),
        (json.dumps({"shopbot_settings": {"value": {"region": "x"}}}), 2, "pass --env NAME"),
    ],
    ids=["not-json", "unknown-key", "wrong-type", "no-settings", "no-env"],
)
def test_bad_outputs_leave_the_file_alone(workdir: Path, content: str, status: int, says: str) -> None:
    (workdir / "o.json").write_text(content)

    result = run("settings", "import-terraform", "o.json")

    assert result.exit_code == status
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in result.stderr
    assert (workdir / "shopbot.toml").read_text() == EXISTING


def test_missing_outputs_file(workdir: Path) -> None:
    result = run("settings", "import-terraform", "nowhere.json")

    assert result.exit_code == 2 and "terraform output -json > nowhere.json" in result.stderr


def test_show_prints_the_resolved_settings(workdir: Path) -> None:
    result = run("settings", "show", "--env", "production", "--json")

    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["region"] == "eu-west-1" and shown["ledger"] == "s3://ops/ledger.json"
    assert shown["lambda_alias"] == "live" and shown["health_path"] == "/health"  # defaults resolved
    unknown = run("settings", "show", "--env", "nope")
    assert unknown.exit_code == 3 and "unknown environment 'nope'" in unknown.stderr


def test_multiline_values_are_replaced_whole() -> None:
    text, _ = update_table(EXISTING, "environments", "production", {"behaviors": ["default", "/api/*"]},
                           {"behaviors": ["default"]})

    assert tomllib.loads(text)["environments"]["production"]["behaviors"] == ["default", "/api/*"]
    assert tomllib.loads(text)["environments"]["local"]["behaviors"] == ["default"]


@pytest.mark.parametrize(
    "value",
    ["plain", 'quote " and \\ backslash', "tab\there\nnewline", "ünïcødé", 3, 0.95, True, ["a", "b"],
     {"team": "flean", "cost-centre": "42"}],
)
def test_rendered_values_read_back_the_same(value: Any) -> None:
    assert tomllib.loads(f"key = {render(value)}")["key"] == value


def test_show_prints_markup_like_values_literally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A value like `[/bold]` is data, not rich markup: it used to crash `settings show` with MarkupError."""
    (tmp_path / "shopbot.toml").write_text('[environments.local]\nedge_url = "https://x/[/bold]"\n'
                                           'parity_mask_names = ["[red]pin"]\n')
    monkeypatch.chdir(tmp_path)
    result = run("settings", "show")
    assert result.exit_code == 0, result.output
    assert "https://x/[/bold]" in result.stdout and "[red]pin" in result.stdout
