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

from oec_async import Client, PollPolicy, RateLimits, RetryPolicy

BASE_URL = "https://api.test.invalid/api/public/v1"
API_KEY = "oec_live_rw_" + "k" * 43
ENV_ID = "00000000-0000-4000-8000-000000000004"
TASK_ID = "00000000-0000-4000-8000-000000000005"
PROJECT_ID = "00000000-0000-4000-8000-000000000003"


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


class FakeSleep:
    """Records requested sleeps and returns at once, advancing a fake monotonic clock.

    The client fixture gives the rate governor this clock, so a paused bucket (after a 429)
    is released by the fake sleep instead of by real time passing.
    """

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.now = 1_000.0

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.now += max(0.0, seconds)

    def monotonic(self) -> float:
        """The fake clock: starts at 1000 and moves only when something sleeps."""
        return self.now


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
    ) as c:
        transport = c._require_transport()
        transport._sleep = fake_sleep
        c.governor._sleep = fake_sleep
        c.governor._clock = fake_sleep.monotonic
        yield c


def url(path: str) -> str:
    """The absolute mocked URL of an API path."""
    return BASE_URL + path


def deployment_json(status: str = "running", **fields: Any) -> dict[str, Any]:
    """A task body as the API sends it."""
    body: dict[str, Any] = {
        "id": TASK_ID,
        "type": "deploy",
        "status": status,
        "environment_id": ENV_ID,
        "progress_percent": 40,
        "current_step": "build",
        "steps_completed": 2,
        "total_steps": 5,
        "started_at": "2026-10-01T00:00:00Z",
        "completed_at": None,
        "duration_seconds": None,
        "error_message": None,
    }
    body.update(fields)
    return body


def action_json() -> dict[str, Any]:
    """A 202 action body as the API sends it."""
    return {
        "task_id": TASK_ID,
        "status": "queued",
        "environment_id": ENV_ID,
        "poll_url": f"/api/public/v1/deployments/{TASK_ID}",
    }
