"""What the fleet needs from the rate governor: free slots and background reads.

(Prepaid slots are values handed to ``client._with_slot``: see tests/test_client.py.)
"""

from __future__ import annotations

import functools

import pytest
from support import FakeTime, fake_governor

from oec_async import RateLimitSnapshot
from oec_async._ratelimit import READ, WRITE

governor = functools.partial(fake_governor, reads=10, writes=4)


async def test_available_counts_the_free_slots_without_taking_one(time_: FakeTime) -> None:
    gov = governor(time_, writes=4)
    await gov.acquire(WRITE)
    assert gov.available(WRITE) == 3
    assert gov.available(WRITE) == 3
    assert gov.sent_in_window(WRITE) == 1


async def test_nothing_is_available_during_a_pause(time_: FakeTime) -> None:
    gov = governor(time_)
    gov.pause(READ, 5.0)
    assert gov.available(READ) == 0


def test_everything_is_available_without_pacing(time_: FakeTime) -> None:
    assert governor(time_, enabled=False).available(WRITE) == float("inf")


async def test_delay_for_tells_when_enough_slots_free_up(time_: FakeTime) -> None:
    gov = governor(time_, writes=3)
    for step in range(3):  # sends at 500, 510, 520
        await gov.acquire(WRITE)
        time_.now += 10.0 * (step < 2)
    assert gov.delay_for(WRITE) == pytest.approx(40.0)  # 500 leaves the window at 560
    assert gov.delay_for(WRITE, 2) == pytest.approx(50.0)  # and 510 at 570
    assert time_.sleeps == []


def test_delay_for_is_zero_with_room(time_: FakeTime) -> None:
    assert governor(time_).delay_for(WRITE, 4) == 0.0


async def test_background_requests_leave_part_of_the_budget_free(time_: FakeTime) -> None:
    gov = governor(time_, reads=10)
    for _ in range(8):
        await gov.acquire(READ)
    assert gov.background_delay(READ, keep_free=0.1) == 0.0  # 2 free, 1 kept
    await gov.acquire(READ)
    assert gov.background_delay(READ, keep_free=0.1) == pytest.approx(60.0)


def test_background_requests_wait_out_a_pause(time_: FakeTime) -> None:
    gov = governor(time_, enabled=False)
    gov.pause(READ, 3.0)
    assert gov.background_delay(READ) == 3.0


def test_a_budget_is_confirmed_by_a_limit_header(time_: FakeTime) -> None:
    gov = governor(time_)
    assert not gov.is_confirmed(WRITE)
    gov.observe(RateLimitSnapshot(limit=9, remaining=8, bucket=WRITE))
    assert gov.is_confirmed(WRITE)
    assert not gov.is_confirmed(READ)


def test_headers_correct_the_window(time_: FakeTime) -> None:
    gov = governor(time_)
    gov.observe(RateLimitSnapshot(limit=5, remaining=4, window=0.5, bucket=WRITE))
    assert gov.bucket_window(WRITE) == 0.5


def test_a_reset_of_a_whole_window_does_not_pause(time_: FakeTime) -> None:
    # Servers round the reset up to whole seconds: "1" for a 0.5 s window would hold the
    # bucket two windows. The sliding log already keeps the count right.
    gov = governor(time_)
    gov.observe(RateLimitSnapshot(limit=4, remaining=0, window=0.5, reset=1.0, bucket=WRITE))
    assert gov.paused_for(WRITE) == 0.0
