"""Cancel a wait, a watch, a pagination loop and a fleet run at random points, over many seeds.

Each run is checked by :func:`cancellation_support.leak_checked` (no task, socket or loop error
left behind) and by the client-side send log (no request started after the cancellation
returned). The client stays open for a while after the cancellation, so a stray poll or POST
left running would have time to go out and be caught.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from cancellation_support import cancel_after, leak_checked, traced_sessions

from oec_async import Client, Deployment, FleetOutcome, OutcomeKind, PollPolicy
from oec_async.testing import FakeOEC, FaultConfig, RateLimitConfig

SEEDS = range(8)
STRAY_WINDOW = 0.15
"""Seconds the client stays open after a cancellation: several poll intervals."""
POLL = PollPolicy(initial_interval=0.02, multiplier=1.5, max_interval=0.05, jitter=0.2)


@asynccontextmanager
async def fake_api(seed: int, *, limits: bool = False, **options: Any) -> AsyncIterator[FakeOEC]:
    rate_limits: RateLimitConfig | bool = (
        RateLimitConfig(window=0.5, reads_per_window=40, writes_per_window=8) if limits else False
    )
    async with FakeOEC(
        environments=12,
        deployments_per_environment=60,
        task_duration=0.3,
        rate_limits=rate_limits,
        faults=FaultConfig(slow=0.3, slow_delay=0.03),
        seed=seed,
        **options,
    ) as fake:
        yield fake


def _client(fake: FakeOEC) -> Client:
    return fake.client(poll=POLL)


def _ended_by_cancel_or_finished(ended: BaseException | None) -> None:
    assert ended is None or isinstance(ended, asyncio.CancelledError), repr(ended)


@pytest.mark.parametrize("seed", SEEDS)
async def test_cancelling_a_wait_leaves_nothing_behind(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    async with fake_api(seed) as fake:
        with traced_sessions(monkeypatch) as sends:
            async with leak_checked(), _client(fake) as client:
                action = await client.environments.deploy(fake.environment_ids[0])
                waiting = asyncio.create_task(client.deployments.wait(action, timeout=10))
                cancelled_at, ended = await cancel_after(waiting, rng.uniform(0.0, 0.4))
                await asyncio.sleep(STRAY_WINDOW)
                assert sends.after(cancelled_at) == []
                assert client.task_signals.sleeping == 0
        _ended_by_cancel_or_finished(ended)


@pytest.mark.parametrize("seed", range(4))
async def test_cancelling_a_watch_loop_leaves_nothing_behind(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    seen: list[Deployment] = []

    async def watch(client: Client, task_id: Any) -> None:
        async for deployment in client.deployments.watch(task_id):
            seen.append(deployment)

    async with fake_api(seed) as fake:
        with traced_sessions(monkeypatch) as sends:
            async with leak_checked(), _client(fake) as client:
                running = [
                    e for e in fake.environment_ids if fake.environment_status(e) == "running"
                ]
                action = await client.environments.restart(running[0])
                watching = asyncio.create_task(watch(client, action))
                cancelled_at, ended = await cancel_after(watching, rng.uniform(0.0, 0.4))
                await asyncio.sleep(STRAY_WINDOW)
                assert sends.after(cancelled_at) == []
        _ended_by_cancel_or_finished(ended)
    statuses = [d.status for d in seen]
    assert statuses == sorted(statuses, key=statuses.index)  # no status seen twice apart


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("how", ["task.cancel", "anyio scope"])
@pytest.mark.parametrize("body", ["reads", "awaits"])
async def test_cancelling_a_pagination_loop_leaves_nothing_behind(
    seed: int, how: str, body: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    items: list[Deployment] = []

    async def page_through(client: Client, env_id: str) -> None:
        # "awaits": the loop body suspends, so the page fetched ahead is in flight meanwhile.
        async for deployment in client.deployments.list(env_id, limit=3):
            items.append(deployment)
            if body == "awaits":
                await asyncio.sleep(0.01)

    async with fake_api(seed) as fake:
        env_id = fake.environment_ids[2]
        with traced_sessions(monkeypatch) as sends:
            async with leak_checked(), _client(fake) as client:
                delay = rng.uniform(0.0, 0.3)
                if how == "task.cancel":
                    paging = asyncio.create_task(page_through(client, env_id))
                    cancelled_at, ended = await cancel_after(paging, delay)
                    _ended_by_cancel_or_finished(ended)
                else:
                    with anyio.move_on_after(delay):
                        await page_through(client, env_id)
                    cancelled_at = anyio.current_time()
                await asyncio.sleep(STRAY_WINDOW)
                assert sends.after(cancelled_at) == []
    ids = [d.id for d in items]
    assert len(ids) == len(set(ids)), "an item was yielded twice"


async def _consume(run: Any, outcomes: list[FleetOutcome]) -> None:
    async for outcome in run:
        outcomes.append(outcome)


@pytest.mark.parametrize("seed", range(12))
async def test_cancelling_a_fleet_run_leaves_nothing_behind(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    how = ("await run", "async for", "anyio scope", "run.cancel()")[seed % 4]
    limits = seed % 3 == 0  # a third of the runs pace against a rate budget, so waits get cancelled
    outcomes: list[FleetOutcome] = []
    async with fake_api(seed, limits=limits) as fake:
        env_ids = fake.environment_ids
        with traced_sessions(monkeypatch) as sends:
            async with leak_checked(), _client(fake) as client:
                run = client.fleet.deploy(env_ids, max_parallel=4)
                delay = rng.uniform(0.0, 0.6)
                if how == "await run":
                    cancelled_at, ended = await cancel_after(asyncio.ensure_future(run), delay)
                    _ended_by_cancel_or_finished(ended)
                elif how == "async for":
                    consuming = asyncio.create_task(_consume(run, outcomes))
                    cancelled_at, ended = await cancel_after(consuming, delay)
                    _ended_by_cancel_or_finished(ended)
                elif how == "anyio scope":
                    with anyio.move_on_after(delay):
                        await run
                    cancelled_at = anyio.current_time()
                else:
                    async with run:
                        await asyncio.sleep(delay)
                        run.cancel()
                    cancelled_at = anyio.current_time()
                await asyncio.sleep(STRAY_WINDOW)
                assert sends.after(cancelled_at) == []
                report = run.report
        assert fake.anomalies.total == 0, fake.anomalies
    assert report is not None, "a cancelled run still reports"
    assert sorted(str(o.environment_id) for o in report) == sorted(env_ids)
    started = set(report.started)
    for outcome in report:
        if outcome.kind is OutcomeKind.NOT_STARTED:
            assert outcome.environment_id not in started
        if outcome.kind is OutcomeKind.SUCCEEDED:
            assert outcome.deployment is not None
            assert outcome.deployment.succeeded
    # The server saw a task only for environments the report says were started.
    with_tasks = {env for env, tasks in fake.tasks.items() if tasks}
    assert with_tasks <= {str(e) for e in started}
    delivered = [o.environment_id for o in outcomes]
    assert len(delivered) == len(set(delivered))
