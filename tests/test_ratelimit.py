"""The rate governor, driven by a fake clock and a fake sleep (no real waiting)."""

from __future__ import annotations

import anyio
import pytest
from support import FakeTime, fake_governor

from oec_async import RateLimits, RateLimitSnapshot, RateLimitWait, listening
from oec_async._events import TransportEvent
from oec_async._ratelimit import READ, WRITE, RateGovernor, bucket_for

governor = fake_governor


@pytest.mark.parametrize(("method", "bucket"), [("GET", READ), ("HEAD", READ), ("OPTIONS", READ)])
def test_reads_are_gets(method: str, bucket: str) -> None:
    assert bucket_for(method) == bucket


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_everything_else_is_a_write(method: str) -> None:
    assert bucket_for(method) == WRITE


async def test_requests_within_the_budget_go_out_at_once(time_: FakeTime) -> None:
    gov = governor(time_, writes=3)
    for _ in range(3):
        await gov.acquire(WRITE)
    assert time_.sleeps == []
    assert gov.sent_in_window(WRITE) == 3


async def test_the_request_over_the_budget_waits_until_the_oldest_leaves_the_window(
    time_: FakeTime,
) -> None:
    gov = governor(time_, writes=3)
    for step in range(3):
        await gov.acquire(WRITE)
        time_.now += 10.0 * (step < 2)  # sends at 500, 510, 520
    await gov.acquire(WRITE)
    assert time_.sleeps == [pytest.approx(40.0)]  # 500 + 60 - 520


async def test_pacing_never_puts_more_than_the_limit_in_any_window(time_: FakeTime) -> None:
    gov = governor(time_, writes=5)
    sent: list[float] = []
    for _ in range(23):
        await gov.acquire(WRITE)
        sent.append(time_.now)
    for start in sent:
        in_window = [t for t in sent if start <= t < start + 60.0]
        assert len(in_window) <= 5


async def test_reads_and_writes_are_counted_separately(time_: FakeTime) -> None:
    gov = governor(time_, reads=2, writes=2)
    for _ in range(2):
        await gov.acquire(WRITE)
    for _ in range(2):
        await gov.acquire(READ)
    assert time_.sleeps == []


async def test_the_safety_margin_is_added_to_the_wait(time_: FakeTime) -> None:
    limits = RateLimits(writes_per_window=1, window=60.0, safety_margin=0.5)
    gov = RateGovernor(limits, clock=time_.clock, sleep=time_.sleep)
    await gov.acquire(WRITE)
    await gov.acquire(WRITE)
    assert time_.sleeps == [pytest.approx(60.5)]


async def test_disabled_limits_never_pace(time_: FakeTime) -> None:
    gov = governor(time_, writes=1, enabled=False)
    for _ in range(50):
        await gov.acquire(WRITE)
    assert time_.sleeps == []


async def test_a_pause_holds_the_next_request_for_its_length(time_: FakeTime) -> None:
    gov = governor(time_)
    gov.pause(WRITE, 23.0)
    assert gov.paused_for(WRITE) == 23.0
    await gov.acquire(WRITE)
    assert time_.sleeps == [23.0]
    assert gov.paused_for(WRITE) == 0.0


async def test_a_pause_holds_only_its_bucket(time_: FakeTime) -> None:
    gov = governor(time_)
    gov.pause(WRITE, 23.0)
    await gov.acquire(READ)
    assert time_.sleeps == []


async def test_a_pause_applies_even_when_pacing_is_disabled(time_: FakeTime) -> None:
    gov = governor(time_, enabled=False)
    gov.pause(READ, 5.0)
    await gov.acquire(READ)
    assert time_.sleeps == [5.0]


async def test_a_pause_is_shared_by_every_waiting_task(time_: FakeTime) -> None:
    gov = governor(time_)
    gov.pause(WRITE, 30.0)
    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(gov.acquire, WRITE)
    # One wait of 30 s for all five, not five waits.
    assert time_.sleeps == [30.0]
    assert gov.sent_in_window(WRITE) == 5


def test_a_shorter_pause_does_not_cut_a_longer_one(time_: FakeTime) -> None:
    gov = governor(time_)
    gov.pause(WRITE, 30.0)
    gov.pause(WRITE, 5.0)
    assert gov.paused_for(WRITE) == 30.0


def test_headers_correct_the_limit(time_: FakeTime) -> None:
    gov = governor(time_, writes=20)
    gov.observe(RateLimitSnapshot(limit=7, remaining=None, bucket=WRITE))
    assert gov.bucket_limit(WRITE) == 7
    assert gov.bucket_limit(READ) == 120


