"""A fleet run end to end against the fake server: outcomes, streaming, events, reads."""

from __future__ import annotations

import collections
from uuid import UUID

import anyio
import pytest
from fleet_support import client_tasks, fleet_fake, tasks_per_environment

from oec_async import (
    DeploymentFailedError,
    Environment,
    Event,
    FleetActionStarted,
    FleetEnvironmentFinished,
    FleetEvent,
    FleetRunFinished,
    FleetRunStarted,
    FleetStatusChanged,
    NotFoundError,
    OutcomeKind,
    TaskStatus,
)


async def test_every_environment_is_deployed_once_and_reported_in_input_order() -> None:
    async with fleet_fake(environments=6) as (fake, client):
        ids = fake.environment_ids
        report = await client.fleet.deploy(list(reversed(ids)))
    assert report.ok, report.summary()
    assert [o.environment_id for o in report] == [UUID(e) for e in reversed(ids)]
    assert [o.index for o in report] == list(range(6))
    assert tasks_per_environment(fake) == dict.fromkeys(ids, 1)
    for outcome in report:
        assert outcome.started
        assert not outcome.attached
        assert outcome.deployment is not None
        assert outcome.deployment.status is TaskStatus.COMPLETED
        assert str(outcome.task_id) == fake.tasks[str(outcome.environment_id)][0].id


async def test_outcomes_stream_as_environments_finish() -> None:
    async with fleet_fake(environments=3) as (fake, client):
        slow, fast, medium = fake.environment_ids
        fake.set_environment_behaviour(slow, duration=0.6)
        fake.set_environment_behaviour(fast, duration=0.05)
        fake.set_environment_behaviour(medium, duration=0.3)
        run = client.fleet.restart([slow, fast, medium], max_parallel=3)
        seen = [str(outcome.environment_id) async for outcome in run]
        report = await run
    assert seen == [fast, medium, slow]
    assert [str(o.environment_id) for o in report] == [slow, fast, medium]
    assert [str(o.environment_id) for o in report.in_finish_order()] == seen


async def test_a_failed_task_is_reported_with_its_error_message() -> None:
    async with fleet_fake(environments=3) as (fake, client):
        bad = fake.environment_ids[1]
        fake.set_environment_behaviour(bad, fail=True, error_message="migration crashed")
        report = await client.fleet.deploy(fake.environment_ids)
    assert report.counts[OutcomeKind.SUCCEEDED] == 2
    failed = report.outcome(bad)
    assert failed.kind is OutcomeKind.FAILED
    assert failed.deployment is not None
    assert failed.deployment.error_message == "migration crashed"
    assert isinstance(failed.error, DeploymentFailedError)
    assert failed.error_message == "migration crashed"


async def test_a_stopped_environment_cannot_be_deployed_and_is_conflicted() -> None:
    async with fleet_fake(environments=2) as (fake, client):
        stopped = fake.environment_ids[0]
        fake.set_environment_status(stopped, "stopped")
        report = await client.fleet.deploy(fake.environment_ids)
    outcome = report.outcome(stopped)
    assert outcome.kind is OutcomeKind.CONFLICTED
    assert not outcome.started
    assert report.outcome(fake.environment_ids[1]).ok


async def test_stop_and_start_follow_their_tasks() -> None:
    async with fleet_fake(environments=5) as (fake, client):
        stopped = await client.fleet.stop(fake.environment_ids)
        assert stopped.ok, stopped.summary()
        assert {fake.environment_status(e) for e in fake.environment_ids} == {"stopped"}
        started = await client.fleet.start(fake.environment_ids)
    assert started.ok, started.summary()
    assert {fake.environment_status(e) for e in fake.environment_ids} == {"running"}


async def test_update_modules_are_sent_with_each_deploy() -> None:
    async with fleet_fake(environments=2) as (fake, client):
        report = await client.fleet.deploy(fake.environment_ids, update_modules=["sale"])
    assert report.ok
    posts = [r for r in fake.requests if r.method == "POST"]
    assert len(posts) == 2


async def test_an_empty_fleet_gives_an_empty_report() -> None:
    async with fleet_fake(environments=1) as (_, client):
        report = await client.fleet.deploy([])
    assert report.outcomes == ()
    assert report.ok


async def test_progress_events_reach_both_the_hook_and_the_stream() -> None:
    hooked: list[FleetEvent] = []
    streamed: list[FleetEvent] = []
    async with fleet_fake(environments=5, task_duration=0.3) as (fake, client):
        run = client.fleet.deploy(fake.environment_ids, on_event=hooked.append)
        stream = run.events()  # subscribed before the run starts: it sees FleetRunStarted

        async def collect() -> None:
            async for event in stream:
                streamed.append(event)

        async with anyio.create_task_group() as tg:
            tg.start_soon(collect)
            report = await run
    assert report.ok
    assert isinstance(hooked[0], FleetRunStarted)
    assert isinstance(hooked[-1], FleetRunFinished)
    assert streamed == hooked
    kinds = collections.Counter(type(e) for e in hooked)
    assert kinds[FleetActionStarted] == 5
    assert kinds[FleetEnvironmentFinished] == 5
    assert kinds[FleetStatusChanged] >= 5  # at least each terminal status
    finished = [e.outcome for e in hooked if isinstance(e, FleetEnvironmentFinished)]
    assert sorted(o.index for o in finished) == list(range(5))
    started = [e for e in hooked if isinstance(e, FleetActionStarted)]
    assert {str(e.environment_id) for e in started} == set(fake.environment_ids)


