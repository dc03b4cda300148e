"""Races around the rate governor that the chaos soak found or could find.

The governor is driven by a fake clock; "sending" is an ``acquire`` returning.
"""

from __future__ import annotations

import pytest
from support import FakeTime

from oec_async import RateLimits, RateLimitWait, listening
from oec_async._ratelimit import READ, WRITE, RateGovernor


@pytest.mark.parametrize("bucket", [READ, WRITE])
async def test_a_prepaid_slot_still_waits_out_a_429_pause_that_began_after_it(
    bucket: str, time_: FakeTime
) -> None:
    # The fleet's poller buys a slot, then starts the poll task; a 429 on another request
    # lands in between. The poll must not go out before the Retry-After elapsed.
    governor = RateGovernor(RateLimits(), clock=time_.clock, sleep=time_.sleep)
    slot = await governor.acquire_slot(bucket)  # bought while the bucket was open
    governor.pause(bucket, 1.0)  # ... then a 429 says: nobody sends for a second
    paused_at = time_.now
    events: list[object] = []
    with listening(events.append), governor.prepaid(slot):
        await governor.acquire(bucket)  # the transport's acquire, spending the prepaid slot
    assert time_.now >= paused_at + 1.0
    assert governor.sent_in_window(bucket) == 1, "the prepaid slot is not counted twice"
    assert any(isinstance(e, RateLimitWait) and e.reason == "429" for e in events)


async def test_a_prepaid_slot_goes_at_once_when_nothing_paused_the_bucket(
    time_: FakeTime,
) -> None:
    governor = RateGovernor(RateLimits(), clock=time_.clock, sleep=time_.sleep)
    slot = await governor.acquire_slot(READ)
    with governor.prepaid(slot):
        await governor.acquire(READ)
    assert time_.sleeps == []
    assert governor.sent_in_window(READ) == 1
