"""Pure retry rules: what is retried, how long to wait, what the server asked for."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Final

from ._config import RetryPolicy

__all__ = [
    "RETRYABLE_STATUSES",
    "backoff_delay",
    "capped_growth",
    "is_retryable_status",
    "parse_retry_after",
    "seconds_to_next_window",
    "server_wait_hint",
]

RETRYABLE_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})

# 409 concurrent_action means "another action is being queued right now, try again in a few
# seconds"; 409 task_in_progress is a real answer and must reach the caller.
_RETRYABLE_CONFLICTS: Final = frozenset({"concurrent_action"})

# Limits narrower than the key's budget are surfaced, not retried: per target (logs, metrics:
# 6/min per environment), webhook mutations (10/min) and a blocked address. Retrying them would
# pause the key's whole bucket, stalling every other request for a limit they do not share.
_SURFACED_RATE_LIMITS: Final = frozenset(
    {"target_rate_limit", "webhook_mutation_rate_limit", "ip_blocked"}
)

# Above this, an X-RateLimit-Reset value is a Unix time, not a number of seconds.
_EPOCH_THRESHOLD: Final = 1_000_000_000


def is_retryable_status(status: int, code: str | None, *, idempotent: bool) -> bool:
    """Whether an error answer is worth retrying.

    Args:
        status: The HTTP status.
        code: The API's error code, if any.
        idempotent: Whether repeating the request cannot act twice (GET, or a POST carrying an
            idempotency key). Only 429 and 409 ``concurrent_action`` are retried otherwise,
            since the server refused those before acting.
    """
    if status == 409:
        return code in _RETRYABLE_CONFLICTS
    if status == 429:
        return code not in _SURFACED_RATE_LIMITS
    return idempotent and status in RETRYABLE_STATUSES


def capped_growth(initial: float, multiplier: float, steps: int, cap: float) -> float:
    """``min(cap, initial * multiplier ** steps)``, without overflowing for huge ``steps``."""
    if initial <= 0:
        return 0.0
    try:
        grown = initial * multiplier ** max(0, steps)
    except OverflowError:  # the growth passed any float, so the cap applies
        return cap
    return min(cap, grown)


def backoff_delay(attempt: int, policy: RetryPolicy, rand: random.Random | None = None) -> float:
    """The wait before retry number ``attempt`` (0-based), in ``[0, policy.max_backoff]``."""
    base = capped_growth(policy.initial_backoff, policy.multiplier, attempt, policy.max_backoff)
    draw = (rand or random).random()
    return max(0.0, base * (1.0 - policy.jitter * draw))


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Read a ``Retry-After`` header: delta seconds or an HTTP date.

    Args:
        value: The header value, or ``None``.
        now: The current Unix time (for HTTP dates).

    Returns:
        Seconds to wait (never negative), or ``None`` when absent or unreadable.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        return max(0.0, when.timestamp() - now)
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _parse_reset(value: str | None, *, now: float) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return max(0.0, number - now) if number > _EPOCH_THRESHOLD else max(0.0, number)


def server_wait_hint(
    headers: Mapping[str, str], body_retry_after: object, *, now: float
) -> float | None:
    """The wait the server asked for, from the strongest hint it gave.

    Order: ``Retry-After`` header, body ``retry_after``, then ``X-RateLimit-Reset`` (seconds or
    a Unix time).

    Returns:
        Seconds to wait, or ``None`` when the server gave no usable hint.
    """
    hint = parse_retry_after(headers.get("Retry-After"), now=now)
    if hint is not None:
        return hint
    if (
        isinstance(body_retry_after, int | float)
        and not isinstance(body_retry_after, bool)
        and math.isfinite(body_retry_after)
    ):
        return max(0.0, float(body_retry_after))
    return _parse_reset(headers.get("X-RateLimit-Reset"), now=now)


def seconds_to_next_window(now: float, window: float = 60.0) -> float:
    """Seconds until the next window boundary (the next full minute by default), plus a second.

    Used when a 429 carries no hint at all: the API counts per calendar minute.
    """
    if window <= 0:
        return 1.0
    return (window - (now % window)) + 1.0
