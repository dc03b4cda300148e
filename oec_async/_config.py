"""Frozen, validated configuration objects: retries, polling, timeouts, rate budgets."""

from __future__ import annotations

import math
from typing import Final

from attrs import field, frozen, validators

__all__ = [
    "DEFAULT_BASE_URL",
    "PollPolicy",
    "RateLimits",
    "RetryPolicy",
    "Timeouts",
]

DEFAULT_BASE_URL: Final = "https://api.oec.sh/api/public/v1"


def _non_negative(_: object, attribute: object, value: object) -> None:
    name = getattr(attribute, "name", "value")
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


def _positive(_: object, attribute: object, value: object) -> None:
    _non_negative(_, attribute, value)
    if value == 0:
        raise ValueError(f"{getattr(attribute, 'name', 'value')} must be > 0, got 0")


def _fraction(_: object, attribute: object, value: object) -> None:
    _non_negative(_, attribute, value)
    if isinstance(value, int | float) and value > 1:
        raise ValueError(
            f"{getattr(attribute, 'name', 'value')} must be within 0..1, got {value!r}"
        )


_count = validators.and_(validators.instance_of(int), validators.ge(0))


@frozen(kw_only=True)
class RetryPolicy:
    """How failed requests are retried.

    A retry waits ``min(max_backoff, initial_backoff * multiplier ** attempt)``, reduced by up to
    ``jitter`` of itself at random, unless the server named a wait (``Retry-After``, body
    ``retry_after``, ``X-RateLimit-Reset``), which is honoured instead. A server that asks for
    more than ``max_retry_after`` seconds is not waited for: the error is raised.

    Attributes:
        max_retries: Retries after the first attempt (0 disables retrying).
        initial_backoff: The first wait, in seconds.
        multiplier: Growth of the wait per attempt.
        max_backoff: The cap on a computed wait.
        jitter: The fraction (0..1) of a wait that is randomised, to spread herds.
        max_retry_after: The longest server-requested wait the SDK will sleep through.
    """

    max_retries: int = field(default=3, validator=_count)
    initial_backoff: float = field(default=0.5, validator=_non_negative)
    multiplier: float = field(default=2.0, validator=_positive)
    max_backoff: float = field(default=30.0, validator=_non_negative)
    jitter: float = field(default=0.5, validator=_fraction)
    max_retry_after: float = field(default=120.0, validator=_non_negative)


@frozen(kw_only=True)
class PollPolicy:
    """How a task is polled while waiting for it.

    The first poll comes ``initial_interval`` after the action; each later interval grows by
    ``multiplier`` up to ``max_interval``, minus up to ``jitter`` of itself at random.

    Attributes:
        initial_interval: Seconds before the first poll.
        multiplier: Growth of the interval per poll.
        max_interval: The longest interval.
        jitter: The fraction (0..1) of an interval that is randomised.
    """

    initial_interval: float = field(default=1.0, validator=_non_negative)
    multiplier: float = field(default=1.5, validator=_positive)
    max_interval: float = field(default=10.0, validator=_non_negative)
    jitter: float = field(default=0.1, validator=_fraction)


@frozen(kw_only=True)
class Timeouts:
    """Per-request time limits, in seconds (``None`` for no limit).

    Attributes:
        connect: Time to get a connection (including the pool wait).
        total: Time for the whole request, body included.
    """

    connect: float | None = field(
        default=10.0,
        validator=validators.optional(_positive),  # type: ignore[arg-type]
    )
    total: float | None = field(
        default=30.0,
        validator=validators.optional(_positive),  # type: ignore[arg-type]
    )


@frozen(kw_only=True)
class RateLimits:
    """The request budget of one API key, used to pace requests before the server refuses them.

    The defaults are the documented ones; the client corrects them live from the
    ``X-RateLimit-*`` headers of every response.

    Attributes:
        enabled: Pace requests at all (turn off for servers without limits).
        reads_per_window: GET requests allowed per window.
        writes_per_window: Other requests allowed per window.
        window: The window length, in seconds.
        safety_margin: Seconds added to each window to absorb clock and latency skew.
        max_pause: The longest pause a server can put on a bucket (a 429's ``Retry-After``,
            an ``X-RateLimit-Reset``): a longer one is recorded as this long, so a hostile or
            broken answer cannot stop the client for good.
    """

    enabled: bool = field(default=True, validator=validators.instance_of(bool))
    reads_per_window: int = field(default=120, validator=validators.and_(_count, validators.ge(1)))
    writes_per_window: int = field(default=20, validator=validators.and_(_count, validators.ge(1)))
    window: float = field(default=60.0, validator=_positive)
    safety_margin: float = field(default=0.05, validator=_non_negative)
    max_pause: float = field(default=120.0, validator=_positive)

    @classmethod
    def disabled(cls) -> RateLimits:
        """A budget that never delays a request."""
        return cls(enabled=False)
