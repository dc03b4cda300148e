"""Waiting on tasks: the poll-delay and change rules, early wake-ups, and the watcher."""

from __future__ import annotations

import random
from collections.abc import Iterable
from uuid import UUID

import anyio
import pytest

from oec_async import Deployment, DeploymentWatcher, PollPolicy, TaskStatus, WaitTimeoutError
from oec_async._polling import TaskSignals, has_changed, poll_delay

TASK = UUID("00000000-0000-4000-8000-000000000005")
INSTANT = PollPolicy(initial_interval=0.0, max_interval=0.0, jitter=0.0)


def dep(
    status: str = "running", progress: float | None = None, step: str | None = None
) -> Deployment:
    return Deployment(
        id=TASK, status=TaskStatus(status), progress_percent=progress, current_step=step
    )


class Polls:
    """Serves a scripted sequence of task states, repeating the last one."""

    def __init__(self, states: Iterable[Deployment]) -> None:
        self.states = list(states)
        self.count = 0

    async def __call__(self) -> Deployment:
        state = self.states[min(self.count, len(self.states) - 1)]
        self.count += 1
        return state


def watcher(
    fetch: Polls, *, timeout: float | None = None, changes_only: bool = True
) -> DeploymentWatcher:
    return DeploymentWatcher(
        fetch,
        TASK,
        policy=INSTANT,
        timeout=timeout,
        signals=TaskSignals(),
        changes_only=changes_only,
    )


# --- poll_delay ------------------------------------------------------------------------------


@pytest.mark.parametrize("poll", [0, 1, 3, 10, 64, 65, 10**6])
@pytest.mark.parametrize("seed", range(3))
def test_poll_delay_is_within_zero_and_the_max_interval(poll: int, seed: int) -> None:
    policy = PollPolicy(initial_interval=1.0, multiplier=1.5, max_interval=10.0, jitter=1.0)
    assert 0.0 <= poll_delay(poll, policy, random.Random(seed)) <= 10.0


