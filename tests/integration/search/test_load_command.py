"""`python -m shopbot.search.elastic load` end to end, as an operator runs it."""

from __future__ import annotations

import subprocess
import sys

from shopbot.search.catalog import load_packaged_catalog
from tests.fakes.elasticsearch_server import FakeElasticsearch
from tests.support import clean_env, free_port


def load(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shopbot.search.elastic", "load", *args],
                          capture_output=True, text=True, timeout=60, env=clean_env(**env))


def test_load_creates_the_index_and_bulk_loads_the_catalog(fake_elasticsearch: FakeElasticsearch) -> None:
    done = load("--url", fake_elasticsearch.url, "--index", "shop")
    assert done.returncode == 0, done.stderr
    count = len(load_packaged_catalog())
    assert done.stdout == f"loaded {count} products into 'shop' at {fake_elasticsearch.url} (created the index)\n"
    assert len(fake_elasticsearch.documents("shop")) == count
    assert fake_elasticsearch.mappings["shop"]["properties"]["name"]["analyzer"] == "english"


def test_loading_twice_replaces_rather_than_duplicates(fake_elasticsearch: FakeElasticsearch) -> None:
    assert load("--url", fake_elasticsearch.url).returncode == 0
    again = load(ELASTICSEARCH_URL=fake_elasticsearch.url)  # the URL may come from the environment
    assert again.returncode == 0, again.stderr
    assert "(index already existed)" in again.stdout
    assert len(fake_elasticsearch.documents("products")) == len(load_packaged_catalog())


def test_api_key_comes_from_the_environment_and_is_never_printed() -> None:
    with FakeElasticsearch(api_key="canary-api-key") as fake:
        done = load("--url", fake.url, ES_API_KEY="canary-api-key")
        refused = load("--url", fake.url, ES_API_KEY="wrong-canary-key")
    assert done.returncode == 0, done.stderr
    assert refused.returncode == 1 and "401" in refused.stderr
    assert "canary" not in done.stdout + done.stderr + refused.stdout + refused.stderr


def test_unreachable_cluster_is_one_clear_line() -> None:
    done = load("--url", f"http://user:canary-pw@127.0.0.1:{free_port()}", "--timeout", "2")
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: search is unreachable: cannot connect to http://127.0.0.1:")
    assert lines[0].endswith("check --url and that the cluster is running")
    assert "canary-pw" not in done.stderr and "Traceback" not in done.stderr


def test_missing_url_is_a_usage_error() -> None:
    done = load()
    assert done.returncode == 2
    assert "--url is required (or set ELASTICSEARCH_URL)" in done.stderr
