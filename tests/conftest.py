"""Shared fixtures: the aioresponses/aiohttp 3.14 fix, mocked API, and a client on it."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any
from unittest import mock

import aiohttp
import aioresponses.core as aioresponses_core
import pytest
from aioresponses import aioresponses
from support import API_KEY, BASE_URL, FakeSleep, FakeTime

from oec_async import Client, PollPolicy, RateLimits, RetryPolicy


class _ResponseWithWriter(aiohttp.ClientResponse):
    """aiohttp 3.14 made ``stream_writer`` required; aioresponses 0.7.9 does not pass it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", mock.Mock())
        super().__init__(*args, **kwargs)


@pytest.fixture(autouse=True)
def _aioresponses_compat() -> Iterator[None]:
    needs_fix = "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters
    if not needs_fix:
        yield
        return
    with mock.patch.object(aioresponses_core, "ClientResponse", _ResponseWithWriter):
        yield


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    """An aioresponses mock; unmatched requests fail (no real traffic ever leaves)."""
    with aioresponses() as m:
        yield m


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
async def client(fake_sleep: FakeSleep) -> AsyncIterator[Client]:
    """An open client on BASE_URL with instant retries and polls (sleeps recorded)."""
    async with Client(
        API_KEY,
        base_url=BASE_URL,
        retry=RetryPolicy(max_retries=3, initial_backoff=0.01, max_backoff=0.05),
        poll=PollPolicy(initial_interval=0.01, max_interval=0.02, jitter=0.0),
        rate_limits=RateLimits.disabled(),
        clock=fake_sleep.monotonic,
        sleep=fake_sleep,
    ) as c:
        yield c


@pytest.fixture
def time_() -> FakeTime:
    """A fake monotonic clock and sleep for driving a rate governor."""
    return FakeTime()
