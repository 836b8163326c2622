"""Fixtures for the search suites: the fake Elasticsearch cluster."""

from tests.fakes.elasticsearch_server import fake_elasticsearch

__all__ = ["fake_elasticsearch"]
