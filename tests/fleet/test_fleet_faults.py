"""Exactly one outcome per environment and no double deploy, whatever the network does."""

from __future__ import annotations

import collections

from fleet_support import fleet_fake, tasks_per_environment

from oec_async import APIStatusError, OutcomeKind, WaitTimeoutError
from oec_async.testing import FaultConfig

FLAKY = FaultConfig(error_502=0.03, error_503=0.08, drop=0.05, non_json=0.04)


async def test_every_environment_gets_exactly_one_outcome_under_random_faults() -> None:
    async with fleet_fake(environments=30, faults=FLAKY, seed=7) as (fake, client):
        run = client.fleet.deploy(fake.environment_ids, max_parallel=30)
        streamed = [outcome.environment_id async for outcome in run]
        report = await run
    assert fake.stats.faults > 10
    assert fake.stats.dropped > 0
    assert len(streamed) == len(set(streamed)) == 30
    assert sorted(o.index for o in report) == list(range(30))
    assert report.ok, [(o.kind, o.error) for o in report if not o.ok]
    assert tasks_per_environment(fake) == dict.fromkeys(fake.environment_ids, 1)
    assert fake.anomalies.duplicate_tasks_for_idempotency_key == 0
    assert fake.anomalies.actions_while_active == 0


async def test_a_post_dropped_after_the_server_acted_is_retried_without_a_second_task() -> None:
    async with fleet_fake(environments=4) as (fake, client):
        rule = fake.fail_next(
            "POST", "/environments/{id}/deploy", drop=True, after_action=True, times=4
        )
        report = await client.fleet.deploy(fake.environment_ids)
    assert rule.hits == 4
    assert report.ok
    assert fake.stats.replays == 4
    assert tasks_per_environment(fake) == dict.fromkeys(fake.environment_ids, 1)
    assert fake.anomalies.duplicate_tasks_for_idempotency_key == 0


async def test_an_action_that_keeps_failing_is_errored_and_its_siblings_go_on() -> None:
    async with fleet_fake(environments=3) as (fake, client):
        broken = fake.environment_ids[0]
        fake.fail_next("POST", f"/environments/{broken}/deploy", status=503, times=50)
        report = await client.fleet.deploy(fake.environment_ids)
    outcome = report.outcome(broken)
    assert outcome.kind is OutcomeKind.ERRORED
    assert isinstance(outcome.error, APIStatusError)
    assert outcome.error.status == 503
    assert outcome.started  # a 503 may come after the server acted: say so
    assert collections.Counter(o.kind for o in report)[OutcomeKind.SUCCEEDED] == 2


async def test_a_task_that_disappears_is_errored() -> None:
    async with fleet_fake(environments=1) as (fake, client):
        fake.fail_next("GET", "/deployments/{id}", status=404, times=1)
        report = await client.fleet.deploy(fake.environment_ids)
    (outcome,) = report
    assert outcome.kind is OutcomeKind.ERRORED
    assert isinstance(outcome.error, APIStatusError)
    assert outcome.error.status == 404
    assert outcome.started
    assert outcome.task_id is not None


async def test_polls_that_fail_for_a_while_are_tried_again() -> None:
    async with fleet_fake(environments=2) as (fake, client):
        # Each poll is retried by the transport; these exhaust two of them.
        fake.fail_next("GET", "/deployments/{id}", status=503, times=18)
        report = await client.fleet.deploy(fake.environment_ids)
    assert report.ok, [(o.kind, o.error) for o in report]


async def test_a_slow_task_can_time_out_alone() -> None:
    async with fleet_fake(environments=3) as (fake, client):
        slow = fake.environment_ids[2]
        fake.set_environment_behaviour(slow, duration=5.0)
        report = await client.fleet.deploy(fake.environment_ids, timeout_per_environment=0.5)
    outcome = report.outcome(slow)
    assert outcome.kind is OutcomeKind.ERRORED
    assert isinstance(outcome.error, WaitTimeoutError)
    assert outcome.started
    assert outcome.task_id is not None
    assert report.counts[OutcomeKind.SUCCEEDED] == 2
