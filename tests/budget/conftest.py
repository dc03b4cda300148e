"""Fixtures of the shared-budget tests: a real Redis server (never a fake of it).

Without redis-py or a server binary the tests skip with the reason, unless
``OEC_REQUIRE_REDIS=1`` (set by ``.ci/run``): then they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from redis_server import RedisServer, find_redis_server


def require_redis() -> str:
    """The server binary; skips (fails when ``OEC_REQUIRE_REDIS=1``) when redis is missing."""
    try:
        import redis  # noqa: F401
    except ImportError:
        problem = "redis-py is not installed (pip install -e '.[test]')"
    else:
        binary = find_redis_server()
        if binary is not None:
            return binary
        problem = (
            "no Redis server binary (pip install -e '.[test]', or apt-get install redis-server)"
        )
    if os.environ.get("OEC_REQUIRE_REDIS") == "1":
        pytest.fail(f"OEC_REQUIRE_REDIS=1 but {problem}", pytrace=False)
    pytest.skip(problem)


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
