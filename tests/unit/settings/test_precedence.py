"""Settings precedence (flags > environment > file > defaults), origins, validation, relative paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shopbot_cli.aws import AwsClients
from shopbot_cli.errors import AwsError, ConfigError
from shopbot_cli.main import app
from shopbot_cli.settings.environments import load_settings, setting_names
from shopbot_cli.ui import UI, set_ui
from typer.testing import CliRunner, Result

FILE = """\
default_env = "staging"

[environments.staging]
profile = "from-file"
region = "eu-west-1"
endpoint_url = "http://127.0.0.1:1"
ledger = "s3://file/ledger.json"
parity_report = "reports/parity.json"

[environments.production]
region = "ap-south-1"
"""

AWS_CONFIG = """\
[profile from-file]
region = us-east-2
aws_access_key_id = a
aws_secret_access_key = b

[profile from-env]
region = us-west-2
aws_access_key_id = c
aws_secret_access_key = d

[profile from-flag]
aws_access_key_id = e
aws_secret_access_key = f
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("SHOPBOT_CONFIG", "SHOPBOT_ENV", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                 "AWS_ENDPOINT_URL", "SHOPBOT_LEDGER", "SHOPBOT_BEHAVIORS"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "shopbot.toml").write_text(FILE)
    (tmp_path / "aws-config").write_text(AWS_CONFIG)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.chdir(tmp_path / "project")
    return tmp_path / "project"


def run(*args: str) -> Result:
    set_ui(UI())
    return CliRunner().invoke(app, list(args))


def test_file_beats_defaults_and_says_so(workdir: Path) -> None:
    loaded = load_settings(environ={})

    assert (loaded.name, loaded.profile, loaded.region) == ("staging", "from-file", "eu-west-1")
    assert loaded.origin("region") == f"file {workdir / 'shopbot.toml'}"
    assert loaded.origin("name") == "file default_env"
    assert loaded.secret_name == "flean-services/shopbot" and loaded.origin("secret_name") == "default"


def test_environment_beats_the_file_and_flags_beat_both(workdir: Path) -> None:
    environ = {"AWS_PROFILE": "from-env", "AWS_DEFAULT_REGION": "us-west-1", "AWS_REGION": "us-west-2",
               "AWS_ENDPOINT_URL": "http://127.0.0.1:2", "SHOPBOT_LEDGER": "s3://env/ledger.json",
               "SHOPBOT_BEHAVIORS": "default, /api/*", "SHOPBOT_SECRET_TAGS": '{"team": "shop"}'}

    from_env = load_settings(environ=environ)
    flagged = load_settings(environ=environ, overrides={"region": ("sa-east-1", "flag --region")})

    assert from_env.profile == "from-env" and from_env.origin("profile") == "env AWS_PROFILE"
    assert from_env.region == "us-west-2" and from_env.origin("region") == "env AWS_REGION"
    assert from_env.endpoint_url == "http://127.0.0.1:2"
    assert from_env.ledger == "s3://env/ledger.json" and from_env.origin("ledger") == "env SHOPBOT_LEDGER"
    assert from_env.behaviors == ["default", "/api/*"] and from_env.secret_tags == {"team": "shop"}
    assert flagged.region == "sa-east-1" and flagged.origin("region") == "flag --region"
    assert flagged.profile == "from-env"


def test_aws_default_region_counts_when_aws_region_is_unset(workdir: Path) -> None:
    loaded = load_settings(environ={"AWS_DEFAULT_REGION": "us-west-1", "AWS_REGION": ""})

    assert loaded.region == "us-west-1" and loaded.origin("region") == "env AWS_DEFAULT_REGION"


def test_environment_choice_flag_then_shopbot_env_then_default_env(workdir: Path) -> None:
    assert load_settings(environ={"SHOPBOT_ENV": "production"}).region == "ap-south-1"
    assert load_settings("staging", environ={"SHOPBOT_ENV": "production"}).region == "eu-west-1"
    with pytest.raises(ConfigError, match="unknown environment 'qa'"):
        load_settings(environ={"SHOPBOT_ENV": "qa"})


def test_boto3_uses_the_profile_the_order_picked(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "from-env")

    clients = AwsClients(load_settings())
    flagged = AwsClients(load_settings(overrides={"profile": ("from-flag", "flag --profile")}))

    assert clients.session.profile_name == "from-env" and clients.region == "eu-west-1"  # the file names one
    assert flagged.session.profile_name == "from-flag"


def test_missing_profile_names_the_real_profile_and_where_it_came_from(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nosuch")

    with pytest.raises(AwsError) as caught:
        AwsClients(load_settings())

    assert "'nosuch' (env AWS_PROFILE) not found" in str(caught.value)


def test_root_flags_win_and_settings_show_prints_each_source(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    monkeypatch.setenv("AWS_PROFILE", "from-env")

    table = run("--endpoint-url", "http://127.0.0.1:9", "settings", "show")
    document = run("--profile", "from-flag", "settings", "show", "--json")

    assert table.exit_code == 0, table.stderr
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:4]]
            for line in table.stdout.splitlines() if line.count("│") >= 4}
    assert rows["region"] == ["us-west-2", "env AWS_REGION"]
    assert rows["endpoint_url"] == ["http://127.0.0.1:9", "flag --endpoint-url"]
    assert rows["ledger"][0] == "s3://file/ledger.json" and rows["ledger"][1] == "file"
    assert rows["kms_key_id"] == ["-", "default"]
    shown = json.loads(document.stdout)
    assert shown["profile"] == "from-flag" and shown["origins"]["profile"] == "flag --profile"
    assert shown["origins"]["region"] == "env AWS_REGION" and shown["name"] == "staging"


