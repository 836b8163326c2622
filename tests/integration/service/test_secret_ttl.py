"""A warm service sees `secrets sync` within SECRETS_TTL_SECONDS (moto Secrets Manager, real Redis)."""

from __future__ import annotations

import json
import time

import boto3
import pytest
import redis
from flask import Flask

from shopbot.secrets import SecretCache
from tests.conftest import RedisServer
from tests.integration.service.conftest import AppFactory

SECRET = "flean-services/shopbot"


def _own_env(monkeypatch: pytest.MonkeyPatch, *keys: str) -> None:
    """Make `keys` absent now and absent again after the test, whatever the cache sets."""
    for key in keys:
        monkeypatch.setenv(key, "placeholder")
        monkeypatch.delenv(key)


def _chat(app: Flask, session: str) -> None:
    response = app.test_client().post("/api/chat", json={"message": "socks", "session_id": session})
    assert response.status_code == 200 and response.json["context_available"] is True


def test_a_changed_secret_reaches_a_warm_service_after_the_ttl(
    aws: str, make_app: AppFactory, redis_url: str, disposable_redis: RedisServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name=SECRET, SecretString=json.dumps({"REDIS_URL": redis_url}))
    _own_env(monkeypatch, "REDIS_URL")
    monkeypatch.setenv("SECRETS_TTL_SECONDS", "1")
    app = make_app("lambda", SECRETS_MANAGER_SECRET=SECRET, SECRETS_TTL_SECONDS="1")
    old, new = redis.Redis.from_url(redis_url), redis.Redis.from_url(disposable_redis.url)

    _chat(app, "before-sync")
    secrets.put_secret_value(SecretId=SECRET, SecretString=json.dumps({"REDIS_URL": disposable_redis.url}))
    _chat(app, "within-ttl")            # the cached values still serve
    time.sleep(1.2)
    _chat(app, "after-ttl")             # re-read: the store was rebuilt on the new Redis

    assert old.exists("shopbot:ctx:before-sync") and old.exists("shopbot:ctx:within-ttl")
    assert new.exists("shopbot:ctx:after-ttl") and not old.exists("shopbot:ctx:after-ttl")


def test_a_failed_re_read_keeps_serving_with_the_values_in_hand(
    aws: str, make_app: AppFactory, redis_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name=SECRET, SecretString=json.dumps({"REDIS_URL": redis_url}))
    _own_env(monkeypatch, "REDIS_URL")
    monkeypatch.setenv("SECRETS_TTL_SECONDS", "1")
    app = make_app("lambda", SECRETS_MANAGER_SECRET=SECRET, SECRETS_TTL_SECONDS="1")
    _chat(app, "first-session")
    secrets.delete_secret(SecretId=SECRET, ForceDeleteWithoutRecovery=True)
    time.sleep(1.2)
    _chat(app, "after-failed-refresh")
    assert redis.Redis.from_url(redis_url).exists("shopbot:ctx:after-failed-refresh")


def test_the_cache_owns_only_the_keys_it_set(aws: str) -> None:
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name=SECRET, SecretString=json.dumps({"A": "1", "B": "2", "PINNED": "secret"}))
    now = [0.0]
    env = {"PINNED": "operator"}
    cache = SecretCache(SECRET, ttl=60, env=env, client=secrets, clock=lambda: now[0])
    assert cache.due() and cache.refresh()
    assert env == {"PINNED": "operator", "A": "1", "B": "2"}
    secrets.put_secret_value(SecretId=SECRET, SecretString=json.dumps({"A": "10", "C": "3", "PINNED": "new"}))
    now[0] = 59.0
    assert not cache.due()
    now[0] = 60.0
    assert cache.due() and cache.refresh()
    assert env == {"PINNED": "operator", "A": "10", "C": "3"}  # B left the secret, so it left the environment
    now[0] = 120.0
    assert cache.refresh() is False                            # same version: nothing to do
    assert not cache.due()
    once = SecretCache(SECRET, ttl=0, env={}, client=secrets, clock=lambda: now[0])
    once.refresh()
    now[0] = 10_000.0
    assert not once.due()                                      # TTL 0: once per cold start
