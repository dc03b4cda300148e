"""What the rate governor asks of a budget shared between processes (``oec_async.budget``).

The governor owns the rules (the sliding log, a slot counted from its answer, corrections, pauses
and their bounds). A shared store applies the same rules to a log every process with the key
writes to, and answers two things: "reserve me a slot of this bucket" (one round trip, the wait
comes back in the answer) and "note this" (a slot's answer arrived, headers corrected the budget,
a 429 paused the bucket), which the store sends along with its next round trip.

A store that cannot answer (down, slow) returns ``None`` from :meth:`SharedStore.reserve`: the
governor then paces on its own until the store answers again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from attrs import frozen

from ._events import Event

__all__ = ["Budget", "Note", "Reservation", "Rules", "SharedStore"]


@frozen(kw_only=True)
class Rules:
    """The governor's current view of a bucket, used where the store has learnt nothing yet.

    Attributes:
        read_limit: Reads allowed per window.
        write_limit: Writes allowed per window.
        window: The window, in seconds.
        margin: Seconds added to each window (clock and latency skew).
        pacing: Whether sends are paced at all (off: only pauses hold sends).
        max_pause: The longest pause the store may keep (bounds its keys' lifetime).
    """

    read_limit: int
    write_limit: int
    window: float
    margin: float
    pacing: bool
    max_pause: float


@frozen(kw_only=True)
class Reservation:
    """The store's answer to a reservation.

    Attributes:
        taken: Whether a slot was reserved (``False``: its wait was over ``max_wait``).
        wait: Seconds from now until the reserved send may go (0: at once).
        slot_id: The slot's id in the shared log (``None`` when nothing was recorded).
        limit: The bucket's shared limit (after every process's corrections).
        window: The bucket's shared window.
        paused: Seconds left on the bucket's shared pause (0 when not paused).
        confirmed: Whether some process's headers confirmed the budget.
    """

    taken: bool
    wait: float
    slot_id: str | None
    limit: int
    window: float
    paused: float
    confirmed: bool


@frozen(kw_only=True)
class Note:
    """Something the store must learn, sent with its next round trip.

    ``kind`` is ``"answered"`` (``slot_id``'s answer arrived: count it from then), ``"dropped"``
    (``slot_id`` was reserved but never sent), ``"pause"`` (``seconds``), or ``"headers"``
    (bounded ``limit``, ``window``, ``remaining``, ``reset``; ``None`` where absent).
    ``at`` is the ``time.monotonic()`` of the event, so the store can date it exactly.
    """

    kind: str
    bucket: str
    at: float
    slot_id: str | None = None
    seconds: float = 0.0
    limit: int | None = None
    window: float | None = None
    remaining: int | None = None
    reset: float | None = None


class SharedStore(Protocol):
    """A budget shared by every process with the same API key (see :mod:`oec_async.budget`)."""

    def attach(self, emit: Callable[[Event], None]) -> None:
        """Report availability changes (``SharedBudgetUnavailable``/``Restored``) to ``emit``."""

    async def reserve(self, bucket: str, rules: Rules, max_wait: float) -> Reservation | None:
        """Reserve the next slot of ``bucket`` unless its wait exceeds ``max_wait``.

        Returns ``None`` when the store cannot answer now (the governor paces locally).
        """

    def note(self, note: Note) -> None:
        """Queue ``note`` for the store (sent with the next round trip, or soon). Never blocks."""

    async def aclose(self) -> None:
        """Send what is still queued (bounded by the store's timeout) and close connections."""


class Budget(Protocol):
    """What ``Client(budget=...)`` accepts: a store that hands out one key's shared buckets."""

    def for_key(self, api_key: str) -> SharedStore:
        """The shared buckets of ``api_key`` (no I/O; the client owns and closes them)."""