async def test_an_event_stream_opened_after_the_run_ended_is_empty() -> None:
    async with fleet_fake(environments=1) as (fake, client):
        run = client.fleet.deploy(fake.environment_ids)
        await run
        assert [e async for e in run.events()] == []


async def test_iterating_the_run_after_awaiting_it_yields_every_outcome() -> None:
    async with fleet_fake(environments=3) as (fake, client):
        run = client.fleet.deploy(fake.environment_ids)
        report = await run
        assert sorted([o.index async for o in run]) == [0, 1, 2]
        assert await run is report


async def test_a_project_sweep_replaces_most_task_polls() -> None:
    async with fleet_fake(environments=24, task_duration=0.4) as (fake, client):
        report = await client.fleet.deploy(fake.environment_ids, max_parallel=24)
    assert report.ok
    task_polls = sum(1 for r in fake.requests if "/deployments/" in r.path)
    sweeps = sum(1 for r in fake.requests if r.path.endswith("/environments"))
    assert sweeps >= 1
    assert fake.stats.reads <= 3 * 24
    # About one confirmation each; the slack is for a slow machine (asyncio debug mode in CI),
    # where a task can outlive a sweep or two. A poll loop per environment makes several each.
    assert task_polls <= 24 * 2


async def test_environment_objects_spare_the_project_lookup() -> None:
    async with fleet_fake(environments=6, task_duration=0.3) as (fake, client):
        environments = [e async for e in client.environments.list(fake.project_id)]
        fake.reset_stats()
        report = await client.fleet.restart(environments)
    assert report.ok
    assert not any(r.path.endswith("/projects") for r in fake.requests)
    assert any(r.path.endswith("/environments") for r in fake.requests)
    assert all(isinstance(e, Environment) for e in environments)


async def test_a_task_signal_ends_a_wait_without_waiting_for_the_next_poll() -> None:
    from oec_async import PollPolicy
    from oec_async.testing import ManualClock

    clock = ManualClock()
    slow_polls = PollPolicy(initial_interval=30.0, max_interval=30.0, jitter=0.0)
    async with fleet_fake(environments=1, clock=clock, client={"poll": slow_polls}) as (
        fake,
        client,
    ):
        run = client.fleet.deploy(fake.environment_ids)
        started: list[FleetActionStarted] = []
        async with run.events() as events:
            async for event in events:
                if isinstance(event, FleetActionStarted):
                    started.append(event)
                    break
        clock.advance(1.0)  # the task is over on the server
        client.task_signals.notify(started[0].task_id)  # as a webhook would say
        with anyio.fail_after(5):
            report = await run
    assert report.ok
    assert sum(1 for r in fake.requests if "/deployments/" in r.path) == 1


async def test_a_bug_in_the_event_hook_propagates_and_leaves_nothing_running() -> None:
    def broken(event: FleetEvent) -> None:
        if isinstance(event, FleetActionStarted):
            raise ZeroDivisionError("bug in the hook")

    async with fleet_fake(environments=3) as (fake, client):
        before = client_tasks()
        run = client.fleet.deploy(fake.environment_ids, on_event=broken)
        with pytest.raises(ZeroDivisionError, match="bug in the hook"):
            await run
        assert client_tasks() <= before
        assert run.report is not None
        assert len(run.report) == 3


async def test_an_unknown_environment_is_errored_and_its_siblings_go_on() -> None:
    unknown = "00000000-0000-4000-8000-0000000000ff"
    async with fleet_fake(environments=2) as (fake, client):
        report = await client.fleet.deploy([unknown, *fake.environment_ids])
    outcome = report[0]
    assert outcome.kind is OutcomeKind.ERRORED
    assert isinstance(outcome.error, NotFoundError)
    assert not outcome.started
    assert report.counts[OutcomeKind.SUCCEEDED] == 2


async def test_environments_of_several_projects_are_swept_project_by_project() -> None:
    async with fleet_fake(environments=15, projects=3, task_duration=0.4) as (fake, client):
        report = await client.fleet.deploy(fake.environment_ids, max_parallel=15)
    assert report.ok
    swept = {r.path for r in fake.requests if r.path.endswith("/environments")}
    assert swept == {f"/api/public/v1/projects/{p}/environments" for p in fake.project_ids}
    assert sum(1 for r in fake.requests if "/deployments/" in r.path) <= 15 * 1.5


async def test_sweeps_relax_while_actions_are_still_being_sent() -> None:
    # A write budget of 4 per 0.5 s window makes the run send for ~2 s, tasks of 0.4 s:
    # sweeps during that time are few, as nothing waits on a task's end.
    from oec_async.testing import RateLimitConfig

    limits = RateLimitConfig(writes_per_window=4, reads_per_window=1000, window=0.5)
    async with fleet_fake(environments=20, task_duration=0.4, rate_limits=limits) as (fake, c):
        report = await c.fleet.deploy(fake.environment_ids, max_parallel=20)
    sweeps = sum(1 for r in fake.requests if r.path.endswith("/environments"))
    assert report.ok
    assert sweeps <= 25


async def test_the_clients_listeners_receive_the_runs_events_first_to_last() -> None:
    seen: list[Event] = []
    async with fleet_fake(environments=2, task_duration=0.1) as (fake, client):
        client.add_listener(seen.append)
        report = await client.fleet.deploy(fake.environment_ids)
    fleet_events = [e for e in seen if type(e).__module__ == "oec_async.fleet._events"]
    assert isinstance(fleet_events[0], FleetRunStarted)
    assert isinstance(fleet_events[-1], FleetRunFinished)
    assert fleet_events[-1].report is report
    assert sum(isinstance(e, FleetEnvironmentFinished) for e in fleet_events) == 2