def test_poll_delay_without_jitter_grows_to_the_cap() -> None:
    policy = PollPolicy(initial_interval=1.0, multiplier=2.0, max_interval=5.0, jitter=0.0)
    assert [poll_delay(n, policy) for n in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_poll_delay_jitter_only_shortens_the_interval() -> None:
    policy = PollPolicy(initial_interval=2.0, multiplier=1.0, max_interval=10.0, jitter=0.25)
    rand = random.Random(7)
    delays = [poll_delay(0, policy, rand) for _ in range(200)]
    assert all(1.5 <= d <= 2.0 for d in delays)


def test_a_slowly_growing_poll_interval_reaches_the_cap() -> None:
    policy = PollPolicy(initial_interval=1.0, multiplier=1.01, max_interval=10.0, jitter=0.0)
    assert poll_delay(5_000, policy) == 10.0


# --- has_changed -----------------------------------------------------------------------------


def test_the_first_poll_is_always_a_change() -> None:
    assert has_changed(None, dep())


def test_an_identical_poll_is_not_a_change() -> None:
    assert not has_changed(dep("running", 40, "build"), dep("running", 40, "build"))


@pytest.mark.parametrize(
    "current",
    [dep("completed", 40, "build"), dep("running", 41, "build"), dep("running", 40, "test")],
    ids=["status", "progress", "step"],
)
def test_status_progress_or_step_is_a_change(current: Deployment) -> None:
    assert has_changed(dep("running", 40, "build"), current)


def test_other_fields_are_not_a_change() -> None:
    before = Deployment(id=TASK, status=TaskStatus.RUNNING, steps_completed=1)
    after = Deployment(id=TASK, status=TaskStatus.RUNNING, steps_completed=2)
    assert not has_changed(before, after)


# --- TaskSignals -----------------------------------------------------------------------------


async def test_a_notify_wakes_a_sleeping_waiter_at_once() -> None:
    signals = TaskSignals()
    with anyio.fail_after(5):  # the sleep asks for 60 s; only the notify can end it in time
        async with anyio.create_task_group() as tg:
            tg.start_soon(signals.sleep, TASK, 60.0)
            await anyio.wait_all_tasks_blocked()
            assert signals.sleeping == 1
            signals.notify(TASK)
    assert signals.sleeping == 0


async def test_a_notify_for_another_task_does_not_wake_the_waiter() -> None:
    signals = TaskSignals()
    other = UUID("00000000-0000-4000-8000-000000000099")
    async with anyio.create_task_group() as tg:
        tg.start_soon(signals.sleep, TASK, 60.0)
        await anyio.wait_all_tasks_blocked()
        signals.notify(other)
        await anyio.wait_all_tasks_blocked()
        assert signals.sleeping == 1
        tg.cancel_scope.cancel()
    assert signals.sleeping == 0


async def test_a_notify_with_nobody_waiting_is_harmless() -> None:
    signals = TaskSignals()
    signals.notify(TASK)
    await signals.sleep(TASK, 0.0)
    assert signals.sleeping == 0


async def test_a_notify_while_the_waiter_polls_makes_its_next_sleep_return_at_once() -> None:
    signals = TaskSignals()
    signals.notify(TASK)  # nobody asleep: the waiter is in the middle of a poll
    with anyio.fail_after(5):  # the sleep asks for 60 s; only the kept notice ends it in time
        await signals.sleep(TASK, 60.0)
    assert signals.sleeping == 0


async def test_a_kept_notice_is_used_once() -> None:
    signals = TaskSignals()
    signals.notify(TASK)
    await signals.sleep(TASK, 60.0)
    with anyio.move_on_after(0.05) as scope:
        await signals.sleep(TASK, 60.0)
    assert scope.cancelled_caught


async def test_a_notify_wakes_every_waiter_of_the_task() -> None:
    signals = TaskSignals()
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            for _ in range(3):
                tg.start_soon(signals.sleep, TASK, 60.0)
            await anyio.wait_all_tasks_blocked()
            assert signals.sleeping == 3
            signals.notify(TASK)


# --- DeploymentWatcher -----------------------------------------------------------------------


async def test_the_watcher_yields_only_changes_and_ends_at_the_terminal_one() -> None:
    fetch = Polls(
        [
            dep("queued"),
            dep("queued"),
            dep("running", 10, "pull"),
            dep("running", 10, "pull"),
            dep("running", 60, "build"),
            dep("completed", 100, "done"),
        ]
    )
    seen = [(d.status, d.progress_percent) async for d in watcher(fetch)]
    assert seen == [
        (TaskStatus.QUEUED, None),
        (TaskStatus.RUNNING, 10),
        (TaskStatus.RUNNING, 60),
        (TaskStatus.COMPLETED, 100),
    ]
    assert fetch.count == 6


async def test_the_watcher_yields_a_task_already_terminal_once() -> None:
    fetch = Polls([dep("failed")])
    assert [d.status async for d in watcher(fetch)] == [TaskStatus.FAILED]
    assert fetch.count == 1


async def test_the_terminal_poll_is_yielded_even_without_a_change_of_progress() -> None:
    fetch = Polls([dep("running", 100, "done"), dep("cancelled", 100, "done")])
    assert [d.status async for d in watcher(fetch)] == [TaskStatus.RUNNING, TaskStatus.CANCELLED]


async def test_an_unknown_status_keeps_the_watcher_polling() -> None:
    fetch = Polls([dep("rolling_back"), dep("completed")])
    assert [d.status async for d in watcher(fetch)] == ["rolling_back", TaskStatus.COMPLETED]


async def test_the_watcher_can_report_every_poll() -> None:
    fetch = Polls([dep("queued"), dep("queued"), dep("completed")])
    assert len([d async for d in watcher(fetch, changes_only=False)]) == 3


async def test_the_watcher_stays_finished_after_the_terminal_one() -> None:
    w = watcher(Polls([dep("completed")]))
    await anext(w)
    with pytest.raises(StopAsyncIteration):
        await anext(w)


async def test_the_watcher_remembers_the_last_deployment() -> None:
    w = watcher(Polls([dep("running", 5), dep("completed", 100)]))
    async for _ in w:
        pass
    assert w.last == dep("completed", 100)


async def test_the_deadline_raises_wait_timeout_with_the_last_deployment() -> None:
    fetch = Polls([dep("running", 40, "build")])
    w = DeploymentWatcher(
        fetch,
        TASK,
        policy=PollPolicy(initial_interval=0.01, max_interval=0.01, jitter=0.0),
        timeout=0.05,
        signals=TaskSignals(),
    )
    with pytest.raises(WaitTimeoutError) as caught:
        async for _ in w:
            pass
    assert caught.value.last == dep("running", 40, "build")
    assert caught.value.timeout == 0.05
    assert caught.value.task_id == str(TASK)


async def test_a_poll_that_hangs_past_the_deadline_times_out() -> None:
    async def hang() -> Deployment:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    w = DeploymentWatcher(hang, TASK, policy=INSTANT, timeout=0.05, signals=TaskSignals())
    with pytest.raises(WaitTimeoutError) as caught:
        await anext(w)
    assert caught.value.last is None


async def test_the_watcher_ends_after_a_timeout() -> None:
    async def hang() -> Deployment:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    w = DeploymentWatcher(hang, TASK, policy=INSTANT, timeout=0.02, signals=TaskSignals())
    with pytest.raises(WaitTimeoutError):
        await anext(w)
    with pytest.raises(StopAsyncIteration):
        await anext(w)


async def test_a_notify_cuts_the_poll_interval_short() -> None:
    signals = TaskSignals()
    fetch = Polls([dep("running"), dep("completed")])
    w = DeploymentWatcher(
        fetch,
        TASK,
        policy=PollPolicy(initial_interval=60.0, max_interval=60.0, jitter=0.0),
        timeout=None,
        signals=signals,
    )
    assert (await anext(w)).status is TaskStatus.RUNNING
    with anyio.fail_after(5):  # the interval is 60 s; only the notify can end it in time
        async with anyio.create_task_group() as tg:

            async def notify_when_asleep() -> None:
                await anyio.wait_all_tasks_blocked()
                signals.notify(TASK)

            tg.start_soon(notify_when_asleep)
            assert (await anext(w)).status is TaskStatus.COMPLETED
