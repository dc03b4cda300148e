"""Events: the client's listeners, the context's stacked listeners, and the send path's events."""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio
import pytest
from aioresponses import aioresponses
from support import API_KEY, BASE_URL, ENV_ID, action_json, url

from oec_async import (
    AttemptFinished,
    AttemptStarted,
    CallFinished,
    CallStarted,
    Client,
    Event,
    NotFoundError,
    RateLimits,
    RateLimitWait,
    RetryPolicy,
    RetryScheduled,
    TransportEvent,
    listening,
)
from oec_async._events import emit
from oec_async.testing import FakeOEC, RateLimitConfig

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


def test_an_inner_listener_stacks_on_the_outer_one() -> None:
    outer: list[TransportEvent] = []
    inner: list[TransportEvent] = []
    with listening(outer.append):
        with listening(inner.append):
            emit(RETRY)
        emit(WAIT)
    assert inner == [RETRY]
    assert outer == [RETRY, WAIT]


def test_a_raising_listener_is_logged_and_the_others_still_get_the_event(
    caplog: pytest.LogCaptureFixture,
) -> None:
    got: list[Event] = []

    def broken(_: Event) -> None:
        raise RuntimeError("listener bug")

    with listening(broken), listening(got.append), caplog.at_level(logging.ERROR, "oec_async"):
        emit(RETRY)
    assert got == [RETRY]
    assert "listener" in caplog.text
    assert "listener bug" in caplog.text


def test_every_event_is_an_event() -> None:
    assert isinstance(RETRY, Event)
    assert isinstance(WAIT, Event)


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


def test_client_listeners_get_events_before_the_context_listeners() -> None:
    order: list[str] = []
    client = Client(API_KEY, base_url=BASE_URL, event_hooks=[lambda _: order.append("hook")])
    client.add_listener(lambda _: order.append("added"))
    with listening(lambda _: order.append("context")):
        client._emit(RETRY)
    assert order == ["hook", "added", "context"]


def test_a_removed_listener_gets_nothing_more() -> None:
    got: list[Event] = []
    client = Client(API_KEY, base_url=BASE_URL)
    client.add_listener(got.append)
    client.remove_listener(got.append)
    client._emit(RETRY)
    assert got == []


def test_removing_an_unknown_listener_is_a_value_error() -> None:
    client = Client(API_KEY, base_url=BASE_URL)
    with pytest.raises(ValueError, match="not registered"):
        client.remove_listener(print)


def test_views_share_the_listeners_of_their_client() -> None:
    got: list[Event] = []
    client = Client(API_KEY, base_url=BASE_URL)
    view = client.with_options(timeout=5)
    view.add_listener(got.append)
    client._emit(RETRY)
    assert got == [RETRY]


async def test_a_request_reports_its_call_and_attempt_with_the_route(
    client: Client, mocked: aioresponses
) -> None:
    got: list[Event] = []
    client.add_listener(got.append)
    mocked.post(url(f"/environments/{ENV_ID}/deploy"), status=202, payload=action_json())
    await client.environments.deploy(ENV_ID)
    started, attempt, finished_attempt, finished = got
    route = "/environments/{environment_id}/deploy"
    assert isinstance(started, CallStarted)
    assert (started.method, started.route) == ("POST", route)
    assert started.path == f"/environments/{ENV_ID}/deploy"
    assert isinstance(attempt, AttemptStarted)
    assert (attempt.call_id, attempt.attempt, attempt.route) == (started.call_id, 0, route)
    assert isinstance(finished_attempt, AttemptFinished)
    assert (finished_attempt.status, finished_attempt.error) == (202, None)
    assert isinstance(finished, CallFinished)
    assert (finished.status, finished.attempts, finished.error) == (202, 1, None)


async def test_a_retried_request_reports_each_attempt_and_the_retry(
    client: Client, mocked: aioresponses
) -> None:
    got: list[Event] = []
    client.add_listener(got.append)
    mocked.get(url(f"/environments/{ENV_ID}"), status=503)
    mocked.get(url(f"/environments/{ENV_ID}"), status=404, payload={"detail": "gone"})
    with pytest.raises(NotFoundError) as raised:
        await client.environments.get(ENV_ID)
    kinds = [type(e).__name__ for e in got]
    assert kinds == [
        "CallStarted",
        "AttemptStarted",
        "AttemptFinished",
        "RetryScheduled",
        "AttemptStarted",
        "AttemptFinished",
        "CallFinished",
    ]
    retry = got[3]
    assert isinstance(retry, RetryScheduled)
    assert retry.call_id == got[0].call_id  # type: ignore[attr-defined]
    finished = got[-1]
    assert isinstance(finished, CallFinished)
    assert (finished.status, finished.attempts, finished.error) == (404, 2, raised.value)


async def test_a_listener_around_a_fleet_on_a_tight_budget_receives_its_rate_limit_waits() -> None:
    server = RateLimitConfig(window=0.3, writes_per_window=10, reads_per_window=200)
    budget = RateLimits(writes_per_window=10, reads_per_window=200, window=0.3)
    client_waits: list[RateLimitWait] = []
    context_waits: list[RateLimitWait] = []

    def keep(sink: list[RateLimitWait]) -> Callable[[Event], None]:
        return lambda event: sink.append(event) if isinstance(event, RateLimitWait) else None

    async with (
        FakeOEC(
            environments=30, task_duration=0.05, rate_limits=server, stopped_fraction=0.0
        ) as fake,
        fake.client(
            rate_limits=budget,
            retry=RetryPolicy(max_retries=8, initial_backoff=0.005, max_backoff=0.02),
            event_hooks=[keep(client_waits)],
        ) as client,
    ):
        with anyio.fail_after(30), listening(keep(context_waits)):
            report = await client.fleet.deploy(fake.environment_ids, max_parallel=30)
    assert report.ok, report.summary()
    assert any(w.bucket == "write" for w in client_waits)
    assert any(w.bucket == "write" for w in context_waits)


async def test_fleet_events_reach_the_client_listeners_without_on_event() -> None:
    from oec_async import FleetEnvironmentFinished, FleetRunFinished, FleetRunStarted

    seen: list[Event] = []
    async with (
        FakeOEC(environments=3, task_duration=0.05, stopped_fraction=0.0) as fake,
        fake.client(event_hooks=[seen.append]) as client,
    ):
        await client.fleet.deploy(fake.environment_ids)
    kinds = [type(event) for event in seen]
    assert kinds.count(FleetRunStarted) == 1
    assert kinds.count(FleetEnvironmentFinished) == 3
    assert kinds.count(FleetRunFinished) == 1
