"""Signalling between the run's tasks: a queue for outcomes and events, an alarm for the poller.

The channel's writer (the engine) must never block on a slow reader, and a reader may come
late or never: nothing here needs closing by the reader (unlike a memory object stream's
receive end, which warns when dropped open).
"""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

import anyio
import anyio.lowlevel

__all__ = ["Alarm", "Channel"]

T = TypeVar("T")


class Channel(Generic[T]):
    """Items in, in order; :meth:`get` waits for the next one or raises ``anyio.EndOfStream``."""

    def __init__(self) -> None:
        self._items: deque[T] = deque()
        self._closed = False
        self._ready: anyio.Event | None = None

    def put(self, item: T) -> None:
        """Append ``item`` (dropped silently once the channel is closed)."""
        if self._closed:
            return
        self._items.append(item)
        if self._ready is not None:
            self._ready.set()

    def close(self) -> None:
        """No more items: a reader gets the buffered ones, then ``EndOfStream``."""
        self._closed = True
        if self._ready is not None:
            self._ready.set()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def __len__(self) -> int:
        return len(self._items)

    async def get(self) -> T:
        """The next item, waiting for it if needed.

        Raises:
            anyio.EndOfStream: the channel is closed and empty.
        """
        while True:
            if self._items:
                return self._items.popleft()
            if self._closed:
                raise anyio.EndOfStream
            ready = self._ready = anyio.Event()
            await ready.wait()


class Alarm:
    """A sleep that :meth:`wake` cuts short (a wake while nobody sleeps is not kept)."""

    def __init__(self) -> None:
        self._event: anyio.Event | None = None

    async def sleep(self, seconds: float) -> None:
        """Sleep up to ``seconds`` (just yield when ``seconds <= 0``)."""
        if seconds <= 0:
            await anyio.lowlevel.checkpoint()
            return
        event = self._event = anyio.Event()
        with anyio.move_on_after(seconds):
            await event.wait()

    def wake(self) -> None:
        """End the current sleep, if any."""
        if self._event is not None:
            self._event.set()
