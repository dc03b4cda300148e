"""The fleet within the key's rate budget: no 429s, and the budget learned from headers."""

from __future__ import annotations

import anyio
from fleet_support import fleet_fake

from oec_async import FleetEvent, FleetRateLimitWait, RateLimits
from oec_async._ratelimit import READ, WRITE
from oec_async.testing import RateLimitConfig

SERVER = RateLimitConfig(window=0.5, writes_per_window=5, reads_per_window=30)


async def test_no_429_when_the_budget_is_on() -> None:
    events: list[FleetEvent] = []
    budget = RateLimits(writes_per_window=5, reads_per_window=30, window=0.5)
    async with fleet_fake(
        environments=20, task_duration=0.3, rate_limits=SERVER, client={"rate_limits": budget}
    ) as (fake, client):
        report = await client.fleet.deploy(
            fake.environment_ids, max_parallel=20, on_event=events.append
        )
    assert report.ok, report.summary()
    assert fake.stats.rate_limited == 0
    assert fake.anomalies.requests_before_retry_after == 0
    waits = [e for e in events if isinstance(e, FleetRateLimitWait)]
    assert any(w.bucket == WRITE and w.reason == "budget" for w in waits)
    assert all(w.environment_id is not None for w in waits if w.bucket == WRITE)
    assert fake.stats.reads <= 3 * 20


async def test_headers_that_disagree_with_the_defaults_set_the_pace() -> None:
    # The client believes the documented 20 writes a minute; the server allows 4 per 0.5 s.
    server = RateLimitConfig(window=0.5, writes_per_window=4, reads_per_window=20)
    async with fleet_fake(environments=12, task_duration=0.2, rate_limits=server) as (
        fake,
        client,
    ):
        assert client.governor.bucket_limit(WRITE) == 20
        with anyio.fail_after(20):
            report = await client.fleet.restart(fake.environment_ids, max_parallel=12)
        governor = client.governor
    assert report.ok, report.summary()
    assert fake.stats.rate_limited == 0
    assert (governor.bucket_limit(WRITE), governor.bucket_window(WRITE)) == (4, 0.5)
    assert (governor.bucket_limit(READ), governor.bucket_window(READ)) == (20, 0.5)


async def test_without_pacing_a_429_pauses_every_action_together_once() -> None:
    server = RateLimitConfig(window=0.5, writes_per_window=3, reads_per_window=60)
    async with fleet_fake(
        environments=6,
        task_duration=0.1,
        rate_limits=server,
        client={"rate_limits": RateLimits.disabled()},
    ) as (fake, client):
        report = await client.fleet.deploy(fake.environment_ids, max_parallel=6)
    assert report.ok, report.summary()
    # Without pacing, the three over the budget were refused; the pause then held all three
    # retries until the window turned, so none was refused twice.
    assert 0 < fake.stats.rate_limited <= 3
