"""Pure retry rules: what is retried, how long to wait, what the server asked for.

:func:`decide` is the whole policy of the send loop: given what one attempt produced, return
the answer, retry after a delay, or raise a complete error. It is a plain function of its
inputs, so every rule is tested without a loop, a session or a mock.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Final

from attrs import define, frozen

from ._config import RetryPolicy
from ._core import RawResponse, Request, build_status_error, redact, reset_seconds
from ._exceptions import APIConnectionError, APIError, APIStatusError

__all__ = [
    "RETRYABLE_STATUSES",
    "CallPolicy",
    "Decision",
    "Raise",
    "Retry",
    "Return",
    "backoff",
    "backoff_delay",
    "capped_growth",
    "decide",
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


def backoff(
    step: int,
    *,
    initial: float,
    multiplier: float,
    cap: float,
    jitter: float,
    rand: random.Random | None = None,
) -> float:
    """The one backoff formula (retries and polling): capped growth, less up to ``jitter`` of it.

    Returns:
        ``min(cap, initial * multiplier ** step) * (1 - jitter * u)``, ``u`` uniform in [0, 1).
    """
    base = capped_growth(initial, multiplier, step, cap)
    return max(0.0, base * (1.0 - jitter * (rand or random).random()))


def backoff_delay(attempt: int, policy: RetryPolicy, rand: random.Random | None = None) -> float:
    """The wait before retry number ``attempt`` (0-based), in ``[0, policy.max_backoff]``."""
    return backoff(
        attempt,
        initial=policy.initial_backoff,
        multiplier=policy.multiplier,
        cap=policy.max_backoff,
        jitter=policy.jitter,
        rand=rand,
    )


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
    return reset_seconds(number, now) if math.isfinite(number) else None


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


@define  # built on every call: see the note on _core.Request
class CallPolicy:
    """What :func:`decide` needs to know about a call besides its outcome.

    Attributes:
        request: The request sent (its method, path, and whether it is idempotent).
        retry: The retry policy in force.
        max_retries: Retries allowed for this call (the policy's, or the call's override).
        window: The rate window in seconds (a 429 without any hint waits for the next one).
        secret: The API key, scrubbed from every error built here.
    """

    request: Request
    retry: RetryPolicy
    max_retries: int
    window: float = 60.0
    secret: str | None = None


@define  # built on every call: see the note on _core.Request
class Return:
    """The attempt produced the answer to return."""

    response: RawResponse


@frozen
class Retry:
    """Send again after ``delay`` seconds (after pausing the bucket ``pause`` seconds, if set)."""

    delay: float
    reason: str
    pause: float | None = None


@frozen
class Raise:
    """Raise ``error`` (after pausing the bucket ``pause`` seconds, if set)."""

    error: APIError
    pause: float | None = None


Decision = Return | Retry | Raise


def decide(
    outcome: RawResponse | APIConnectionError,
    attempt: int,
    policy: CallPolicy,
    now: float,
    *,
    rand: random.Random | None = None,
) -> Decision:
    """What to do after an attempt: return the answer, retry after a delay, or raise.

    Args:
        outcome: The answer, or the connection failure, of attempt number ``attempt``.
        attempt: 0 for the first send.
        policy: The call's retry policy and context.
        now: The current Unix time (for ``Retry-After`` dates and ``X-RateLimit-Reset``).
        rand: The jitter source.
    """
    request = policy.request
    if isinstance(outcome, APIConnectionError):
        if attempt >= policy.max_retries or (
            outcome.may_have_reached_server and not request.idempotent
        ):
            return Raise(outcome)
        return Retry(backoff_delay(attempt, policy.retry, rand), outcome.message)
    status = outcome.status
    if status < 300:
        return Return(outcome)
    if status < 400:
        location = redact(outcome.headers.get("Location", "?"), policy.secret)
        return Raise(
            APIStatusError(
                f"unexpected redirect to {location!r}: the API never redirects (wrong base URL "
                "or a proxy?); not following it with the key",
                method=request.method,
                path=request.path,
                status=status,
                code="unexpected_redirect",
                request_id=redact(outcome.request_id or "", policy.secret) or None,
            )
        )
    return _decide_error(outcome, attempt, policy, now, rand)


def _decide_error(
    response: RawResponse,
    attempt: int,
    policy: CallPolicy,
    now: float,
    rand: random.Random | None,
) -> Decision:
    request = policy.request

    def error(note: str = "", retry_after: float | None = None) -> APIStatusError:
        return build_status_error(
            method=request.method,
            path=request.path,
            status=response.status,
            reason=response.reason,
            headers=response.headers,
            body=response.body,
            retry_after=retry_after,
            secret=policy.secret,
            note=note,
        )

    status = response.status
    plain = error()  # what the body says: its code and its retry_after
    hint = server_wait_hint(response.headers, plain.details.get("retry_after"), now=now)
    if not is_retryable_status(status, plain.code, idempotent=request.idempotent):
        return Raise(error(retry_after=hint))
    limit = policy.retry.max_retry_after
    if status == 429:
        # The whole bucket pauses, so every task of the client waits once, together; the retry
        # itself goes out as soon as the governor lets it. A wait we refuse pauses the bucket
        # one window at most: a hostile Retry-After must not stop the client for good.
        wait = hint if hint is not None else seconds_to_next_window(now, policy.window)
        pause = wait if wait <= limit else min(limit, policy.window)
        if wait > limit:
            what = "asks to wait" if hint is not None else "next rate-limit window opens in"
            note = f" (the server {what} {wait:.0f}s, over max_retry_after; not waiting)"
            return Raise(error(note, retry_after=wait), pause=pause)
        if attempt >= policy.max_retries:
            return Raise(error(retry_after=hint), pause=pause)
        return Retry(0.0, _label(status, plain.code), pause=pause)
    if hint is not None and hint > limit:
        note = f" (the server asks to wait {hint:.0f}s, over max_retry_after; not waiting)"
        return Raise(error(note, retry_after=hint))
    if attempt >= policy.max_retries:
        return Raise(error(retry_after=hint))
    delay = hint if hint is not None else backoff_delay(attempt, policy.retry, rand)
    return Retry(delay, _label(status, plain.code))


def _label(status: int, code: str | None) -> str:
    return f"{status} {code}" if code else str(status)
