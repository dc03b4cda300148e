"""Shared test constants and helpers (imported as ``support``; conftest modules cannot be,
since every test folder may have its own ``conftest``)."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import aiohttp
import anyio.lowlevel
import pytest

import oec_async._client as client_module
from oec_async import RateLimits
from oec_async._ratelimit import RateGovernor

BASE_URL = "https://api.test.invalid/api/public/v1"
API_KEY = "oec_live_rw_" + "k" * 43
ENV_ID = "00000000-0000-4000-8000-000000000004"
TASK_ID = "00000000-0000-4000-8000-000000000005"
PROJECT_ID = "00000000-0000-4000-8000-000000000003"


class FakeClock:
    """The one fake clock of the tests: a monotonic time that moves only when something sleeps.

    Give it to a client through the time seam (``Client(clock=fake.clock, sleep=fake.sleep)``)
    or to a governor; every requested sleep is recorded and returns at once.
    """

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    @property
    def calls(self) -> list[float]:
        """The sleeps requested, in order."""
        return self.sleeps

    def clock(self) -> float:
        """The fake monotonic time."""
        return self.now

    monotonic = clock

    async def sleep(self, seconds: float) -> None:
        """Record the sleep, move the clock, and let other tasks run."""
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await anyio.lowlevel.checkpoint()

    __call__ = sleep


FakeSleep = FakeClock
"""The fake clock, used as a sleep (``fake(seconds)``); starts at 1000."""


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


class FakeTime(FakeClock):
    """The fake clock starting at 500 (the governor tests count from there)."""

    def __init__(self) -> None:
        super().__init__(start=500.0)


def fake_governor(
    time_: FakeTime, *, reads: int = 120, writes: int = 20, enabled: bool = True
) -> RateGovernor:
    """A rate governor on ``time_``, with a 60 s window and no safety margin."""
    limits = RateLimits(
        enabled=enabled,
        reads_per_window=reads,
        writes_per_window=writes,
        window=60.0,
        safety_margin=0.0,
    )
    return RateGovernor(limits, clock=time_.clock, sleep=time_.sleep)


class SendLog:
    """Client-side record of every request start (monotonic time, method, path)."""

    def __init__(self) -> None:
        self.starts: list[tuple[float, str, str]] = []

    def trace_config(self) -> aiohttp.TraceConfig:
        config = aiohttp.TraceConfig()

        async def on_start(
            _: aiohttp.ClientSession, __: SimpleNamespace, params: aiohttp.TraceRequestStartParams
        ) -> None:
            self.starts.append((time.monotonic(), params.method, params.url.path))

        config.on_request_start.append(on_start)
        return config

    def after(self, moment: float) -> list[tuple[float, str, str]]:
        """Requests started after ``moment``."""
        return [start for start in self.starts if start[0] > moment]


def trace_client_sessions(log: SendLog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every Client opened from now on record its own session's request starts in ``log``."""

    def new_session(*, connection_limit: int, ssl: Any) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=connection_limit, limit_per_host=connection_limit, ssl=ssl
        )
        return aiohttp.ClientSession(
            connector=connector, raise_for_status=False, trace_configs=[log.trace_config()]
        )

    monkeypatch.setattr(client_module, "new_session", new_session)
