"""The governor's side of a shared budget: what it does with the store's answers.

The store here is a stand-in that answers as told (the Redis store itself is tested against a
real server in test_redis_budget.py); the clock is fake.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import anyio
import pytest
from support import FakeTime

from oec_async import Event, RateLimits, RateLimitSnapshot, RateLimitWait
from oec_async._ratelimit import WRITE, RateGovernor
from oec_async._sharing import Note, Reservation, Rules


class Store:
    """Answers every reservation with ``answer`` (``None``: down) and keeps the notes."""

    def __init__(self, answer: Reservation | None) -> None:
        self.answer = answer
        self.notes: list[Note] = []
        self.asked: list[tuple[str, Rules, float]] = []

    def attach(self, emit: Callable[[Event], None]) -> None:
        pass

    async def reserve(self, bucket: str, rules: Rules, max_wait: float) -> Reservation | None:
        self.asked.append((bucket, rules, max_wait))
        return self.answer

    def note(self, note: Note) -> None:
        self.notes.append(note)

    async def aclose(self) -> None:
        pass


def reservation(**changes: object) -> Reservation:
    values: dict[str, object] = {
        "taken": True,
        "wait": 0.0,
        "slot_id": "abc:1",
        "limit": 20,
        "window": 60.0,
        "paused": 0.0,
        "confirmed": False,
    }
    values.update(changes)
    return Reservation(**values)  # type: ignore[arg-type]


def governed(time_: FakeTime, store: Store, events: list[Event] | None = None) -> RateGovernor:
    limits = RateLimits(window=60.0, safety_margin=0.0)
    emit = events.append if events is not None else None
    return RateGovernor(limits, clock=time_.clock, sleep=time_.sleep, shared=store, emit=emit)


async def test_the_wait_the_store_answers_is_slept_once(time_: FakeTime) -> None:
    events: list[Event] = []
    gov = governed(time_, Store(reservation(wait=7.5)), events)
    slot = await gov.acquire(WRITE)
    assert slot is not None
    assert slot.shared_id == "abc:1"
    assert time_.sleeps == [7.5]
    assert events == [RateLimitWait(bucket=WRITE, delay=7.5, reason="budget")]


async def test_the_governor_passes_its_rules_and_max_wait(time_: FakeTime) -> None:
    store = Store(reservation())
    await governed(time_, store).acquire(WRITE, max_wait=12.0)
    bucket, rules, max_wait = store.asked[0]
    assert (bucket, rules.write_limit, rules.window, max_wait) == (WRITE, 20, 60.0, 12.0)


async def test_a_slot_the_store_would_not_reserve_in_time_is_none(time_: FakeTime) -> None:
    gov = governed(time_, Store(reservation(taken=False, wait=90.0, slot_id=None)))
    assert await gov.acquire(WRITE, max_wait=30.0) is None
    assert time_.sleeps == []


async def test_a_store_that_does_not_answer_leaves_pacing_to_the_governor(
    time_: FakeTime,
) -> None:
    limits = RateLimits(writes_per_window=1, window=60.0, safety_margin=0.0)
    gov = RateGovernor(limits, clock=time_.clock, sleep=time_.sleep, shared=Store(None))
    first = await gov.acquire(WRITE)
    await gov.acquire(WRITE)
    assert first is not None
    assert first.shared_id is None
    assert time_.sleeps == [pytest.approx(60.0)]


async def test_what_other_processes_taught_the_store_applies_here(time_: FakeTime) -> None:
    answer = reservation(limit=7, window=30.0, paused=12.0, confirmed=True, wait=12.0)
    gov = governed(time_, Store(answer))
    await gov.acquire(WRITE)
    assert (gov.bucket_limit(WRITE), gov.bucket_window(WRITE)) == (7, 30.0)
    assert gov.is_confirmed(WRITE)


async def test_a_reservation_given_up_while_waiting_is_dropped(time_: FakeTime) -> None:
    store = Store(reservation(wait=50.0))
    gov = governed(time_, store)
    with anyio.move_on_after(0):
        await gov.acquire(WRITE)
    assert [(n.kind, n.slot_id) for n in store.notes] == [("dropped", "abc:1")]


async def test_a_released_slot_tells_the_store_its_answer_arrived(time_: FakeTime) -> None:
    store = Store(reservation())
    gov = governed(time_, store)
    slot = await gov.acquire_slot(WRITE)
    gov.release(slot, snapshot=RateLimitSnapshot(limit=20, remaining=3, bucket=WRITE))
    assert [(n.kind, n.slot_id) for n in store.notes] == [("headers", None), ("answered", "abc:1")]


def test_a_pause_reaches_the_store_bounded(time_: FakeTime) -> None:
    store = Store(None)
    governed(time_, store).pause(WRITE, math.inf)
    assert [(n.kind, n.seconds) for n in store.notes] == [("pause", RateLimits().max_pause)]


async def test_a_pause_learnt_while_waiting_for_the_reservation_is_waited_out(
    time_: FakeTime,
) -> None:
    clock_sleep = time_.sleep

    async def sleep_then_get_a_429(seconds: float) -> None:
        await clock_sleep(seconds)
        if len(time_.sleeps) == 1:
            gov.pause(WRITE, 10.0)

    time_.sleep = sleep_then_get_a_429  # type: ignore[method-assign]
    gov = governed(time_, Store(reservation(wait=5.0)))
    assert await gov.acquire(WRITE) is not None
    assert time_.sleeps == [5.0, 10.0]


async def test_a_reservation_that_a_pause_pushes_past_max_wait_is_dropped(
    time_: FakeTime,
) -> None:
    store = Store(reservation(wait=5.0))
    clock_sleep = time_.sleep

    async def sleep_then_get_a_429(seconds: float) -> None:
        await clock_sleep(seconds)
        gov.pause(WRITE, 30.0)

    time_.sleep = sleep_then_get_a_429  # type: ignore[method-assign]
    gov = governed(time_, store)
    assert await gov.acquire(WRITE, max_wait=20.0) is None
    assert [n.kind for n in store.notes] == ["pause", "dropped"]
