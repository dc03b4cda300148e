"""Transport-level events (retries, rate-limit waits) and where they are delivered.

The transport does not know who is interested: the fleet engine, a CLI or a test sets a
listener for the current context with :func:`listening`, and every request made from that
context (and the tasks it starts) reports to it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Final

from attrs import frozen

__all__ = [
    "Event",
    "RateLimitWait",
    "RetryScheduled",
    "SharedBudgetRestored",
    "SharedBudgetUnavailable",
    "TransportEvent",
    "emit",
    "listening",
]


@frozen(kw_only=True)
class Event:
    """The base of every event the client reports to its listeners."""


@frozen(kw_only=True)
class RetryScheduled(Event):
    """A request failed and will be sent again after ``delay`` seconds.

    Attributes:
        method: The HTTP method.
        path: The path relative to the base URL.
        attempt: The retry number (1 for the first retry).
        delay: Seconds until the retry (rate-limit pauses come on top, as RateLimitWait).
        reason: What failed (``"503 enqueue_failed"``, ``"connection dropped"``...).
    """

    method: str
    path: str
    attempt: int
    delay: float
    reason: str


@frozen(kw_only=True)
class RateLimitWait(Event):
    """A request waits for the rate budget before it is sent.

    Attributes:
        bucket: ``"read"`` or ``"write"``.
        delay: Seconds it will wait.
        reason: ``"budget"`` (pacing) or ``"429"`` (the server refused; the bucket is paused).
    """

    bucket: str
    delay: float
    reason: str


@frozen(kw_only=True)
class SharedBudgetUnavailable(Event):
    """The shared rate budget (``budget=``) stopped answering: this process paces on its own.

    Reported once per outage, with one WARNING log record; requests go on meanwhile.

    Attributes:
        reason: What failed (``"no answer within 0.5s"``, ``"ConnectionError: ..."``).
    """

    reason: str


@frozen(kw_only=True)
class SharedBudgetRestored(Event):
    """The shared rate budget answers again: this process shares the key's budget again."""


TransportEvent = RetryScheduled | RateLimitWait | SharedBudgetUnavailable | SharedBudgetRestored

_listener: Final[ContextVar[Callable[[TransportEvent], None] | None]] = ContextVar(
    "oec_async_transport_listener", default=None
)


def emit(event: TransportEvent) -> None:
    """Deliver ``event`` to the current context's listener, if any."""
    listener = _listener.get()
    if listener is not None:
        listener(event)


@contextlib.contextmanager
def listening(listener: Callable[[TransportEvent], None]) -> Iterator[None]:
    """Deliver transport events raised in this context (and tasks started from it) to ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
