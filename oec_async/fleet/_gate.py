"""Whether, and when, an environment's action may be sent: stop, pause, and the write probe.

``StartGate`` is the one owner of those facts; the engine tells it to stop, pause or resume,
and every worker asks it for a write slot before sending.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio

from .._ratelimit import WRITE, RateGovernor, Slot

__all__ = ["StartGate"]


class StartGate:
    """The gate every action passes before it is sent.

    Args:
        governor: The client's rate governor (write slots come from it).
        all_sent: Called when no action waits to be sent any more.
    """

    def __init__(self, governor: RateGovernor, *, all_sent: Callable[[], None]) -> None:
        self._governor = governor
        self._all_sent = all_sent
        self.stopped = False
        """No further action may be sent (a stop, a halt, a failure budget)."""
        self.waiting = 0
        """Actions waiting at the gate (for a resume, the probe or a write slot)."""
        self._scopes: set[anyio.CancelScope] = set()
        self._resumed: anyio.Event | None = None
        self._probe_lock = anyio.Lock()
        self._probe_owner: anyio.TaskInfo | None = None
        self._probe_done = False

    # -- stop, pause, resume --------------------------------------------------------------------
    def stop(self) -> None:
        """Let nothing through any more; whoever waits at the gate is let go at once."""
        self.stopped = True
        for scope in list(self._scopes):
            scope.cancel()

    @property
    def paused(self) -> bool:
        """Whether the gate is paused."""
        return self._resumed is not None

    def pause(self) -> bool:
        """Let nothing through until :meth:`resume`; return whether this paused it."""
        if self._resumed is not None or self.stopped:
            return False
        self._resumed = anyio.Event()
        return True

    def resume(self) -> bool:
        """Open again after :meth:`pause`; return whether it was paused."""
        if self._resumed is None:
            return False
        self._resumed.set()
        self._resumed = None
        return True

    async def wait_to_start(self) -> None:
        """Wait while paused (a stop lets the waiter go)."""
        with anyio.CancelScope() as scope:
            self._scopes.add(scope)
            try:
                await self._while_paused()
            finally:
                self._scopes.discard(scope)

    async def _while_paused(self) -> None:
        while self._resumed is not None and not self.stopped:
            await self._resumed.wait()

    # -- the write slot ---------------------------------------------------------------------------
    async def take_slot(self) -> Slot | None:
        """Wait for a write slot and take it; ``None`` when the gate stopped meanwhile.

        Until a response has confirmed the write budget with its headers, one action goes out
        at a time: a server whose budget is smaller than the configured one is learned from
        the first answer instead of from a burst of 429s.
        """
        holding = False
        slot: Slot | None = None
        self.waiting += 1
        with anyio.CancelScope() as scope:
            self._scopes.add(scope)
            try:
                await self._while_paused()
                if not self.stopped:
                    if self._needs_probe():
                        await self._probe_lock.acquire()
                        holding = True
                        if not self._needs_probe():
                            self._probe_lock.release()
                            holding = False
                    slot = await self._governor.acquire_slot(WRITE)
            except BaseException:
                if holding:
                    self._probe_lock.release()
                    holding = False
                raise
            finally:
                self._scopes.discard(scope)
                self.waiting -= 1
                if not self.waiting:
                    self._all_sent()
        if scope.cancelled_caught or self.stopped or slot is None:
            if holding:
                self._probe_lock.release()
            return None
        if holding:
            self._probe_owner = anyio.get_current_task()
        return slot

    def sent(self) -> None:
        """The action answered (or failed): the probe, if this was it, is over."""
        owner = self._probe_owner
        if owner is not None and owner == anyio.get_current_task():
            self._probe_owner = None
            self._probe_done = True  # the budget is as known as it will get
            self._probe_lock.release()

    def _needs_probe(self) -> bool:
        governor = self._governor
        return governor.limits.enabled and not self._probe_done and not governor.is_confirmed(WRITE)