def test_relative_paths_are_read_from_the_settings_files_folder(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = workdir.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    loaded = load_settings(path=workdir / "shopbot.toml", environ={})

    assert loaded.parity_report == str(workdir / "reports" / "parity.json")


def test_a_required_setting_says_how_to_set_it(workdir: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={}).require("distribution_id")

    assert "[environments.staging]" in str(caught.value) and "SHOPBOT_DISTRIBUTION_ID" in str(caught.value)


BAD_FILES = {
    "non-utf8": (b'[environments.local]\nregion = "\xff\xfe"\n', "shopbot.toml", "not UTF-8 text"),
    "default-env-list": (b'default_env = ["a"]\n[environments.a]\n', "shopbot.toml",
                         "default_env must name one environment as a string"),
    "tool-shopbot-string": (b'[tool]\nshopbot = "x"\n', "pyproject.toml", "tool.shopbot must be a table"),
    "wrong-type": (b"[environments.local]\nregion = 5\n", "shopbot.toml", "region: expected a string"),
    "bool-for-int": (b"[environments.local]\ndeploy_timeout_seconds = true\n", "shopbot.toml",
                     "deploy_timeout_seconds: expected an integer"),
    "negative-timeout": (b"[environments.local]\ndeploy_timeout_seconds = -1\n", "shopbot.toml",
                         "deploy_timeout_seconds: must be at least 0"),
    "bad-url": (b'[environments.local]\nalb_url = "alb.example.com"\n', "shopbot.toml", "alb_url: not a URL"),
    "env-not-table": (b"environments = 3\n", "shopbot.toml", "missing table [environments.<name>]"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_settings_files_are_one_line(workdir: Path, case: str) -> None:
    content, name, says = BAD_FILES[case]
    path = workdir / name
    path.write_bytes(content)

    result = run("--config", str(path), "settings", "show")

    assert result.exit_code == 3
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert says in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [("AWS_ENDPOINT_URL", "not-a-url", "environment variable AWS_ENDPOINT_URL: not a URL"),
     ("SHOPBOT_DEPLOY_TIMEOUT_SECONDS", "soon", "SHOPBOT_DEPLOY_TIMEOUT_SECONDS: expected an integer"),
     ("SHOPBOT_SECRET_TAGS", "[1", "expected a JSON object"),
     ("SHOPBOT_VERIFY_THRESHOLD", "1.5", "SHOPBOT_VERIFY_THRESHOLD: must be at least 0 and at most 1")],
)
def test_bad_variables_are_one_line(workdir: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                    says: str) -> None:
    monkeypatch.setenv(variable, value)

    result = run("settings", "show", "--json")

    assert result.exit_code == 3
    assert says in " ".join(result.stderr.split()) and result.stderr.count("\n") == 1
    failure = json.loads(result.stdout)
    assert failure["exit_code"] == 3 and says in failure["error"]


def test_a_bad_flag_value_is_one_line(workdir: Path) -> None:
    result = run("--endpoint-url", "localhost:4566", "settings", "show")

    assert result.exit_code == 3 and "flag --endpoint-url" in result.stderr and "not a URL" in result.stderr


# --- every settings document: a Settings or one ConfigError, never anything else ------------------

_scalars = st.one_of(st.text(max_size=12), st.integers(-5, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                     st.booleans())
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                       max_leaves=6)
_keys = st.one_of(st.sampled_from(setting_names()), st.text(max_size=8))


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"


_documents = st.fixed_dictionaries(
    {"default_env": st.one_of(st.none(), _values),
     "tables": st.dictionaries(st.text(min_size=1, max_size=6), st.dictionaries(_keys, _values, max_size=4),
                               max_size=3),
     "variables": st.dictionaries(st.sampled_from(["AWS_REGION", "AWS_ENDPOINT_URL", "AWS_PROFILE",
                                                   "SHOPBOT_BEHAVIORS", "SHOPBOT_SECRET_TAGS",
                                                   "SHOPBOT_VERIFY_THRESHOLD", "SHOPBOT_ENV"]),
                                  st.text(max_size=12).filter(lambda text: "\x00" not in text), max_size=3),
     "env": st.one_of(st.none(), st.text(max_size=6))}
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=_documents, raw=st.binary(max_size=40))
def test_any_settings_document_loads_or_says_what_is_wrong(tmp_path: Path, document: dict[str, object],
                                                            raw: bytes) -> None:
    lines = [] if document["default_env"] is None else [f"default_env = {_toml(document['default_env'])}"]
    tables = document["tables"]
    assert isinstance(tables, dict)
    for name, table in tables.items():
        lines.append(f"[environments.{json.dumps(name)}]")
        lines.extend(f"{json.dumps(key)} = {_toml(value)}" for key, value in table.items())
    for content in ("\n".join(lines).encode(), raw):
        path = tmp_path / "shopbot.toml"
        path.write_bytes(content)
        variables = document["variables"]
        env = document["env"]
        assert isinstance(variables, dict) and (env is None or isinstance(env, str))
        try:
            loaded = load_settings(env, path, environ=variables)
        except ConfigError as error:
            assert str(error).strip() and "\n" not in str(error)
        else:
            assert loaded.name in tables or loaded.name == "local"
