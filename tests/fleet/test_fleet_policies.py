"""Conflict policies, fail_fast and max_failures, max_parallel, run-wide refusals."""

from __future__ import annotations

from uuid import UUID

import pytest
from fleet_support import FAST_RETRY, fleet_fake, tasks_per_environment, writes

from oec_async import (
    Client,
    OutcomeKind,
    PermissionDeniedError,
    RateLimits,
    TaskInProgressError,
)
from oec_async.testing import FakeOEC, RateLimitConfig


async def busy(fake: FakeOEC, client: Client, env: str, duration: float = 0.4) -> UUID:
    """Start someone else's task on ``env`` (as another deploy script would)."""
    fake.set_environment_behaviour(env, duration=duration)
    action = await client.environments.deploy(env)
    fake.set_environment_behaviour(env)
    return action.task_id


async def test_attach_follows_the_task_already_running() -> None:
    async with fleet_fake(environments=2) as (fake, client):
        env = fake.environment_ids[0]
        theirs = await busy(fake, client, env)
        report = await client.fleet.deploy(fake.environment_ids)
    outcome = report.outcome(env)
    assert outcome.kind is OutcomeKind.SUCCEEDED
    assert outcome.attached
    assert not outcome.started
    assert outcome.task_id == theirs
    assert tasks_per_environment(fake)[env] == 1
    assert report.outcome(fake.environment_ids[1]).ok


async def test_wait_then_retry_runs_our_action_after_theirs() -> None:
    async with fleet_fake(environments=1) as (fake, client):
        env = fake.environment_ids[0]
        theirs = await busy(fake, client, env)
        report = await client.fleet.restart([env], on_conflict="wait_then_retry")
    (outcome,) = report
    assert outcome.kind is OutcomeKind.SUCCEEDED
    assert not outcome.attached
    assert outcome.started
    tasks = fake.tasks[env]
    assert [t.type for t in tasks] == ["deploy", "restart"]
    assert outcome.task_id == UUID(tasks[1].id) != theirs
    assert fake.anomalies.duplicate_tasks_for_idempotency_key == 0


async def test_skip_reports_the_conflict_without_counting_it_as_a_failure() -> None:
    async with fleet_fake(environments=3) as (fake, client):
        env = fake.environment_ids[0]
        theirs = await busy(fake, client, env)
        report = await client.fleet.deploy(
            fake.environment_ids, on_conflict="skip", fail_fast=True, max_parallel=1
        )
    outcome = report.outcome(env)
    assert outcome.kind is OutcomeKind.CONFLICTED
    assert isinstance(outcome.error, TaskInProgressError)
    assert outcome.task_id == theirs
    assert not outcome.started
    assert report.counts[OutcomeKind.SUCCEEDED] == 2


async def test_raise_reports_the_conflict_as_a_failure() -> None:
    async with fleet_fake(environments=3) as (fake, client):
        env = fake.environment_ids[0]
        await busy(fake, client, env)
        report = await client.fleet.deploy(
            fake.environment_ids, on_conflict="raise", fail_fast=True, max_parallel=1
        )
    assert report.outcome(env).kind is OutcomeKind.CONFLICTED
    assert [o.kind for o in report][1:] == [OutcomeKind.NOT_STARTED] * 2
    assert writes(fake) == 2  # theirs and our refused one


async def test_fail_fast_starts_nothing_after_the_first_failure() -> None:
    async with fleet_fake(environments=4) as (fake, client):
        first = fake.environment_ids[0]
        fake.set_environment_behaviour(first, fail=True, duration=0.05)
        report = await client.fleet.deploy(fake.environment_ids, fail_fast=True, max_parallel=1)
    assert report[0].kind is OutcomeKind.FAILED
    assert [o.kind for o in report][1:] == [OutcomeKind.NOT_STARTED] * 3
    assert report.started == (UUID(first),)
    assert list(fake.tasks) == [first]
    assert all(not o.started and o.task_id is None for o in report[1:])


async def test_max_failures_tolerates_that_many_failures() -> None:
    async with fleet_fake(environments=5) as (fake, client):
        ids = fake.environment_ids
        for env in (ids[0], ids[2], ids[3]):
            fake.set_environment_behaviour(env, fail=True, duration=0.05)
        report = await client.fleet.deploy(ids, max_failures=2, max_parallel=1)
    kinds = [o.kind for o in report]
    assert kinds == [
        OutcomeKind.FAILED,
        OutcomeKind.SUCCEEDED,
        OutcomeKind.FAILED,
        OutcomeKind.NOT_STARTED,
        OutcomeKind.NOT_STARTED,
    ]


async def test_fail_fast_lets_go_of_actions_still_waiting_for_the_write_budget() -> None:
    limits = RateLimitConfig(window=1.0, writes_per_window=2, reads_per_window=60)
    async with fleet_fake(
        environments=8,
        rate_limits=limits,
        client={"rate_limits": RateLimits(writes_per_window=2, reads_per_window=60, window=1.0)},
    ) as (fake, client):
        first = fake.environment_ids[0]
        fake.set_environment_behaviour(first, fail=True, duration=0.05)
        report = await client.fleet.deploy(fake.environment_ids, fail_fast=True, max_parallel=8)
    assert report[0].kind is OutcomeKind.FAILED
    assert writes(fake) <= 4  # the first window's two, maybe the next window's
    assert report.counts[OutcomeKind.NOT_STARTED] >= 4
    assert fake.stats.rate_limited == 0


async def test_max_parallel_is_never_exceeded() -> None:
    async with fleet_fake(environments=12, task_duration=0.1) as (fake, client):
        report = await client.fleet.restart(fake.environment_ids, max_parallel=3)
    assert report.ok
    assert 2 <= fake.anomalies.max_active_tasks <= 3


async def test_a_read_only_key_stops_the_run_after_the_first_refusal() -> None:
    async with fleet_fake(environments=4) as (fake, _):
        read_only = Client(fake.read_only_key, base_url=fake.url, retry=FAST_RETRY)
        async with read_only as client:
            report = await client.fleet.deploy(fake.environment_ids, max_parallel=1)
    assert report[0].kind is OutcomeKind.ERRORED
    assert isinstance(report[0].error, PermissionDeniedError)
    assert not report[0].started
    assert [o.kind for o in report][1:] == [OutcomeKind.NOT_STARTED] * 3


@pytest.mark.parametrize("policy", ["attach", "wait_then_retry"])
async def test_a_conflict_without_a_task_id_is_reported_as_conflicted(policy: str) -> None:
    async with fleet_fake(environments=1) as (fake, client):
        fake.fail_next(
            "POST",
            "/environments/{id}/deploy",
            status=409,
            body={"detail": {"error": "task_in_progress", "message": "busy"}},
        )
        report = await client.fleet.deploy(fake.environment_ids, on_conflict=policy)  # type: ignore[arg-type]
    assert report[0].kind is OutcomeKind.CONFLICTED
    assert report[0].task_id is None