async def test_a_corrected_limit_paces_the_next_requests(time_: FakeTime) -> None:
    gov = governor(time_, writes=20)
    gov.observe(RateLimitSnapshot(limit=2, bucket=WRITE))
    for _ in range(3):
        await gov.acquire(WRITE)
    assert time_.sleeps == [pytest.approx(60.0)]


def test_a_zero_limit_header_is_ignored(time_: FakeTime) -> None:
    gov = governor(time_, writes=20)
    gov.observe(RateLimitSnapshot(limit=0, bucket=WRITE))
    assert gov.bucket_limit(WRITE) == 20


async def test_remaining_counts_sends_made_elsewhere_with_the_same_key(time_: FakeTime) -> None:
    gov = governor(time_, writes=20)
    await gov.acquire(WRITE)
    gov.observe(RateLimitSnapshot(limit=20, remaining=5, bucket=WRITE))
    assert gov.sent_in_window(WRITE) == 15


async def test_remaining_never_removes_our_own_sends(time_: FakeTime) -> None:
    gov = governor(time_, writes=20)
    for _ in range(4):
        await gov.acquire(WRITE)
    gov.observe(RateLimitSnapshot(limit=20, remaining=19, bucket=WRITE))
    assert gov.sent_in_window(WRITE) == 4


async def test_remaining_zero_with_a_reset_pauses_until_the_reset(time_: FakeTime) -> None:
    gov = governor(time_)
    gov.observe(RateLimitSnapshot(limit=20, remaining=0, reset=12.0, bucket=WRITE))
    assert gov.paused_for(WRITE) == 12.0
    await gov.acquire(WRITE)
    assert time_.sleeps == [12.0]


async def test_remaining_zero_without_a_reset_fills_the_window(time_: FakeTime) -> None:
    gov = governor(time_, writes=3)
    gov.observe(RateLimitSnapshot(limit=3, remaining=0, bucket=WRITE))
    await gov.acquire(WRITE)
    assert time_.sleeps == [pytest.approx(60.0)]


def test_observing_is_a_no_op_when_pacing_is_disabled(time_: FakeTime) -> None:
    gov = governor(time_, writes=20, enabled=False)
    gov.observe(RateLimitSnapshot(limit=3, remaining=0, reset=30.0, bucket=WRITE))
    assert gov.bucket_limit(WRITE) == 20
    assert gov.paused_for(WRITE) == 0.0


async def test_waits_are_reported_as_events(time_: FakeTime) -> None:
    gov = governor(time_, writes=1)
    events: list[TransportEvent] = []
    with listening(events.append):
        await gov.acquire(WRITE)
        await gov.acquire(WRITE)
        gov.pause(WRITE, 9.0)
        await gov.acquire(WRITE)
    assert events == [
        RateLimitWait(bucket=WRITE, delay=pytest.approx(60.0), reason="budget"),  # type: ignore[arg-type]
        RateLimitWait(bucket=WRITE, delay=9.0, reason="429"),
        RateLimitWait(bucket=WRITE, delay=pytest.approx(51.0), reason="budget"),  # type: ignore[arg-type]
    ]


def test_an_absurd_limit_header_is_capped(time_: FakeTime) -> None:
    gov = governor(time_, writes=20)
    gov.observe(RateLimitSnapshot(limit=10**12, remaining=0, bucket=WRITE))
    assert gov.bucket_limit(WRITE) <= 100_000
    assert gov.sent_in_window(WRITE) <= 100_000


async def test_the_phantom_sends_recorded_from_remaining_are_bounded(time_: FakeTime) -> None:
    limits = RateLimits(writes_per_window=10**9, window=60.0, safety_margin=0.0)
    gov = RateGovernor(limits, clock=time_.clock, sleep=time_.sleep)
    gov.observe(RateLimitSnapshot(remaining=0, bucket=WRITE))
    assert gov.sent_in_window(WRITE) <= 100_000


async def test_a_slot_is_counted_from_when_its_answer_arrives(time_: FakeTime) -> None:
    gov = governor(time_, writes=1)
    slot = await gov.acquire_slot(WRITE)  # at 500
    time_.now += 5.0  # the answer comes back at 505: the server counted it by then
    gov.release(slot)
    await gov.acquire(WRITE)
    assert time_.sleeps == [pytest.approx(60.0)]  # until 565, not 560


