"""The order in which followed tasks are polled: confirmations first, then by due time."""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable

from ._watch import Watch

__all__ = ["PollQueue"]


class PollQueue:
    """Watches waiting for their next poll.

    A watch is queued with its due time; queuing it again (its timing changed) supersedes the
    earlier entry. :meth:`urgent` puts a watch before every due one (a sweep or a webhook said
    its task may be over). Entries of watches that are no longer live are dropped lazily.

    Args:
        live: Whether a watch is still followed (and not being polled right now).
    """

    def __init__(self, live: Callable[[Watch], bool]) -> None:
        self._live = live
        self._heap: list[tuple[float, int, int, Watch]] = []
        self._seq = itertools.count()
        self._urgent: deque[Watch] = deque()

    def push(self, watch: Watch, due: float) -> None:
        """Queue ``watch`` for ``due`` (bumps its version: older entries no longer count)."""
        watch.version += 1
        heapq.heappush(self._heap, (due, next(self._seq), watch.version, watch))

    def urgent(self, watch: Watch) -> None:
        """Queue ``watch`` ahead of everything due."""
        self._urgent.append(watch)

    def pop_urgent(self) -> Watch | None:
        """The next hinted watch to confirm, if any."""
        while self._urgent:
            watch = self._urgent.popleft()
            if watch.hinted and self._live(watch):
                return watch
        return None

    def pop_due(self, now: float) -> tuple[Watch | None, float]:
        """The earliest watch due by ``now``, or ``None`` and the next due time (``inf``)."""
        heap = self._heap
        while heap:
            due, _, version, watch = heap[0]
            if version != watch.version or not self._live(watch):
                heapq.heappop(heap)
            elif due <= now:
                heapq.heappop(heap)
                return watch, now
            else:
                return None, due
        return None, float("inf")

    def __len__(self) -> int:
        return len(self._heap) + len(self._urgent)
