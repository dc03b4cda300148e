"""Clocks for the fake server: real monotonic time, or a manual clock tests advance by hand.

Everything time-dependent in the fake (task progress, rate-limit windows, idempotency expiry)
reads one clock, so advancing a `ManualClock` moves the whole server forward at once.
"""

from __future__ import annotations

import abc
import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Final

DEFAULT_MANUAL_START: Final = datetime(2026, 10, 1, 12, 0, 0, tzinfo=UTC)


class FakeClock(abc.ABC):
    """A source of time for the fake server.

    `monotonic()` gives seconds on an arbitrary monotonic scale; `to_wall()` maps any point on
    that scale to a timezone-aware UTC datetime (used for the timestamps in response bodies).
    """

    def __init__(self, wall_origin: datetime, monotonic_origin: float) -> None:
        """Anchor the monotonic scale to wall time.

        Args:
            wall_origin: The wall time that corresponds to `monotonic_origin`.
            monotonic_origin: A point on the monotonic scale.
        """
        if wall_origin.tzinfo is None:
            raise ValueError("wall_origin must be timezone-aware")
        self._wall_origin = wall_origin
        self._monotonic_origin = monotonic_origin

    @abc.abstractmethod
    def monotonic(self) -> float:
        """Return the current time in seconds on the monotonic scale."""

    def to_wall(self, instant: float) -> datetime:
        """Return the UTC wall time of `instant` (a point on the monotonic scale)."""
        return self._wall_origin + timedelta(seconds=instant - self._monotonic_origin)

    def wall(self) -> datetime:
        """Return the current UTC wall time."""
        return self.to_wall(self.monotonic())


class MonotonicClock(FakeClock):
    """Real time: `time.monotonic()`, anchored to the wall clock at construction."""

    def __init__(self) -> None:
        """Anchor the clock to the current wall time."""
        super().__init__(datetime.now(UTC), time.monotonic())

    def monotonic(self) -> float:
        """Return `time.monotonic()`."""
        return time.monotonic()


class ManualClock(FakeClock):
    """A clock that only moves when told to, so tests never sleep.

    Example:
        >>> clock = ManualClock()
        >>> clock.advance(2.5)
        >>> clock.monotonic()
        2.5
    """

    def __init__(self, start: datetime = DEFAULT_MANUAL_START) -> None:
        """Create a clock reading 0.0 on the monotonic scale, i.e. `start` on the wall.

        Args:
            start: The wall time at monotonic 0.0 (timezone-aware).
        """
        super().__init__(start, 0.0)
        self._now = 0.0

    def monotonic(self) -> float:
        """Return the current (manually advanced) time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward.

        Args:
            seconds: How far to move; must not be negative.

        Raises:
            ValueError: If `seconds` is negative.
        """
        if seconds < 0:
            raise ValueError(f"cannot move a clock backwards ({seconds!r} s)")
        self._now += seconds


def isoformat(moment: datetime) -> str:
    """Format a datetime as ISO 8601 UTC with a `Z` suffix (milliseconds only when non-zero)."""
    moment = moment.astimezone(UTC)
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


class LoopClock(FakeClock):
    """The running event loop's time, so a loop whose time is fast-forwarded moves the fake too.

    On a `VirtualTimeLoop` (see `run_in_virtual_time`) the loop's clock jumps over idle waits;
    a fake on this clock sees the same jumps, so a task of 60 s ends after 60 s of loop time and
    a fraction of a second of wall time. On an ordinary loop it is real monotonic time. The
    clock follows the loop's *forward* movements only (a fake used from a new loop whose clock
    starts lower goes on from where it was), and stands still outside a running loop.
    """

    def __init__(self) -> None:
        """Anchor the clock to the current wall time."""
        super().__init__(datetime.now(UTC), 0.0)
        self._now = 0.0
        self._loop_seen: float | None = None

    def monotonic(self) -> float:
        """Return the time so far, advanced by every forward step of the running loop's time."""
        try:
            loop_now = asyncio.get_running_loop().time()
        except RuntimeError:
            return self._now
        seen, self._loop_seen = self._loop_seen, loop_now
        if seen is not None and loop_now > seen:
            self._now += loop_now - seen
        return self._now