async def test_a_slot_released_behind_newer_ones_keeps_the_log_in_time_order(
    time_: FakeTime,
) -> None:
    gov = governor(time_, writes=2)
    first = await gov.acquire_slot(WRITE)  # at 500
    time_.now += 10.0
    await gov.acquire(WRITE)  # at 510, still in flight
    time_.now += 10.0
    gov.release(first)  # answered at 520
    await gov.acquire(WRITE)
    assert time_.sleeps == [pytest.approx(50.0)]  # the 510 slot leaves first, at 570


async def test_a_slot_in_flight_longer_than_a_window_is_counted_again_from_its_answer(
    time_: FakeTime,
) -> None:
    gov = governor(time_, writes=1)
    slot = await gov.acquire_slot(WRITE)
    time_.now += 90.0
    assert gov.sent_in_window(WRITE) == 0  # the slot expired while in flight
    gov.release(slot)
    assert gov.sent_in_window(WRITE) == 1


async def test_nothing_is_recorded_without_pacing(time_: FakeTime) -> None:
    gov = governor(time_, enabled=False)
    for _ in range(1000):
        slot = await gov.acquire_slot(WRITE)
        assert slot.taken_at is None
        gov.release(slot)
    assert gov.sent_in_window(WRITE) == 0


# What the send loop relies on: a bounded wait.


async def test_max_wait_gives_up_at_once_without_taking_a_slot(time_: FakeTime) -> None:
    gov = governor(time_, writes=1)
    await gov.acquire(WRITE)
    assert await gov.acquire(WRITE, max_wait=30.0) is None  # the next slot is 60 s away
    assert time_.sleeps == []
    assert gov.sent_in_window(WRITE) == 1


async def test_a_wait_within_max_wait_is_waited_for(time_: FakeTime) -> None:
    gov = governor(time_, writes=1)
    await gov.acquire(WRITE)
    slot = await gov.acquire(WRITE, max_wait=60.0)
    assert slot is not None
    assert time_.sleeps == [pytest.approx(60.0)]


async def test_max_wait_counts_the_waiters_queued_ahead(time_: FakeTime) -> None:
    gov = governor(time_, writes=1)
    await gov.acquire(WRITE)
    got: list[object] = []

    async def queued() -> None:
        got.append(await gov.acquire(WRITE))

    async with anyio.create_task_group() as tg:
        tg.start_soon(queued)  # waits 60 s for the next slot
        await anyio.lowlevel.checkpoint()
        got.append(await gov.acquire(WRITE, max_wait=90.0))  # its own turn is 120 s away
    queued_slot, late = got
    assert queued_slot is not None
    assert late is None
    assert time_.sleeps == [pytest.approx(60.0)]  # the queued one's wait only


async def test_max_wait_applies_to_a_pause(time_: FakeTime) -> None:
    gov = governor(time_)
    gov.pause(READ, 50.0)
    assert await gov.acquire(READ, max_wait=10.0) is None
    assert time_.sleeps == []


def test_try_acquire_counts_a_free_slot_without_waiting(time_: FakeTime) -> None:
    gov = governor(time_, writes=2)
    assert gov.try_acquire(WRITE) is not None
    assert gov.try_acquire(WRITE) is not None
    assert gov.sent_in_window(WRITE) == 2


def test_try_acquire_gives_nothing_when_the_budget_is_spent(time_: FakeTime) -> None:
    gov = governor(time_, writes=1)
    gov.try_acquire(WRITE)
    assert gov.try_acquire(WRITE) is None
    assert gov.sent_in_window(WRITE) == 1  # nothing counted for the refusal


def test_try_acquire_gives_nothing_during_a_pause(time_: FakeTime) -> None:
    gov = governor(time_, enabled=False)
    gov.pause(READ, 5.0)
    assert gov.try_acquire(READ) is None


async def test_try_acquire_does_not_jump_the_queue(time_: FakeTime) -> None:
    gov = governor(time_, writes=1)
    await gov.acquire(WRITE)
    got: list[object] = []

    async def queued() -> None:
        got.append(await gov.acquire(WRITE))

    async with anyio.create_task_group() as tg:
        tg.start_soon(queued)
        await anyio.lowlevel.checkpoint()
        time_.now += 61.0  # a slot is free again, but the queued caller came first
        assert gov.try_acquire(WRITE) is None
    (queued_slot,) = got
    assert queued_slot is not None  # the queued caller got its slot


def test_try_acquire_leaves_a_shared_budget_to_acquire(time_: FakeTime) -> None:
    class Store:
        def attach(self, emit: object) -> None:
            pass

    limits = RateLimits(window=60.0, safety_margin=0.0)
    gov = RateGovernor(limits, clock=time_.clock, sleep=time_.sleep, shared=Store())  # type: ignore[arg-type]
    assert gov.try_acquire(READ) is None  # only the store can say whether a slot is free


