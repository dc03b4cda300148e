"""Fleet and rollout events reach the client's listeners and `listening()` blocks."""

from __future__ import annotations

import collections

from fleet_support import fleet_fake

from oec_async import (
    Event,
    FleetEnvironmentFinished,
    FleetRateLimitWait,
    RateLimitWait,
    Rollout,
    WaveFinished,
    WaveStarted,
    listening,
)
from oec_async.testing import RateLimitConfig


async def test_client_listeners_receive_fleet_and_rollout_events() -> None:
    seen: list[Event] = []
    async with fleet_fake(environments=4, task_duration=0.05) as (fake, client):
        client.add_listener(seen.append)
        await client.fleet.deploy(fake.environment_ids, rollout=Rollout(waves=[2]))
    kinds = collections.Counter(type(e) for e in seen)
    assert kinds[FleetEnvironmentFinished] == 4
    assert kinds[WaveStarted] == 2
    assert kinds[WaveFinished] == 2


async def test_a_listening_block_around_a_fleet_sees_its_rate_limit_waits_once_each() -> None:
    limits = RateLimitConfig(writes_per_window=3, reads_per_window=1000, window=0.3)
    seen: list[Event] = []
    hooked: list[object] = []
    async with fleet_fake(environments=9, task_duration=0.05, rate_limits=limits) as (fake, c):
        with listening(seen.append):
            report = await c.fleet.deploy(fake.environment_ids, on_event=hooked.append)
    assert report.ok
    transport_waits = [e for e in seen if isinstance(e, RateLimitWait)]
    fleet_waits = [e for e in seen if isinstance(e, FleetRateLimitWait)]
    assert transport_waits
    assert len(fleet_waits) == len(transport_waits)
    assert len([e for e in hooked if isinstance(e, FleetRateLimitWait)]) == len(fleet_waits)
