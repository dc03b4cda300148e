"""Races around the rate governor that the chaos soak found or could find.

The governor is driven by a fake clock; "sending" is an ``acquire`` returning.
"""

from __future__ import annotations

import anyio
import pytest

from oec_async import RateLimits, RateLimitWait, listening
from oec_async._ratelimit import READ, WRITE, RateGovernor


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await anyio.lowlevel.checkpoint()


@pytest.mark.parametrize("bucket", [READ, WRITE])
async def test_a_prepaid_slot_still_waits_out_a_429_pause_that_began_after_it(bucket: str) -> None:
    # The fleet's poller buys a slot, then starts the poll task; a 429 on another request
    # lands in between. The poll must not go out before the Retry-After elapsed.
    clock = Clock()
    governor = RateGovernor(RateLimits(), clock=clock, sleep=clock.sleep)
    slot = await governor.acquire_slot(bucket)  # bought while the bucket was open
    governor.pause(bucket, 1.0)  # ... then a 429 says: nobody sends for a second
    paused_at = clock.now
    events: list[object] = []
    with listening(events.append), governor.prepaid(slot):
        await governor.acquire(bucket)  # the transport's acquire, spending the prepaid slot
    assert clock.now >= paused_at + 1.0
    assert governor.sent_in_window(bucket) == 1, "the prepaid slot is not counted twice"
    assert any(isinstance(e, RateLimitWait) and e.reason == "429" for e in events)


async def test_a_prepaid_slot_goes_at_once_when_nothing_paused_the_bucket() -> None:
    clock = Clock()
    governor = RateGovernor(RateLimits(), clock=clock, sleep=clock.sleep)
    slot = await governor.acquire_slot(READ)
    with governor.prepaid(slot):
        await governor.acquire(READ)
    assert clock.slept == []
    assert governor.sent_in_window(READ) == 1
