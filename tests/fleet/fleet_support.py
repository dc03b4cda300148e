"""Helpers for the fleet's integration tests: a fake server and a fast client on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio

from oec_async import Client, PollPolicy, RetryPolicy
from oec_async.testing import FakeOEC

FAST_POLL = PollPolicy(initial_interval=0.02, multiplier=1.5, max_interval=0.2, jitter=0.0)
TEST_DEADLINE = 20.0
FAST_RETRY = RetryPolicy(max_retries=8, initial_backoff=0.005, max_backoff=0.02, jitter=0.0)


@asynccontextmanager
async def fleet_fake(
    *, environments: int = 8, task_duration: float = 0.15, **options: Any
) -> AsyncIterator[tuple[FakeOEC, Client]]:
    """A started fake (all environments running, no rate limits unless given) and a client."""
    options.setdefault("rate_limits", False)
    options.setdefault("stopped_fraction", 0.0)
    client_options = options.pop("client", {})
    client_options.setdefault("poll", FAST_POLL)
    client_options.setdefault("retry", FAST_RETRY)
    async with (
        FakeOEC(environments=environments, task_duration=task_duration, **options) as fake,
        fake.client(**client_options) as client,
    ):
        with anyio.fail_after(TEST_DEADLINE):  # a hang fails the test instead of the suite
            yield fake, client


def tasks_per_environment(fake: FakeOEC) -> dict[str, int]:
    """How many tasks the fake created for each environment."""
    return {env: len(tasks) for env, tasks in fake.tasks.items()}


def writes(fake: FakeOEC) -> int:
    """Action POSTs the fake received."""
    return sum(1 for r in fake.requests if r.method == "POST")


def client_tasks() -> set[asyncio.Task[Any]]:
    """Every task of the loop but the current one and the in-process fake server's own."""
    current = asyncio.current_task()
    return {
        task for task in asyncio.all_tasks() if task is not current and not _is_server_task(task)
    }


def _is_server_task(task: asyncio.Task[Any]) -> bool:
    code = getattr(task.get_coro(), "cr_code", None)
    filename = getattr(code, "co_filename", "")
    return "aiohttp/web_" in filename or "oec_async/testing" in filename
