"""Waiting on tasks: the pure poll-delay and change rules, and the watcher that polls.

A waiter sleeps between polls through :class:`TaskSignals`, so something that learns of a
task's end by another way (a webhook push) can wake it at once instead of after the interval.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Final, Self
from uuid import UUID

import anyio
import anyio.lowlevel

from ._config import PollPolicy
from ._exceptions import WaitTimeoutError
from ._models import Deployment
from ._retry import backoff

__all__ = ["DeploymentWatcher", "TaskSignals", "has_changed", "poll_delay"]

# News about a task nobody sleeps on is kept this long (seconds), for this many tasks at most.
_PENDING_TTL: Final = 60.0
_PENDING_MAX: Final = 4096


def poll_delay(poll_number: int, policy: PollPolicy, rand: random.Random | None = None) -> float:
    """The wait after poll number ``poll_number`` (0-based), within ``[0, policy.max_interval]``."""
    return backoff(
        poll_number,
        initial=policy.initial_interval,
        multiplier=policy.multiplier,
        cap=policy.max_interval,
        jitter=policy.jitter,
        rand=rand,
    )


def has_changed(previous: Deployment | None, current: Deployment) -> bool:
    """Whether a poll shows something a watcher reports: status, progress or step."""
    if previous is None:
        return True
    return (
        previous.status != current.status
        or previous.progress_percent != current.progress_percent
        or previous.current_step != current.current_step
    )


class TaskSignals:
    """Lets a waiter's sleep be cut short when news about its task arrives.

    News that arrives while nobody sleeps on the task (the waiter is in the middle of a poll)
    is kept for a while, so the waiter's next sleep returns at once instead of missing it.

    Args:
        sleep: The client's sleep (its time seam); ``None`` sleeps on the event loop's clock.
        clock: The client's monotonic clock; ``None`` reads the event loop's.
    """

    def __init__(
        self,
        *,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._sleep = sleep
        self._clock = clock or anyio.current_time
        self._events: dict[UUID, anyio.Event] = {}
        self._sleepers: dict[UUID, int] = {}
        self._pending: OrderedDict[UUID, float] = OrderedDict()

    async def sleep(self, task_id: UUID, seconds: float) -> None:
        """Sleep up to ``seconds``, less if :meth:`notify` is (or just was) called for ``task_id``."""
        noticed = self._pending.pop(task_id, None)
        if noticed is not None and self._clock() - noticed <= _PENDING_TTL:
            await anyio.lowlevel.checkpoint()
            return
        event = self._events.get(task_id)
        if event is None:
            event = self._events[task_id] = anyio.Event()
        self._sleepers[task_id] = self._sleepers.get(task_id, 0) + 1
        try:
            if self._sleep is None:
                with anyio.move_on_after(seconds):
                    await event.wait()
            else:
                await self._sleep_or_wake(event, seconds, self._sleep)
        finally:
            left = self._sleepers[task_id] - 1
            if left:
                self._sleepers[task_id] = left
            else:
                del self._sleepers[task_id]
                if self._events.get(task_id) is event:
                    del self._events[task_id]

    @staticmethod
    async def _sleep_or_wake(
        event: anyio.Event, seconds: float, sleep: Callable[[float], Awaitable[None]]
    ) -> None:
        async with anyio.create_task_group() as tg:

            async def wake() -> None:
                await event.wait()
                tg.cancel_scope.cancel()

            tg.start_soon(wake)
            await sleep(seconds)
            tg.cancel_scope.cancel()

    def notify(self, task_id: UUID) -> None:
        """Wake every waiter of ``task_id`` now (they poll at once)."""
        event = self._events.pop(task_id, None)
        if event is not None:
            event.set()
            return
        self._pending[task_id] = self._clock()
        self._pending.move_to_end(task_id)
        while len(self._pending) > _PENDING_MAX:
            self._pending.popitem(last=False)

    @property
    def sleeping(self) -> int:
        """How many waiters are asleep right now (for tests and diagnostics)."""
        return sum(self._sleepers.values())


class DeploymentWatcher:
    """Polls a task until it is terminal, yielding each Deployment that shows a change.

    A class rather than an async generator: a deadline scope is never held across a ``yield``.
    """

    def __init__(
        self,
        fetch: Callable[[], Awaitable[Deployment]],
        task_id: UUID,
        *,
        policy: PollPolicy,
        timeout: float | None,
        signals: TaskSignals,
        changes_only: bool = True,
    ) -> None:
        self._fetch = fetch
        self._task_id = task_id
        self._policy = policy
        self._timeout = timeout
        self._signals = signals
        self._changes_only = changes_only
        self._deadline: float | None = None
        self._polls = 0
        self.last: Deployment | None = None
        self._finished = False

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Deployment:
        if self._finished:
            raise StopAsyncIteration
        if self._deadline is None and self._timeout is not None:
            self._deadline = anyio.current_time() + self._timeout
        while True:
            current = await self._within_deadline(self._poll_once)
            changed = has_changed(self.last, current)
            self.last = current
            if current.is_terminal:
                self._finished = True
                return current
            if changed or not self._changes_only:
                return current

    async def _poll_once(self) -> Deployment:
        if self._polls:
            delay = poll_delay(self._polls - 1, self._policy)
            await self._signals.sleep(self._task_id, delay)
        self._polls += 1
        return await self._fetch()

    async def _within_deadline(self, step: Callable[[], Awaitable[Deployment]]) -> Deployment:
        if self._deadline is None:
            return await step()
        remaining = self._deadline - anyio.current_time()
        timeout = self._timeout or 0.0
        if remaining <= 0:
            self._finished = True
            raise WaitTimeoutError(str(self._task_id), timeout, self.last)
        try:
            with anyio.fail_after(remaining):
                return await step()
        except TimeoutError:
            self._finished = True
            raise WaitTimeoutError(str(self._task_id), timeout, self.last) from None
