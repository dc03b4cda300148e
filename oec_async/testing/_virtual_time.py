"""Virtual time: an asyncio event loop that jumps over idle waits instead of sleeping through them.

Nothing in the SDK or the fake needs to know: every sleep, poll interval, retry backoff, timeout
and ``anyio.current_time()`` reads the loop's clock, and a fake on a `LoopClock` reads it too. When
no callback is ready and no socket has data, the loop moves its clock to the next timer at once,
so a fleet that waits 10 minutes for its tasks finishes in the CPU time its requests cost.

Built on public asyncio API only: ``SelectorEventLoop(selector)`` with a selector that never
blocks while a timer is pending, and an overridden ``time()``. (The ``looptime`` plugin does the
same inside pytest-asyncio's loops; with pytest-asyncio 1.5 on Python 3.11 it left an event loop
unclosed, which a suite that turns warnings into errors cannot accept.)
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import selectors
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple

if TYPE_CHECKING:
    from _typeshed import FileDescriptorLike

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class _Clock:
    """The loop's virtual time, and the work it must not jump over."""

    def __init__(self) -> None:
        self.now = 0.0
        self.executor_jobs = 0


class _FastForwardSelector(selectors.BaseSelector):
    """The platform's selector, except that a wait for the next timer takes no time at all."""

    def __init__(self, clock: _Clock) -> None:
        self._inner = selectors.DefaultSelector()
        self._clock = clock

    def register(
        self, fileobj: FileDescriptorLike, events: int, data: Any = None
    ) -> selectors.SelectorKey:
        return self._inner.register(fileobj, events, data)

    def unregister(self, fileobj: FileDescriptorLike) -> selectors.SelectorKey:
        return self._inner.unregister(fileobj)

    def modify(
        self, fileobj: FileDescriptorLike, events: int, data: Any = None
    ) -> selectors.SelectorKey:
        return self._inner.modify(fileobj, events, data)

    def get_map(self) -> Mapping[FileDescriptorLike, selectors.SelectorKey]:
        return self._inner.get_map()

    def close(self) -> None:
        self._inner.close()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._inner.select(0)
        if ready or (timeout is not None and timeout <= 0):
            return ready
        # No timer at all, or a thread still working for the loop: wait for real, since the
        # answer comes from outside and jumping ahead would fire timeouts before it.
        if timeout is None or self._clock.executor_jobs:
            return self._inner.select(timeout)
        self._clock.now += timeout
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock starts at 0 and skips every idle wait.

    Sockets (a `FakeOEC` in the same loop, on 127.0.0.1) and threads (``run_in_executor``) work
    as usual and take no loop time; sleeps, timeouts and ``call_later`` take no wall time.
    """

    def __init__(self) -> None:
        """Create the loop (use it through `run_in_virtual_time` or ``asyncio.Runner``)."""
        self._virtual = _Clock()
        super().__init__(_FastForwardSelector(self._virtual))

    def time(self) -> float:
        """Return the loop's virtual time in seconds."""
        return self._virtual.now

    def call_at(
        self,
        when: float,
        callback: Callable[[*Ts], object],
        *args: *Ts,
        context: contextvars.Context | None = None,
    ) -> asyncio.TimerHandle:
        """Schedule `callback` at loop time `when`, strictly after now.

        A wait shorter than the clock's last digit (a rate budget's float remainder, say) would
        land on the current time: the loop would run it at once without moving its clock, and a
        caller that waits again for the same remainder would spin for ever.
        """
        when = max(when, math.nextafter(self._virtual.now, math.inf))
        return super().call_at(when, callback, *args, context=context)

    def run_in_executor(
        self, executor: Executor | None, func: Callable[[*Ts], T], *args: *Ts
    ) -> asyncio.Future[T]:
        """Run `func` in a thread, holding the clock still until it is done."""
        future = super().run_in_executor(executor, func, *args)
        self._virtual.executor_jobs += 1
        future.add_done_callback(self._job_done)
        return future

    def _job_done(self, _: asyncio.Future[Any]) -> None:
        self._virtual.executor_jobs -= 1


def run_in_virtual_time(main: Callable[[], Awaitable[T]], *, debug: bool | None = None) -> T:
    """Run ``main()`` to completion on a fresh `VirtualTimeLoop` and return its result.

    For tests of long scenarios (a fleet of hundreds of environments, bakes, backoffs): build the
    `FakeOEC` inside `main` with ``clock=LoopClock()`` so the fake's tasks age with the loop.

    Example::

        def test_a_big_fleet() -> None:
            async def scenario() -> FleetReport:
                async with (
                    FakeOEC(environments=500, task_duration=60, clock=LoopClock()) as fake,
                    fake.client() as client,
                ):
                    return await client.fleet.deploy(fake.environment_ids)

            report = run_in_virtual_time(scenario)   # ~10 virtual minutes, a second or two

    Args:
        main: An async function taking no arguments.
        debug: asyncio debug mode (None: from ``PYTHONASYNCIODEBUG``).
    """

    async def run() -> T:
        return await main()

    with asyncio.Runner(debug=debug, loop_factory=VirtualTimeLoop) as runner:
        return runner.run(run())
