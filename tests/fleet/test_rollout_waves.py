"""Rollouts against the fake server: waves, health, bake, budgets, pause/resume/halt."""

from __future__ import annotations

from uuid import UUID

import anyio
import pytest
from fleet_support import fleet_fake, tasks_per_environment, writes

from oec_async import (
    Deployment,
    EnvironmentUnhealthyError,
    FleetEvent,
    HealthChecked,
    OutcomeKind,
    Rollout,
    RolloutHalted,
    RolloutPaused,
    RolloutResumed,
    WaveBaking,
    WaveFinished,
    WaveStarted,
)

FAST = {"task_duration": 0.05}


async def test_waves_run_one_after_the_other_with_the_planned_sizes() -> None:
    async with fleet_fake(environments=8, **FAST) as (fake, client):
        rollout = Rollout(waves=[1, "50%", "100%"], bake=0.05)
        report = await client.fleet.deploy(fake.environment_ids, rollout=rollout)
    assert report.ok, report.summary()
    assert [len(w.environment_ids) for w in report.waves] == [1, 4, 3]
    assert [w.name for w in report.waves] == ["canary", "wave 2", "wave 3"]
    for before, after in zip(report.waves, report.waves[1:], strict=False):
        assert before.finished_at is not None
        assert after.started_at is not None
        assert after.started_at >= before.finished_at
    starts = {o.environment_id: o.started_at for o in report}
    first_of_wave_2 = min(starts[e] or 0 for e in report.waves[1].environment_ids)
    assert first_of_wave_2 >= (report.waves[0].finished_at or 0)
    assert all(w.healthy for w in report.waves)
    assert [o.wave for o in report] == [0, 1, 1, 1, 1, 2, 2, 2]


async def test_a_failing_canary_halts_the_rollout_after_one_write() -> None:
    async with fleet_fake(environments=6, **FAST) as (fake, client):
        fake.script(fake.environment_ids[0], "failed")
        report = await client.fleet.deploy(fake.environment_ids, rollout=Rollout(waves=[1, "100%"]))
    assert writes(fake) == 1
    assert report[0].kind is OutcomeKind.FAILED
    assert report.counts[OutcomeKind.NOT_STARTED] == 5
    assert report.halted is not None
    assert report.halted.wave == 0
    assert report.halted.budget == "max_failures_per_wave"
    assert report.waves[1].started_at is None


async def test_an_unhealthy_environment_after_its_task_is_an_unhealthy_outcome() -> None:
    async with fleet_fake(environments=4, **FAST) as (fake, client):
        sick = fake.environment_ids[1]
        fake.script(sick, "unhealthy")
        report = await client.fleet.deploy(
            fake.environment_ids, rollout=Rollout(waves=["100%"], max_failures_per_wave=1)
        )
    outcome = report.outcome(sick)
    assert outcome.kind is OutcomeKind.UNHEALTHY
    assert isinstance(outcome.error, EnvironmentUnhealthyError)
    assert "http_ok" in (outcome.error_message or "")
    assert report.counts[OutcomeKind.SUCCEEDED] == 3
    assert report.halted is None


async def test_without_a_health_check_an_unhealthy_environment_succeeds() -> None:
    async with fleet_fake(environments=3, **FAST) as (fake, client):
        fake.script(fake.environment_ids[0], "unhealthy")
        report = await client.fleet.deploy(
            fake.environment_ids, rollout=Rollout(waves=["100%"], health=None)
        )
    assert report.ok
    assert not any(r.path.endswith("/status") for r in fake.requests)


async def test_a_custom_health_probe_decides() -> None:
    asked: list[UUID] = []

    async def probe(environment_id: UUID, deployment: Deployment) -> bool:
        asked.append(environment_id)
        return deployment.environment_id != UUID(fake.environment_ids[2])

    async with fleet_fake(environments=3, **FAST) as (fake, client):
        report = await client.fleet.restart(
            fake.environment_ids,
            rollout=Rollout(waves=["100%"], health=probe, max_failures_per_wave=1),
        )
    assert sorted(asked) == sorted(UUID(e) for e in fake.environment_ids)
    assert [o.kind for o in report] == [
        OutcomeKind.SUCCEEDED,
        OutcomeKind.SUCCEEDED,
        OutcomeKind.UNHEALTHY,
    ]


async def test_an_environment_that_turns_unhealthy_during_the_bake_counts_against_its_wave() -> (
    None
):
    async with fleet_fake(environments=5, **FAST) as (fake, client):
        late = fake.environment_ids[0]
        fake.script(late, "unhealthy", after=0.05)
        events: list[FleetEvent] = []
        report = await client.fleet.deploy(
            fake.environment_ids,
            rollout=Rollout(waves=[1, "100%"], bake=0.6),
            on_event=events.append,
        )
    assert report[0].kind is OutcomeKind.UNHEALTHY
    assert "status is error" in (report[0].error_message or "")
    assert report.halted is not None
    assert report.halted.wave == 0
    assert writes(fake) == 1
    assert any(isinstance(e, HealthChecked) and e.baking and not e.healthy for e in events)