async def test_next_slot_in_is_the_wait_of_the_next_send(time_: FakeTime) -> None:
    gov = governor(time_, writes=2)
    assert gov.next_slot_in(WRITE) == 0.0
    await gov.acquire(WRITE)
    time_.now += 10.0
    await gov.acquire(WRITE)
    assert gov.next_slot_in(WRITE) == pytest.approx(50.0)


async def test_release_takes_the_answers_headers(time_: FakeTime) -> None:
    gov = governor(time_, writes=20)
    slot = await gov.acquire_slot(WRITE)
    gov.release(slot, snapshot=RateLimitSnapshot(limit=5, window=30.0, bucket=WRITE))
    assert (gov.bucket_limit(WRITE), gov.bucket_window(WRITE)) == (5, 30.0)


# Every number a server sends that sets a wait is bounded (issue 13).


@pytest.mark.parametrize("window", [1e9, 3600.5, float("inf"), float("nan"), -5.0, 0.0])
def test_an_absurd_window_header_is_not_believed(time_: FakeTime, window: float) -> None:
    gov = governor(time_)
    gov.observe(RateLimitSnapshot(limit=20, window=window, bucket=WRITE))
    assert gov.bucket_window(WRITE) == 60.0


async def test_after_an_absurd_window_header_the_next_window_opens_as_usual(
    time_: FakeTime,
) -> None:
    gov = governor(time_, writes=1)
    await gov.acquire(WRITE)
    gov.observe(RateLimitSnapshot(limit=1, remaining=0, window=1e9, bucket=WRITE))
    await gov.acquire(WRITE)
    assert time_.sleeps == [pytest.approx(60.0)]


@pytest.mark.parametrize("seconds", [1e308, float("inf"), 10 * 365 * 86400.0])
def test_a_pause_is_capped_at_max_pause(time_: FakeTime, seconds: float) -> None:
    gov = governor(time_)
    gov.pause(WRITE, seconds)
    assert gov.paused_for(WRITE) == RateLimits().max_pause


async def test_after_a_capped_pause_a_request_is_sent_again(time_: FakeTime) -> None:
    limits = RateLimits(window=60.0, safety_margin=0.0, max_pause=90.0)
    gov = RateGovernor(limits, clock=time_.clock, sleep=time_.sleep)
    gov.pause(WRITE, 1e308)
    assert await gov.acquire(WRITE) is not None
    assert time_.sleeps == [90.0]


@pytest.mark.parametrize("seconds", [float("nan"), -3.0, 0.0])
def test_a_meaningless_pause_holds_nothing(time_: FakeTime, seconds: float) -> None:
    gov = governor(time_)
    gov.pause(WRITE, seconds)
    assert gov.paused_for(WRITE) == 0.0


@pytest.mark.parametrize("reset", [1e15, float("inf")])
def test_a_reset_far_ahead_does_not_pause_for_long(time_: FakeTime, reset: float) -> None:
    gov = governor(time_)
    gov.observe(RateLimitSnapshot(limit=20, remaining=0, reset=reset, bucket=WRITE))
    assert gov.paused_for(WRITE) <= RateLimits().max_pause


def test_remaining_above_the_limit_counts_no_sends(time_: FakeTime) -> None:
    gov = governor(time_, writes=20)
    gov.observe(RateLimitSnapshot(limit=20, remaining=10**9, bucket=WRITE))
    assert gov.sent_in_window(WRITE) == 0


def test_negative_remaining_counts_at_most_a_full_window(time_: FakeTime) -> None:
    gov = governor(time_, writes=20)
    gov.observe(RateLimitSnapshot(limit=20, remaining=-(10**9), bucket=WRITE))
    assert gov.sent_in_window(WRITE) == 20


def test_max_pause_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_pause"):
        RateLimits(max_pause=0)


async def test_a_slot_bought_before_a_pause_waits_it_out_when_redeemed(time_: FakeTime) -> None:
    gov = governor(time_)
    slot = await gov.acquire_slot(WRITE)
    gov.pause(WRITE, 23.0)
    assert await gov.redeem(slot, max_wait=60.0)
    assert time_.sleeps == [23.0]


async def test_a_slot_is_refused_without_waiting_when_its_pause_outlasts_max_wait(
    time_: FakeTime,
) -> None:
    gov = governor(time_)
    slot = await gov.acquire_slot(WRITE)
    gov.pause(WRITE, 90.0)
    assert not await gov.redeem(slot, max_wait=60.0)
    assert time_.sleeps == []
