"""Cold starts: the embedded search never imports `elasticsearch`; the real one only on first use."""

from __future__ import annotations

import subprocess
import sys

from tests.fakes.elasticsearch_server import FakeElasticsearch
from tests.support import clean_env


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=clean_env())
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_embedded_search_does_not_import_elasticsearch() -> None:
    out = run(
        "import sys\n"
        "import shopbot.search, shopbot.search.catalog\n"
        "from shopbot.config import get_config\n"
        "search = shopbot.search.build_search(get_config('testing', env={}))\n"
        "assert search.search('running shoes'), 'no results'\n"
        "print(type(search).__name__, 'elasticsearch' in sys.modules, 'elastic_transport' in sys.modules)\n"
    )
    assert out == "CatalogSearch False False"


def test_elasticsearch_is_imported_on_first_use_only(fake_elasticsearch: FakeElasticsearch) -> None:
    out = run(
        "import sys\n"
        "from shopbot.config import get_config\n"
        "from shopbot.search import build_search\n"
        f"search = build_search(get_config('testing', env={{'ELASTICSEARCH_URL': '{fake_elasticsearch.url}'}}))\n"
        "before = 'elasticsearch' in sys.modules\n"
        "search.ping()\n"
        "print(type(search).__name__, before, 'elasticsearch' in sys.modules)\n"
    )
    assert out == "ElasticsearchSearch False True"
