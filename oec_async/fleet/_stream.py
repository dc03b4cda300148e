"""``FleetEventStream``: a run's progress events as an async iterator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

import anyio

from ._channel import Channel
from ._events import FleetEvent

__all__ = ["FleetEventStream"]


class FleetEventStream:
    """Progress events of one :class:`FleetRun`, as an async iterator.

    Ends after the run's last event. ``aclose()`` (or leaving ``async with``) unsubscribes.
    """

    def __init__(
        self,
        channel: Channel[FleetEvent],
        *,
        start: Callable[[], object],
        unsubscribe: Callable[[Channel[FleetEvent]], None],
    ) -> None:
        self._channel = channel
        self._start = start
        self._unsubscribe = unsubscribe

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> FleetEvent:
        self._start()
        try:
            return await self._channel.get()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        """Stop receiving events (the run goes on)."""
        self._channel.close()
        self._unsubscribe(self._channel)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
