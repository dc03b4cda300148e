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

Every number a server sends that sets a wait is bounded here (:func:`bound_snapshot`,
:func:`bound_pause`): a window longer than an hour is not believed, ``remaining`` stays within
the limit, and no pause lasts longer than ``RateLimits.max_pause``.

With a shared store (``Client(budget=...)``, see :mod:`oec_async.budget`) the same rules run on
a log that every process with the key writes to: a slot is reserved there in one round trip,
and what the governor learns (answers, headers, 429s) is sent along with the next one. When the
store cannot answer, the governor paces on its own until it can.

Schedulers that choose *what* to send next (the fleet's central poller) ask how much budget is
free before committing to a request (:meth:`RateGovernor.available`,
:meth:`RateGovernor.delay_for`), and a caller that has waited for its slot itself hands it to the
send path as a value (``client._with_slot(slot)``), so the send is counted once.
"""

from __future__ import annotations

import enum
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Final

import anyio
from attrs import frozen

from ._config import RateLimits
from ._events import Event, RateLimitWait, emit as emit_in_context
from ._models import RateLimitSnapshot
from ._sharing import Note, Rules, SharedStore

__all__ = [
    "MAX_WINDOW",
    "READ",
    "WRITE",
    "BoundedSnapshot",
    "RateGovernor",
    "Slot",
    "bound_pause",
    "bound_snapshot",
    "bucket_for",
]

READ: Final = "read"
WRITE: Final = "write"
_READ_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_LIMIT: Final = 100_000  # no API budget is larger; anything above is treated as this
MAX_WINDOW: Final = 3600.0
"""The longest window a server may announce (the API's is a minute); longer ones are ignored."""


class Slot:
    """A send counted by :meth:`RateGovernor.acquire`, handed back with :meth:`RateGovernor.release`.

    Attributes:
        bucket: The budget it was taken from.
        taken_at: The governor's clock when it was counted (``None`` when nothing was counted
            because pacing is off).
        shared_id: Its id in the shared budget (``None`` when it was counted locally only).
    """

    __slots__ = ("bucket", "shared_id", "taken_at")

    def __init__(self, bucket: str, taken_at: float | None, shared_id: str | None = None) -> None:
        self.bucket = bucket
        self.taken_at = taken_at
        self.shared_id = shared_id

    def __repr__(self) -> str:
        return f"Slot(bucket={self.bucket!r}, taken_at={self.taken_at!r})"


def bucket_for(method: str) -> str:
    """The budget a request counts against: reads are GETs, everything else writes."""
    return READ if method in _READ_METHODS else WRITE


@frozen(kw_only=True)
class BoundedSnapshot:
    """A response's ``X-RateLimit-*`` numbers after :func:`bound_snapshot` (``None``: ignore)."""

    limit: int | None
    window: float | None
    remaining: int | None
    reset: float | None


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def bound_snapshot(snapshot: RateLimitSnapshot, current_limit: int) -> BoundedSnapshot:
    """Keep only the header numbers that may steer the governor, within their bounds.

    A limit is capped at 100,000; a window must be within (0, :data:`MAX_WINDOW`] (a server
    announcing ``1e9`` would otherwise make every later wait last decades); ``remaining`` is
    clamped to ``0..limit``; a reset must be finite and non-negative (a pause it sets is then
    bounded again by :func:`bound_pause`).
    """
    limit = snapshot.limit if snapshot.limit is not None and snapshot.limit > 0 else None
    if limit is not None:
        limit = min(limit, _MAX_LIMIT)
    window = _finite(snapshot.window)
    if window is not None and not 0 < window <= MAX_WINDOW:
        window = None
    remaining = snapshot.remaining
    if remaining is not None:
        remaining = min(max(remaining, 0), limit if limit is not None else current_limit)
    reset = _finite(snapshot.reset)
    if reset is not None and reset < 0:
        reset = None
    return BoundedSnapshot(limit=limit, window=window, remaining=remaining, reset=reset)


def bound_pause(seconds: float, max_pause: float) -> float:
    """The pause to record for a server's wait of ``seconds``: within ``0..max_pause``."""
    if math.isnan(seconds) or seconds <= 0:
        return 0.0
    return min(seconds, max_pause)


class _Bucket:
    __slots__ = ("blocked_until", "confirmed", "limit", "lock", "queued", "sends", "window")

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.sends: deque[float] = deque()
        self.blocked_until = 0.0
        self.lock = anyio.Lock()
        self.confirmed = False
        self.queued = 0

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

    def retime(self, taken_at: float, now: float) -> None:
        """Move the send counted at ``taken_at`` to ``now`` (its answer arrived)."""
        sends = self.sends
        # The log is in time order and the slot is recent: look for it from the newest end
        # (a generous budget can hold many thousands of sends).
        for back, sent_at in enumerate(reversed(sends)):
            if sent_at == taken_at:
                del sends[-1 - back]
                break
            if sent_at < taken_at:
                break  # not in the log: it expired while the request was in flight
        sends.append(now)

    def free(self, now: float, pacing: bool, margin: float) -> float:
        """How many sends could go out right now."""
        if now < self.blocked_until:
            return 0
        if not pacing:
            return math.inf
        self.delay(now, pacing, margin)  # prunes expired sends
        return max(0, self.limit - len(self.sends))

    def correct(self, seen: BoundedSnapshot, now: float) -> None:
        """Apply a response's (bounded) rate-limit numbers."""
        if seen.limit is not None:
            self.limit = seen.limit
            self.confirmed = True
        if seen.window is not None:
            self.window = seen.window
        if seen.remaining is None:
            return
        if seen.remaining <= 0 and seen.reset is not None and seen.reset < self.window:
            self.blocked_until = max(self.blocked_until, now + seen.reset)
            return
        # (A reset of a whole window or more says no more than the sliding log already knows;
        # servers round it up to whole seconds, which would hold a sub-second window too long.)
        # Someone else (another process with the same key) spent part of the budget: count
        # their sends as ours so pacing leaves room for them.
        missing = self.limit - seen.remaining - len(self.sends)
        for _ in range(min(missing, self.limit, _MAX_LIMIT)):  # the configured limit too
            self.sends.append(now)


class RateGovernor:
    """Paces requests to the read and write budgets and pauses a bucket after a 429.

    Args:
        limits: The budget; ``limits.enabled=False`` switches pacing off (a 429 still pauses).
        emit: Where events go (:class:`RateLimitWait`, and the shared budget's availability);
            by default the listener of :func:`oec_async.listening`.
        clock: Monotonic seconds (injectable for tests).
        sleep: The sleep to use (injectable for tests).
        shared: A budget shared with other processes (``RedisBudget(...).for_key(key)``);
            ``None`` paces this process alone.
    """

    def __init__(
        self,
        limits: RateLimits,
        *,
        emit: Callable[[Event], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        shared: SharedStore | None = None,
    ) -> None:
        self.limits = limits
        self._emit: Callable[[Event], None] = emit if emit is not None else emit_in_context
        self._clock = clock
        self._sleep = sleep
        self._buckets = {
            READ: _Bucket(limits.reads_per_window, limits.window),
            WRITE: _Bucket(limits.writes_per_window, limits.window),
        }
        self._shared = shared
        if shared is not None:
            shared.attach(self._emit)

    @property
    def shared(self) -> SharedStore | None:
        """The budget shared with other processes, if any."""
        return self._shared

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

    def next_slot_in(self, bucket: str) -> float:
        """Seconds until a request of ``bucket`` could be sent (0: now), as far as this process knows."""
        return self.delay_for(bucket, self._buckets[bucket].queued + 1)

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
        """Wait for a slot of ``bucket`` as long as it takes, and count it."""
        slot = await self.acquire(bucket)
        assert slot is not None  # no max_wait: acquire always ends with a slot
        return slot

    async def acquire(self, bucket: str, *, max_wait: float = math.inf) -> Slot | None:
        """Wait until a request of ``bucket`` may be sent, and count it as sent.

        Args:
            bucket: ``"read"`` or ``"write"`` (:func:`bucket_for`).
            max_wait: The longest this call may wait, in seconds.

        Returns:
            The slot, to hand to :meth:`release` once the request has ended; ``None``, with
            nothing counted, when the wait would be longer than ``max_wait``.
        """
        if self._shared is not None:
            shared = await self._acquire_shared(self._shared, bucket, max_wait)
            if not isinstance(shared, _Unanswered):
                return shared
        return await self._acquire_local(bucket, max_wait)

    def try_acquire(self, bucket: str) -> Slot | None:
        """A slot of ``bucket`` if one is free right now, counted; ``None`` otherwise.

        Never waits: ``None`` means the caller must :meth:`acquire` (a wait, a queue of earlier
        callers, or a shared budget that must be asked).
        """
        if self._shared is not None:
            return None
        return self._take_free(self._buckets[bucket], bucket, self._clock())

    def _take_free(self, state: _Bucket, bucket: str, now: float) -> Slot | None:
        pacing = self.limits.enabled
        if state.queued == 0 and state.delay(now, pacing, self.limits.safety_margin) == 0.0:
            return Slot(bucket, state.record(now, pacing))  # nobody queued, nothing to wait
        return None

    async def _acquire_local(self, bucket: str, max_wait: float) -> Slot | None:
        state = self._buckets[bucket]
        pacing = self.limits.enabled
        margin = self.limits.safety_margin
        now = self._clock()
        slot = self._take_free(state, bucket, now)
        if slot is not None:
            return slot
        if state.delay(now, pacing, margin, state.queued + 1) > max_wait:
            return None
        deadline = now + max_wait
        state.queued += 1
        try:
            async with state.lock:  # FIFO: waiters are served in arrival order
                while True:
                    now = self._clock()
                    wait = state.delay(now, pacing, margin)
                    if wait <= 0.0:
                        return Slot(bucket, state.record(now, pacing))
                    if now + wait > deadline:
                        return None
                    reason = "429" if now < state.blocked_until else "budget"
                    self._emit(RateLimitWait(bucket=bucket, delay=wait, reason=reason))
                    await self._sleep(wait)
        finally:
            state.queued -= 1

    async def _acquire_shared(
        self, shared: SharedStore, bucket: str, max_wait: float
    ) -> Slot | _Unanswered | None:
        state = self._buckets[bucket]
        limits = self.limits
        rules = Rules(
            read_limit=self._buckets[READ].limit,
            write_limit=self._buckets[WRITE].limit,
            window=state.window,
            margin=limits.safety_margin,
            pacing=limits.enabled,
            max_pause=limits.max_pause,
        )
        answer = await shared.reserve(bucket, rules, max_wait)
        if answer is None:
            return _Unanswered.STORE_DOWN
        # What other processes learnt applies here too (the CLI's ETA, the poller's share).
        state.limit = answer.limit
        state.window = answer.window
        state.confirmed = state.confirmed or answer.confirmed
        if answer.paused > 0:
            state.blocked_until = max(state.blocked_until, self._clock() + answer.paused)
        if not answer.taken:
            return None
        deadline = self._clock() + max_wait
        wait, reason = answer.wait, "429" if answer.paused > 0 else "budget"
        try:
            # The reserved time, then any 429 pause this process learnt of meanwhile.
            while wait > 0:
                if self._clock() + wait > deadline:
                    self._drop(shared, bucket, answer.slot_id)
                    return None
                self._emit(RateLimitWait(bucket=bucket, delay=wait, reason=reason))
                await self._sleep(wait)
                wait, reason = state.blocked_until - self._clock(), "429"
        except BaseException:
            self._drop(shared, bucket, answer.slot_id)
            raise
        # Mirrored locally, so that pacing alone (the store gone) remembers this process's sends.
        return Slot(bucket, state.record(self._clock(), limits.enabled), answer.slot_id)

    async def redeem(self, slot: Slot, *, max_wait: float = math.inf) -> bool:
        """Make ``slot``, counted earlier (:meth:`acquire_slot`), ready to send now.

        It was bought before a 429 may have paused its bucket: that pause is waited out (again
        after each sleep, since another 429 may renew it meanwhile).

        Returns:
            ``True`` when the slot may be sent; ``False``, with the slot given back, when the
            pause would last longer than ``max_wait``.
        """
        state = self._buckets[slot.bucket]
        deadline = self._clock() + max_wait
        while (wait := state.blocked_until - self._clock()) > 0:
            if self._clock() + wait > deadline:
                self.release(slot)
                return False
            self._emit(RateLimitWait(bucket=slot.bucket, delay=wait, reason="429"))
            await self._sleep(wait)
        return True

    @staticmethod
    def _drop(shared: SharedStore, bucket: str, slot_id: str | None) -> None:
        """Give back a reservation that will not be sent."""
        if slot_id is not None:
            shared.note(Note(kind="dropped", bucket=bucket, at=time.monotonic(), slot_id=slot_id))

    def release(self, slot: Slot, *, snapshot: RateLimitSnapshot | None = None) -> None:
        """The request sent with ``slot`` has ended (answered, failed or cancelled).

        The slot moves to now: the server has counted the request by the time its answer
        arrives, and counting it from its arrival rather than from when the slot was taken
        keeps a late burst from sharing a server window with the next one.

        Args:
            slot: What :meth:`acquire` returned.
            snapshot: The answer's ``X-RateLimit-*`` headers, to correct the budget from.
        """
        if snapshot is not None:
            self.observe(snapshot)
        if slot.taken_at is not None:
            self._buckets[slot.bucket].retime(slot.taken_at, self._clock())
        if slot.shared_id is not None and self._shared is not None:
            self._shared.note(
                Note(
                    kind="answered", bucket=slot.bucket, at=time.monotonic(), slot_id=slot.shared_id
                )
            )

    def pause(self, bucket: str, seconds: float) -> None:
        """Hold every request of ``bucket`` for ``seconds`` (after a 429).

        The pause recorded is at most ``RateLimits.max_pause``: a ``Retry-After`` of years
        holds the bucket that long, then requests are sent again.
        """
        seconds = bound_pause(seconds, self.limits.max_pause)
        if seconds <= 0:
            return
        state = self._buckets[bucket]
        state.blocked_until = max(state.blocked_until, self._clock() + seconds)
        if self._shared is not None:
            self._shared.note(
                Note(kind="pause", bucket=bucket, at=time.monotonic(), seconds=seconds)
            )

    def observe(self, snapshot: RateLimitSnapshot) -> None:
        """Correct the bucket's budget from a response's rate-limit headers.

        (The send loop passes them to :meth:`release` instead; this is the same step alone.)
        """
        if not self.limits.enabled:
            return
        state = self._buckets[snapshot.bucket]
        seen = bound_snapshot(snapshot, state.limit)
        if seen.reset is not None:
            seen = BoundedSnapshot(
                limit=seen.limit,
                window=seen.window,
                remaining=seen.remaining,
                reset=bound_pause(seen.reset, self.limits.max_pause),
            )
        state.correct(seen, self._clock())
        if self._shared is not None:
            self._shared.note(
                Note(
                    kind="headers",
                    bucket=snapshot.bucket,
                    at=time.monotonic(),
                    limit=seen.limit,
                    window=seen.window,
                    remaining=seen.remaining,
                    reset=seen.reset,
                )
            )

    async def aclose(self) -> None:
        """Hand what the shared budget has not heard yet to it, and close its connections."""
        if self._shared is not None:
            await self._shared.aclose()


class _Unanswered(enum.Enum):
    STORE_DOWN = "the shared budget did not answer"