async def test_conflicted_environments_do_not_count_against_the_budget() -> None:
    async with fleet_fake(environments=4, **FAST, stopped_fraction=0.0) as (fake, client):
        stopped = fake.environment_ids[1]
        fake.set_environment_status(stopped, "stopped")
        report = await client.fleet.deploy(
            fake.environment_ids, rollout=Rollout(waves=["100%"], max_failures_per_wave=0)
        )
    assert report.outcome(stopped).kind is OutcomeKind.CONFLICTED
    assert report.halted is None
    assert report.counts[OutcomeKind.SUCCEEDED] == 3


async def test_max_failures_counts_over_all_waves() -> None:
    async with fleet_fake(environments=6, **FAST) as (fake, client):
        fake.script(fake.environment_ids[1], "failed")
        fake.script(fake.environment_ids[3], "failed")
        rollout = Rollout(waves=[2], max_failures_per_wave=1, max_failures=1)
        report = await client.fleet.deploy(fake.environment_ids, rollout=rollout)
    assert report.halted is not None
    assert report.halted.budget == "max_failures"
    assert report.halted.wave == 1
    assert report.waves[2].started_at is None
    assert report.counts[OutcomeKind.NOT_STARTED] == 2


async def test_pause_between_waves_waits_for_resume() -> None:
    async with fleet_fake(environments=4, **FAST) as (fake, client):
        run = client.fleet.deploy(
            fake.environment_ids,
            rollout=Rollout(waves=[1, "100%"], pause_between_waves=True),
        )
        events: list[FleetEvent] = []
        async with run:
            async for event in run.events():
                events.append(event)
                if isinstance(event, RolloutPaused):
                    await anyio.sleep(0.2)
                    assert writes(fake) == 1
                    assert run.paused
                    run.resume()
                if isinstance(event, WaveFinished) and event.report.index == 1:
                    break
            report = await run
    assert report.ok
    kinds = [type(e) for e in events if isinstance(e, WaveStarted | RolloutPaused | RolloutResumed)]
    assert kinds == [WaveStarted, RolloutPaused, RolloutResumed, WaveStarted]


async def test_pause_stops_new_starts_and_resume_goes_on() -> None:
    async with fleet_fake(environments=6, **FAST) as (fake, client):
        run = client.fleet.deploy(fake.environment_ids, max_parallel=1)
        run.pause()
        async with run:
            await anyio.sleep(0.2)
            assert writes(fake) == 0
            run.resume()
            report = await run
    assert report.ok


async def test_halt_starts_nothing_new_and_follows_what_is_in_flight() -> None:
    async with fleet_fake(environments=6, **FAST) as (fake, client):
        fake.set_environment_behaviour(fake.environment_ids[0], duration=0.3)
        run = client.fleet.deploy(fake.environment_ids, max_parallel=2)
        async with run:
            async for event in run.events():
                if type(event).__name__ == "FleetActionStarted":
                    run.halt("operator said stop")
                    break
            report = await run
    assert report.halted is not None
    assert report.halted.reason == "operator said stop"
    assert report.counts[OutcomeKind.SUCCEEDED] + report.counts[OutcomeKind.NOT_STARTED] == 6
    assert report.counts[OutcomeKind.SUCCEEDED] >= 1
    assert report.counts[OutcomeKind.CANCELLED] == 0


async def test_rollout_events_are_delivered() -> None:
    async with fleet_fake(environments=3, **FAST) as (fake, client):
        fake.script(fake.environment_ids[1], "failed")
        events: list[FleetEvent] = []
        await client.fleet.deploy(
            fake.environment_ids, rollout=Rollout(waves=[1]), on_event=events.append
        )
    started = [e for e in events if isinstance(e, WaveStarted)]
    assert not any(isinstance(e, WaveBaking) for e in events)  # no bake asked
    finished = [e for e in events if isinstance(e, WaveFinished)]
    halted = [e for e in events if isinstance(e, RolloutHalted)]
    assert [e.wave for e in started] == [0, 1]
    assert [e.report.index for e in finished] == [0, 1]
    assert len(halted) == 1
    assert halted[0].halt.wave == 1
    assert sum(isinstance(e, HealthChecked) for e in events) == 1


