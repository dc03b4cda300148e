"""Events, and how they reach listeners.

Every layer reports what it does as an :class:`Event` through its client's ``_emit``, which
hands the event to the client's listeners (``Client(event_hooks=...)``,
:meth:`Client.add_listener`), then to the listeners of the current context
(:func:`listening`, which stacks: an inner ``listening`` never hides an outer one). A listener
that raises is logged and skipped; the others still get the event and the request goes on.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Final, TypeVar

from attrs import frozen

__all__ = [
    "AttemptFinished",
    "AttemptStarted",
    "CallFinished",
    "CallStarted",
    "Event",
    "Listener",
    "RateLimitWait",
    "RetryScheduled",
    "SharedBudgetRestored",
    "SharedBudgetUnavailable",
    "TransportEvent",
    "deliver",
    "emit",
    "has_context_listeners",
    "listening",
]

logger: Final = logging.getLogger("oec_async")


@frozen(kw_only=True)
class Event:
    """The base of every event the SDK reports (transport, rate budget, fleet, rollout)."""


Listener = Callable[[Event], None]
"""A callable that receives events; what it returns is ignored, what it raises is logged."""


@frozen(kw_only=True)
class CallStarted(Event):
    """One logical request (all its attempts) begins.

    Attributes:
        call_id: Numbers the calls of one client; every event of the call carries it.
        method: The HTTP method.
        path: The path relative to the base URL, ids included.
        route: The path template, e.g. ``"/environments/{environment_id}/deploy"`` (no ids).
    """

    call_id: int
    method: str
    path: str
    route: str


@frozen(kw_only=True)
class AttemptStarted(Event):
    """One attempt of a call is sent (attempt 0 is the first send).

    Attributes:
        call_id: The call it belongs to.
        method: The HTTP method.
        path: The path relative to the base URL.
        route: The path template.
        attempt: 0 for the first send, 1 for the first retry...
    """

    call_id: int
    method: str
    path: str
    route: str
    attempt: int


@frozen(kw_only=True)
class AttemptFinished(Event):
    """One attempt of a call ended, answered or not.

    Attributes:
        call_id: The call it belongs to.
        method: The HTTP method.
        path: The path relative to the base URL.
        route: The path template.
        attempt: The attempt number (0-based).
        status: The HTTP status, or ``None`` when no answer came.
        elapsed: Seconds from sending to the end of the answer (or the failure).
        request_id: The answer's ``X-Request-ID``, if any.
        error: What went wrong (a short text, the key scrubbed), or ``None``.
    """

    call_id: int
    method: str
    path: str
    route: str
    attempt: int
    status: int | None
    elapsed: float
    request_id: str | None
    error: str | None


@frozen(kw_only=True)
class CallFinished(Event):
    """A call ended after its last attempt, with its result or its error.

    Attributes:
        call_id: The call.
        method: The HTTP method.
        path: The path relative to the base URL.
        route: The path template.
        status: The last answer's HTTP status, or ``None`` when no answer came.
        attempts: How many attempts were sent.
        elapsed: Seconds from the start of the call to its end (waits included).
        error: The exception the call raises, or ``None`` on success.
    """

    call_id: int
    method: str
    path: str
    route: str
    status: int | None
    attempts: int
    elapsed: float
    error: Exception | None


@frozen(kw_only=True)
class RetryScheduled(Event):
    """A request failed and will be sent again after ``delay`` seconds.

    Attributes:
        method: The HTTP method.
        path: The path relative to the base URL.
        attempt: The retry number (1 for the first retry).
        delay: Seconds until the retry (rate-limit pauses come on top, as RateLimitWait).
        reason: What failed (``"503 enqueue_failed"``, ``"connection dropped"``...).
        call_id: The call it belongs to (``None`` when not known).
    """

    method: str
    path: str
    attempt: int
    delay: float
    reason: str
    call_id: int | None = None


@frozen(kw_only=True)
class RateLimitWait(Event):
    """A request waits for the rate budget before it is sent.

    Attributes:
        bucket: ``"read"`` or ``"write"``.
        delay: Seconds it will wait.
        reason: ``"budget"`` (pacing) or ``"429"`` (the server refused; the bucket is paused).
        call_id: The call that waits (``None`` when not known, e.g. a fleet buying a slot).
    """

    bucket: str
    delay: float
    reason: str
    call_id: int | None = None


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


E = TypeVar("E", bound=Event)

TransportEvent = (
    RetryScheduled | RateLimitWait | CallStarted | AttemptStarted | AttemptFinished | CallFinished
)
"""Any event of the send path."""

_context_listeners: Final[ContextVar[tuple[Listener, ...]]] = ContextVar(
    "oec_async_listeners", default=()
)


def _call(listener: Listener, event: Event) -> None:
    try:
        listener(event)
    except Exception:
        # A listener is the caller's code: its bug must not fail the request or hide the
        # event from the other listeners.
        logger.exception("an event listener raised on %s; ignored", type(event).__name__)


def deliver(event: Event, listeners: Iterable[Listener] = ()) -> None:
    """Hand ``event`` to ``listeners``, then to the current context's listeners (outermost first)."""
    for listener in listeners:
        _call(listener, event)
    for listener in _context_listeners.get():
        _call(listener, event)


def emit(event: Event) -> None:
    """Deliver ``event`` to the current context's listeners only (no client at hand)."""
    deliver(event)


def has_context_listeners() -> bool:
    """Whether any :func:`listening` block is active in this context."""
    return bool(_context_listeners.get())


@contextlib.contextmanager
def listening(listener: Callable[[E], None]) -> Iterator[None]:
    """Deliver the events raised in this context (and tasks started from it) to ``listener``.

    Blocks stack: inside ``listening(a)``, a ``listening(b)`` delivers to both ``a`` and ``b``.

    Example::

        with oec_async.listening(print):
            await client.environments.deploy(env_id)
    """
    # Typed by the events it reads (a TransportEvent listener stays valid), it still receives
    # every event: listeners pick theirs with isinstance.
    token = _context_listeners.set((*_context_listeners.get(), listener))  # type: ignore[arg-type]
    try:
        yield
    finally:
        _context_listeners.reset(token)
