"""Rollouts re-run with the same batch_id: re-attach, go on, halt again unless forced."""

from __future__ import annotations

import anyio
from fleet_support import fleet_fake, tasks_per_environment, writes

from oec_async import FleetEvent, OutcomeKind, Rollout, WaveFinished

FAST = {"task_duration": 0.05}


async def test_a_crashed_rollout_resumes_with_its_batch_id_and_reattaches() -> None:
    async with fleet_fake(environments=6, **FAST) as (fake, client):
        rollout = Rollout(waves=[1, 2, "100%"])

        def crash_after_wave_2(event: FleetEvent) -> None:
            if isinstance(event, WaveFinished) and event.report.index == 1:
                first.cancel()

        first = client.fleet.deploy(
            fake.environment_ids, rollout=rollout, batch_id="rel-1", on_event=crash_after_wave_2
        )
        crashed = await first
        assert crashed.cancelled
        assert crashed.counts[OutcomeKind.SUCCEEDED] == 3
        assert crashed.waves[2].started_at is None
        again = await client.fleet.deploy(fake.environment_ids, rollout=rollout, batch_id="rel-1")
    assert again.ok, again.summary()
    assert again.reattached == 3
    assert [o.reattached for o in again] == [True] * 3 + [False] * 3
    assert tasks_per_environment(fake) == dict.fromkeys(fake.environment_ids, 1)
    assert "3 re-attached" in again.summary()


async def test_a_halted_rollout_halts_again_at_the_same_place() -> None:
    async with fleet_fake(environments=5, **FAST) as (fake, client):
        fake.script(fake.environment_ids[1], "failed")
        rollout = Rollout(waves=[1, 2, "100%"])
        first = await client.fleet.deploy(fake.environment_ids, rollout=rollout, batch_id="r2")
        fake.script(fake.environment_ids[1], "succeeded")
        again = await client.fleet.deploy(fake.environment_ids, rollout=rollout, batch_id="r2")
    assert first.halted is not None
    assert again.halted is not None
    assert again.halted.wave == first.halted.wave == 1
    assert again.outcome(fake.environment_ids[1]).reattached
    assert writes(fake) == 3 + 3


async def test_force_goes_past_the_place_a_rollout_halted() -> None:
    async with fleet_fake(environments=5, **FAST) as (fake, client):
        fake.script(fake.environment_ids[1], "failed")
        rollout = Rollout(waves=[1, 2, "100%"])
        await client.fleet.deploy(fake.environment_ids, rollout=rollout, batch_id="r3")
        forced = await client.fleet.deploy(
            fake.environment_ids, rollout=rollout, batch_id="r3", force=True
        )
    assert forced.halted is None
    assert forced.outcome(fake.environment_ids[1]).kind is OutcomeKind.FAILED
    assert forced.counts[OutcomeKind.SUCCEEDED] == 4


async def test_a_resumed_wave_that_has_been_up_longer_than_its_bake_is_not_baked_again() -> None:
    async with fleet_fake(environments=4, **FAST) as (fake, client):
        rollout = Rollout(waves=[2], bake=0.2)

        def crash_after_wave_1(event: FleetEvent) -> None:
            if isinstance(event, WaveFinished) and event.report.index == 0:
                first.cancel()

        first = client.fleet.deploy(
            fake.environment_ids, rollout=rollout, batch_id="r4", on_event=crash_after_wave_1
        )
        await first
        await anyio.sleep(0.25)
        again = await client.fleet.deploy(fake.environment_ids, rollout=rollout, batch_id="r4")
    assert again.ok
    assert again.waves[0].resumed
    assert again.waves[0].baked == 0
    assert not again.waves[1].resumed
    assert again.waves[1].baked > 0
