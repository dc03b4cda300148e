"""The rate governor: one per client, pacing every request to the key's read and write budgets.

Each bucket keeps the send times of the last window (a sliding log). A sliding window of
``limit`` sends never puts more than ``limit`` sends in any fixed window either, so pacing to it
keeps the server's per-minute counter under its limit. The server counts a request when it
arrives, which can be well after its slot was taken (a burst queues in the connection pool and
the event loop), so a slot moves to the moment its answer comes back
(:meth:`RateGovernor.release`): by then the server has counted it, and the slot stays in the
log a full window after that. The budget is corrected from the ``X-RateLimit-*`` headers, and a
429 pauses the whole bucket: every request of the client waits once, together, instead of each
task backing off on its own.

Schedulers that choose *what* to send next (the fleet's central poller) ask how much budget is
free before committing to a request (:meth:`RateGovernor.available`,
:meth:`RateGovernor.delay_for`), and a caller that has waited for its slot itself hands it to the
send path as a value (``client._with_slot(slot)``), so the send is counted once.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Final

import anyio

from ._config import RateLimits
from ._events import Event, RateLimitWait, emit as emit_to_context
from ._models import RateLimitSnapshot

__all__ = ["READ", "WRITE", "RateGovernor", "Slot", "bucket_for"]

READ: Final = "read"
WRITE: Final = "write"
_READ_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_LIMIT: Final = 100_000  # no API budget is larger; anything above is treated as this


class Slot:
    """A send counted by :meth:`RateGovernor.acquire`, handed back with :meth:`RateGovernor.release`.

    Attributes:
        bucket: The budget it was taken from.
        taken_at: The governor's clock when it was counted (``None`` when nothing was counted
            because pacing is off).
    """

    __slots__ = ("bucket", "taken_at")

    def __init__(self, bucket: str, taken_at: float | None) -> None:
        self.bucket = bucket
        self.taken_at = taken_at


def bucket_for(method: str) -> str:
    """The budget a request counts against: reads are GETs, everything else writes."""
    return READ if method in _READ_METHODS else WRITE


class _Bucket:
    __slots__ = ("blocked_until", "confirmed", "limit", "lock", "sends", "window")

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.sends: deque[float] = deque()
        self.blocked_until = 0.0
        self.lock = anyio.Lock()
        self.confirmed = False

    def delay(self, now: float, pacing: bool, margin: float, slots: int = 1) -> float:
        """Seconds before ``slots`` sends may go out; 0 means now (nothing is recorded)."""
        if now < self.blocked_until:
            return self.blocked_until - now
        if not pacing:
            return 0.0
        horizon = now - self.window - margin
        sends = self.sends
        while sends and sends[0] <= horizon:
            sends.popleft()
        excess = len(sends) + slots - self.limit
        if excess <= 0:
            return 0.0
        if excess > len(sends):  # more slots than a whole window holds: one window at least
            return (sends[-1] - horizon) if sends else self.window + margin
        return sends[excess - 1] - horizon

    def record(self, now: float, pacing: bool) -> float | None:
        """Count a send at ``now`` (nothing when not pacing: the log would only grow)."""
        if not pacing:
            return None
        self.sends.append(now)
        return now

    def free(self, now: float, pacing: bool, margin: float) -> float:
        """How many sends could go out right now."""
        if now < self.blocked_until:
            return 0
        if not pacing:
            return math.inf
        self.delay(now, pacing, margin)  # prunes expired sends
        return max(0, self.limit - len(self.sends))


class RateGovernor:
    """Paces requests to the read and write budgets and pauses a bucket after a 429.

    Args:
        limits: The budget; ``limits.enabled=False`` switches pacing off (a 429 still pauses).
        emit: Where its events go (the client's ``_emit``); the context's listeners otherwise.
        clock: Monotonic seconds (injectable for tests).
        sleep: The sleep to use (injectable for tests).
    """

    def __init__(
        self,
        limits: RateLimits,
        *,
        emit: Callable[[Event], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.limits = limits
        self._emit = emit or emit_to_context
        self._clock = clock
        self._sleep = sleep
        self._buckets = {
            READ: _Bucket(limits.reads_per_window, limits.window),
            WRITE: _Bucket(limits.writes_per_window, limits.window),
        }

    def bucket_limit(self, bucket: str) -> int:
        """The current limit of ``bucket`` (after corrections from headers)."""
        return self._buckets[bucket].limit

    def sent_in_window(self, bucket: str) -> int:
        """How many sends of ``bucket`` the governor counts in the current window."""
        state = self._buckets[bucket]
        state.delay(self._clock(), True, self.limits.safety_margin)  # prunes expired sends
        return len(state.sends)

    def paused_for(self, bucket: str) -> float:
        """Seconds left on a 429 pause of ``bucket`` (0 when not paused)."""
        return max(0.0, self._buckets[bucket].blocked_until - self._clock())

    def bucket_window(self, bucket: str) -> float:
        """The current window of ``bucket`` in seconds (after corrections from headers)."""
        return self._buckets[bucket].window

    def is_confirmed(self, bucket: str) -> bool:
        """Whether a response's ``X-RateLimit-*`` headers have confirmed ``bucket``'s budget."""
        return self._buckets[bucket].confirmed

    def available(self, bucket: str) -> float:
        """How many requests of ``bucket`` could be sent right now (``inf`` when not pacing).

        Nothing is counted: a scheduler uses it to decide what to send before sending it.
        """
        return self._buckets[bucket].free(
            self._clock(), self.limits.enabled, self.limits.safety_margin
        )

    def delay_for(self, bucket: str, slots: int = 1) -> float:
        """Seconds until ``slots`` requests of ``bucket`` could go out (0: now). Nothing is counted."""
        state = self._buckets[bucket]
        return state.delay(self._clock(), self.limits.enabled, self.limits.safety_margin, slots)

    def background_delay(self, bucket: str, keep_free: float = 0.1) -> float:
        """Seconds before a background request of ``bucket`` may go (0: now). Nothing is counted.

        A background scheduler (the fleet's poller) leaves ``keep_free`` of the budget to the
        caller's own requests: it waits while fewer slots than that are free.
        """
        paused = self.paused_for(bucket)
        if paused > 0 or not self.limits.enabled:
            return paused
        reserve = int(self.bucket_limit(bucket) * keep_free)
        if self.available(bucket) > reserve:
            return 0.0
        return max(self.delay_for(bucket, reserve + 1), 0.001)

    async def acquire_slot(self, bucket: str) -> Slot:
        """Wait as long as needed for a slot of ``bucket`` and count it (fleet scheduling)."""
        slot = await self.acquire(bucket)
        assert slot is not None  # no max_wait: acquire waits as long as it takes
        return slot

    async def acquire(self, bucket: str, *, max_wait: float = math.inf) -> Slot | None:
        """Wait until a request of ``bucket`` may be sent, and count it as sent.

        Args:
            bucket: ``"read"`` or ``"write"``.
            max_wait: The longest this call may wait, in seconds.

        Returns:
            The slot, to hand to :meth:`release` once the request is answered; ``None``,
            taking nothing, when the wait would exceed ``max_wait`` (the caller raises).
        """
        state = self._buckets[bucket]
        pacing = self.limits.enabled
        margin = self.limits.safety_margin
        if not state.lock.locked():
            # Fast path: nobody queued and a slot free now.
            now = self._clock()
            if state.delay(now, pacing, margin) == 0.0:
                return Slot(bucket, state.record(now, pacing))
        started = self._clock()
        with anyio.move_on_after(max_wait if math.isfinite(max_wait) else None):
            async with state.lock:  # FIFO: waiters are served in arrival order
                while True:
                    now = self._clock()
                    wait = state.delay(now, pacing, margin)
                    if wait <= 0.0:
                        return Slot(bucket, state.record(now, pacing))
                    if now - started + wait > max_wait:
                        return None
                    reason = "429" if now < state.blocked_until else "budget"
                    self._emit(RateLimitWait(bucket=bucket, delay=wait, reason=reason))
                    await self._sleep(wait)
        return None  # the queue ahead of it took longer than max_wait

    def release(self, slot: Slot, *, snapshot: RateLimitSnapshot | None = None) -> None:
        """The request sent with ``slot`` was answered (or failed, or was cancelled).

        The slot moves to now: the server has counted the request by the time its answer
        arrives, and counting it from its arrival rather than from when the slot was taken
        keeps a late burst from sharing a server window with the next one.

        Args:
            slot: The slot :meth:`acquire` gave.
            snapshot: The answer's ``X-RateLimit-*`` headers, to correct the budget from.
        """
        taken_at = slot.taken_at
        if taken_at is not None:
            sends = self._buckets[slot.bucket].sends
            # The log is in time order and the slot is recent: look for it from the newest
            # end (a generous budget can hold many thousands of sends).
            for back, sent_at in enumerate(reversed(sends)):
                if sent_at == taken_at:
                    del sends[-1 - back]
                    break
                if sent_at < taken_at:
                    break  # not in the log: it expired while the request was in flight
            sends.append(self._clock())
        if snapshot is not None:
            self.observe(snapshot)

    def pause(self, bucket: str, seconds: float) -> None:
        """Hold every request of ``bucket`` for ``seconds`` (after a 429)."""
        state = self._buckets[bucket]
        state.blocked_until = max(state.blocked_until, self._clock() + seconds)

    def observe(self, snapshot: RateLimitSnapshot) -> None:
        """Correct the bucket's budget from a response's rate-limit headers."""
        if not self.limits.enabled:
            return
        state = self._buckets[snapshot.bucket]
        if snapshot.limit is not None and snapshot.limit > 0:
            # A bogus huge limit would make the catch-up loop below run for ever.
            state.limit = min(snapshot.limit, _MAX_LIMIT)
            state.confirmed = True
        if snapshot.window is not None and snapshot.window > 0:
            state.window = snapshot.window
        if snapshot.remaining is None:
            return
        now = self._clock()
        if snapshot.remaining <= 0 and snapshot.reset is not None and snapshot.reset < state.window:
            state.blocked_until = max(state.blocked_until, now + snapshot.reset)
            return
        # (A reset of a whole window or more says no more than the sliding log already knows;
        # servers round it up to whole seconds, which would hold a sub-second window too long.)
        # Someone else (another process with the same key) spent part of the budget: count
        # their sends as ours so pacing leaves room for them.
        used_by_server = state.limit - snapshot.remaining
        missing = used_by_server - len(state.sends)
        for _ in range(min(missing, state.limit, _MAX_LIMIT)):  # the configured budget too
            state.sends.append(now)