async def test_without_a_rollout_the_report_has_no_waves() -> None:
    async with fleet_fake(environments=3, **FAST) as (fake, client):
        report = await client.fleet.deploy(fake.environment_ids)
    assert report.waves == ()
    assert report.halted is None
    assert all(o.wave is None for o in report)
    assert tasks_per_environment(fake) == dict.fromkeys(fake.environment_ids, 1)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"waves": [0]}, ValueError, "waves.0. must be > 0"),
        ({"waves": ["0%"]}, ValueError, "within 1-100%"),
        ({"waves": ["150%"]}, ValueError, "within 1-100%"),
        ({"waves": "10%"}, TypeError, "list of sizes"),
        ({"waves": []}, ValueError, "at least one"),
        ({"waves": [1.5]}, TypeError, "integer or 'N%'"),
        ({"waves": [1], "bake": -1}, ValueError, "bake"),
        ({"waves": [1], "health": "ping"}, TypeError, "health must be"),
        ({"waves": [1], "max_failures_per_wave": -1}, ValueError, "max_failures_per_wave"),
        ({"waves": [1], "max_failures": "200%"}, ValueError, "max_failures"),
        ({"waves": [1], "canary": "abc"}, TypeError, "canary"),
    ],
)
def test_bad_rollouts_are_refused(kwargs: dict[str, object], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        Rollout(**kwargs)  # type: ignore[arg-type]


async def test_a_canary_outside_the_fleet_is_refused_before_anything_is_sent() -> None:
    async with fleet_fake(environments=3, **FAST) as (fake, client):
        outsider = "00000000-0000-4000-8000-0000000000aa"
        with pytest.raises(ValueError, match="canary environment"):
            _ = client.fleet.deploy(
                fake.environment_ids, rollout=Rollout(waves=["100%"], canary=[outsider])
            )
    assert fake.requests == [] or writes(fake) == 0


async def test_the_canary_is_the_first_wave() -> None:
    async with fleet_fake(environments=4, **FAST) as (fake, client):
        canary = fake.environment_ids[2]
        report = await client.fleet.deploy(
            fake.environment_ids, rollout=Rollout(waves=["100%"], canary=[canary])
        )
    assert report.waves[0].environment_ids == (UUID(canary),)
    assert report.waves[0].name == "canary"
    assert len(report.waves[1].environment_ids) == 3


async def test_a_status_read_confirms_a_deploy_and_checks_its_health_at_once() -> None:
    async with fleet_fake(environments=8, **FAST) as (fake, client):
        report = await client.fleet.deploy(fake.environment_ids, rollout=Rollout(waves=["100%"]))
    status_reads = sum(1 for r in fake.requests if r.path.endswith("/status"))
    task_polls = sum(1 for r in fake.requests if "/deployments/" in r.path)
    assert report.ok
    assert status_reads == 8
    assert task_polls < 8
    for outcome in report:
        assert outcome.deployment is not None
        assert outcome.deployment.completed_at is not None


async def test_a_failed_deploy_is_read_from_its_task_when_the_status_cannot_tell() -> None:
    async with fleet_fake(environments=8, **FAST) as (fake, client):
        bad = fake.environment_ids[5]
        fake.set_environment_behaviour(bad, fail=True, error_message="migration crashed")
        report = await client.fleet.deploy(
            fake.environment_ids, rollout=Rollout(waves=["100%"], max_failures_per_wave=1)
        )
    assert report.outcome(bad).kind is OutcomeKind.FAILED
    assert report.outcome(bad).error_message == "migration crashed"
    assert report.counts[OutcomeKind.SUCCEEDED] == 7


async def test_fail_fast_halts_a_rollout_and_says_so() -> None:
    async with fleet_fake(environments=4, **FAST) as (fake, client):
        fake.script(fake.environment_ids[0], "failed")
        report = await client.fleet.deploy(
            fake.environment_ids,
            rollout=Rollout(waves=["100%"], max_failures_per_wave="100%"),
            fail_fast=True,
            max_parallel=1,
        )
    assert report.halted is not None
    assert report.halted.budget == "run max_failures"
    assert report.counts[OutcomeKind.NOT_STARTED] == 3


async def test_the_overall_timeout_ends_a_bake_with_a_complete_report() -> None:
    async with fleet_fake(environments=3, **FAST) as (fake, client):
        report = await client.fleet.deploy(
            fake.environment_ids, rollout=Rollout(waves=[1], bake=30), timeout=0.5
        )
    assert report.timed_out
    assert len(report) == 3
    assert report[0].kind is OutcomeKind.SUCCEEDED
    assert report.counts[OutcomeKind.NOT_STARTED] == 2


async def test_each_baked_wave_announces_its_bake() -> None:
    async with fleet_fake(environments=3, **FAST) as (fake, client):
        events: list[FleetEvent] = []
        await client.fleet.deploy(
            fake.environment_ids, rollout=Rollout(waves=[2], bake=0.05), on_event=events.append
        )
    baking = [e for e in events if isinstance(e, WaveBaking)]
    assert [(e.wave, e.seconds) for e in baking] == [(0, 0.05), (1, 0.05)]
