"""Transport events and the context-local listener that receives them."""

from __future__ import annotations

import anyio

from oec_async import RateLimitWait, RetryScheduled, TransportEvent, listening
from oec_async._events import emit

RETRY = RetryScheduled(method="GET", path="/x", attempt=1, delay=0.5, reason="503")
WAIT = RateLimitWait(bucket="read", delay=2.0, reason="budget")


def test_events_reach_the_listener_of_the_context() -> None:
    got: list[TransportEvent] = []
    with listening(got.append):
        emit(RETRY)
        emit(WAIT)
    assert got == [RETRY, WAIT]


def test_events_outside_any_listener_go_nowhere() -> None:
    got: list[TransportEvent] = []
    with listening(got.append):
        pass
    emit(RETRY)
    assert got == []


def test_an_inner_listener_replaces_the_outer_one_until_it_ends() -> None:
    outer: list[TransportEvent] = []
    inner: list[TransportEvent] = []
    with listening(outer.append):
        with listening(inner.append):
            emit(RETRY)
        emit(WAIT)
    assert inner == [RETRY]
    assert outer == [WAIT]


async def test_tasks_started_inside_report_to_the_listener() -> None:
    got: list[TransportEvent] = []

    async def worker() -> None:
        emit(RETRY)

    with listening(got.append):
        async with anyio.create_task_group() as tg:
            tg.start_soon(worker)
            tg.start_soon(worker)
    assert got == [RETRY, RETRY]


async def test_concurrent_contexts_keep_their_own_listeners() -> None:
    first: list[TransportEvent] = []
    second: list[TransportEvent] = []

    async def run(sink: list[TransportEvent], event: TransportEvent) -> None:
        with listening(sink.append):
            await anyio.lowlevel.checkpoint()
            emit(event)

    async with anyio.create_task_group() as tg:
        tg.start_soon(run, first, RETRY)
        tg.start_soon(run, second, WAIT)
    assert first == [RETRY]
    assert second == [WAIT]


def test_events_are_frozen_values() -> None:
    assert RetryScheduled(method="GET", path="/x", attempt=1, delay=0.5, reason="503") == RETRY
