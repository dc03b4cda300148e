"""Fixtures of the shared-budget tests: a real Redis server (never a fake of it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis_server import RedisServer, require_redis


@pytest.fixture(scope="session")
def redis_binary() -> str:
    """The Redis server binary (skips, or fails under OEC_REQUIRE_REDIS=1, without one)."""
    return require_redis()


@pytest.fixture(scope="session")
def redis_server(redis_binary: str) -> Iterator[RedisServer]:
    """One Redis server for the session, on a free loopback port."""
    with RedisServer(redis_binary) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """The session server's URL, emptied after the test."""
    yield redis_server.url
    import redis

    with redis.Redis(port=redis_server.port) as client:
        client.flushall()
