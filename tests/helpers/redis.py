"""The Redis that backend tests run against: database 15 under a unique prefix per test,
whose keys the test deletes afterwards; without a Redis the test is skipped, saying why."""

from __future__ import annotations

import os

import pytest

TEST_REDIS_URL = os.environ.get("POG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_url_or_skip(what: str) -> str:
    """The test Redis URL, or skip the test: ``what`` is not tested without a Redis."""
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"{what} not tested: no Redis answers at {TEST_REDIS_URL} ({exc})")
    return TEST_REDIS_URL


def delete_prefix(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        client.delete(*keys)
