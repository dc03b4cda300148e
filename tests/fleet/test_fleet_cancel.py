"""Cancelling a run, its timeouts, and resuming a batch: nothing leaks, nothing runs twice."""

from __future__ import annotations

import anyio
import pytest
from fleet_support import client_tasks, fleet_fake, tasks_per_environment, writes

from oec_async import (
    FleetActionStarted,
    FleetRun,
    OutcomeKind,
    WaitTimeoutError,
)
from oec_async.testing import ManualClock


async def started(run: FleetRun, count: int) -> list[FleetActionStarted]:
    """Wait until ``count`` environments have their action accepted."""
    seen: list[FleetActionStarted] = []
    async with run.events() as events:
        async for event in events:
            if isinstance(event, FleetActionStarted):
                seen.append(event)
                if len(seen) == count:
                    break
    return seen


async def test_cancelling_the_awaiting_scope_stops_the_run_and_reports_what_started() -> None:
    # A manual clock that never moves: every task stays running.
    async with fleet_fake(environments=6, clock=ManualClock()) as (fake, client):
        before = client_tasks()
        run = client.fleet.deploy(fake.environment_ids, max_parallel=3)
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as tg:
                tg.start_soon(_await, run)
                await started(run, 3)
                scope.cancel()
        sent = len(fake.requests)
        await anyio.sleep(0.1)
        assert len(fake.requests) == sent  # nothing is sent after the cancellation
        assert client_tasks() <= before
    report = run.report
    assert report is not None
    assert report.cancelled
    kinds = [o.kind for o in report]
    assert kinds == [OutcomeKind.CANCELLED] * 3 + [OutcomeKind.NOT_STARTED] * 3
    assert report.started == run.environment_ids[:3]
    assert all(o.task_id is not None for o in report[:3])
    assert writes(fake) == 3


async def _await(run: FleetRun) -> None:
    await run


async def test_cancelling_an_iteration_stops_the_run() -> None:
    async with fleet_fake(environments=4, clock=ManualClock()) as (fake, client):
        before = client_tasks()
        run = client.fleet.restart(fake.environment_ids, max_parallel=2)
        with anyio.move_on_after(0.3):
            async for _ in run:
                pytest.fail("no task can finish on a clock that does not move")
        assert client_tasks() <= before
    assert run.done
    assert run.report is not None
    assert [o.kind for o in run.report] == [OutcomeKind.CANCELLED] * 2 + [
        OutcomeKind.NOT_STARTED
    ] * 2


async def test_run_cancel_stops_a_run_awaited_elsewhere() -> None:
    async with fleet_fake(environments=3, clock=ManualClock()) as (fake, client):
        run = client.fleet.deploy(fake.environment_ids)
        async with anyio.create_task_group() as tg:
            tg.start_soon(_await, run)
            await started(run, 3)
            run.cancel()
        report = await run
    assert report.cancelled
    assert {o.kind for o in report} == {OutcomeKind.CANCELLED}


async def test_cancelling_before_the_start_sends_nothing() -> None:
    async with fleet_fake(environments=3) as (fake, client):
        run = client.fleet.deploy(fake.environment_ids)
        run.cancel()
        report = await run
    assert report.cancelled
    assert {o.kind for o in report} == {OutcomeKind.NOT_STARTED}
    assert writes(fake) == 0


async def test_leaving_async_with_early_cancels_the_run() -> None:
    async with fleet_fake(environments=3, clock=ManualClock()) as (fake, client):
        before = client_tasks()
        async with client.fleet.deploy(fake.environment_ids) as run:
            await started(run, 3)
        assert run.done
        assert client_tasks() <= before
    assert run.report is not None
    assert run.report.cancelled


async def test_the_overall_timeout_ends_the_run_with_a_report() -> None:
    async with fleet_fake(environments=4, clock=ManualClock()) as (fake, client):
        report = await client.fleet.deploy(fake.environment_ids, max_parallel=2, timeout=0.3)
    assert report.timed_out
    assert not report.cancelled
    assert [o.kind for o in report] == [OutcomeKind.CANCELLED] * 2 + [OutcomeKind.NOT_STARTED] * 2


async def test_the_timeout_per_environment_starts_at_its_action() -> None:
    async with fleet_fake(environments=3, clock=ManualClock()) as (fake, client):
        report = await client.fleet.deploy(
            fake.environment_ids, max_parallel=1, timeout_per_environment=0.1
        )
    # One at a time: each gets its own 0.1 s, none is starved by the others' waits.
    assert [o.kind for o in report] == [OutcomeKind.ERRORED] * 3
    assert all(isinstance(o.error, WaitTimeoutError) for o in report)
    assert writes(fake) == 3


async def test_resuming_a_batch_reattaches_to_the_tasks_already_started() -> None:
    clock = ManualClock()
    async with fleet_fake(environments=5, clock=clock) as (fake, client):
        first = client.fleet.deploy(fake.environment_ids, batch_id="release-42", max_parallel=3)
        async with anyio.create_task_group() as tg:
            tg.start_soon(_await, first)
            await started(first, 3)
            first.cancel()  # the deploy script "crashes" with 3 of 5 started
        assert first.report is not None
        assert len(first.report.started) == 3
        clock.advance(5.0)  # those three finish meanwhile
        run = client.fleet.deploy(fake.environment_ids, batch_id="release-42")
        async with anyio.create_task_group() as tg:
            tg.start_soon(_tick, clock)  # so the two started now can finish too
            second = await run
            tg.cancel_scope.cancel()
    assert second.ok, second.summary()
    assert tasks_per_environment(fake) == dict.fromkeys(fake.environment_ids, 1)
    assert fake.stats.replays == 3
    assert fake.anomalies.duplicate_tasks_for_idempotency_key == 0
    for before, after in zip(first.report[:3], second[:3], strict=True):
        assert before.task_id == after.task_id


async def _tick(clock: ManualClock) -> None:
    while True:
        await anyio.sleep(0.01)
        clock.advance(0.05)


async def test_another_batch_id_deploys_again() -> None:
    async with fleet_fake(environments=2) as (fake, client):
        await client.fleet.deploy(fake.environment_ids, batch_id="release-42")
        await client.fleet.deploy(fake.environment_ids, batch_id="release-43")
    assert tasks_per_environment(fake) == dict.fromkeys(fake.environment_ids, 2)
