"""A fleet run always ends with its report, whatever the SDK raises for one environment."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from fleet_support import fleet_fake

from oec_async import OutcomeKind
from oec_async.resources.deployments import Deployments
from oec_async.resources.environments import Environments


async def test_an_unexpected_exception_for_one_environment_is_its_errored_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with fleet_fake(environments=5, task_duration=0.05) as (fake, client):
        victim = UUID(fake.environment_ids[2])
        real_action = Environments.action

        async def hostile(
            self: Environments, action: str, environment_id: Any, **kwargs: Any
        ) -> Any:
            if UUID(str(environment_id)) == victim:
                raise RecursionError("maximum recursion depth exceeded while decoding JSON")
            return await real_action(self, action, environment_id, **kwargs)

        # On the class: the fleet sends through views of the client, each with its resources.
        monkeypatch.setattr(Environments, "action", hostile)
        report = await client.fleet.deploy(fake.environment_ids)
    assert len(report) == 5
    outcome = report.outcome(victim)
    assert outcome.kind is OutcomeKind.ERRORED
    assert isinstance(outcome.error, RecursionError)
    assert report.counts[OutcomeKind.SUCCEEDED] == 4


async def test_an_exception_while_polling_one_task_is_that_environments_errored_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with fleet_fake(environments=3, task_duration=0.05) as (fake, client):
        real_get = Deployments.get
        victim: list[UUID] = []

        async def hostile(self: Deployments, task_id: Any, **kwargs: Any) -> Any:
            deployment = await real_get(self, task_id, **kwargs)
            if not victim and deployment.environment_id is not None:
                victim.append(deployment.environment_id)
            if deployment.environment_id == victim[0]:
                raise OverflowError("int too large to convert to float")
            return deployment

        monkeypatch.setattr(Deployments, "get", hostile)
        report = await client.fleet.deploy(fake.environment_ids)
    assert len(report) == 3
    assert report.outcome(victim[0]).kind is OutcomeKind.ERRORED
    assert isinstance(report.outcome(victim[0]).error, OverflowError)
    assert report.counts[OutcomeKind.SUCCEEDED] == 2


async def test_outcomes_carry_names_and_timeline_points() -> None:
    async with fleet_fake(environments=4, task_duration=0.05) as (fake, client):
        environments = [e async for e in client.environments.list(fake.project_id)]
        report = await client.fleet.deploy(environments)
    for outcome in report:
        assert outcome.name is not None
        assert outcome.name.startswith("env-")
        assert outcome.queued_at is not None
        assert outcome.started_at is not None
        assert outcome.queued_at <= outcome.started_at <= outcome.finished_at


async def test_on_conflict_fail_is_an_alias_of_raise() -> None:
    async with fleet_fake(environments=2, task_duration=0.3) as (fake, client):
        busy = fake.environment_ids[0]
        await client.environments.deploy(busy)
        report = await client.fleet.restart(fake.environment_ids, on_conflict="fail")
    assert report.outcome(busy).kind is OutcomeKind.CONFLICTED


async def test_rate_limit_waits_are_in_the_report() -> None:
    from oec_async.testing import RateLimitConfig

    limits = RateLimitConfig(writes_per_window=3, reads_per_window=100, window=0.3)
    async with fleet_fake(environments=8, task_duration=0.05, rate_limits=limits) as (fake, client):
        report = await client.fleet.deploy(fake.environment_ids)
    assert report.ok
    assert report.rate_limit_waits
    assert all(bucket in ("read", "write") for _, _, bucket in report.rate_limit_waits)
