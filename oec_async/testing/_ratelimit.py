"""Fixed-window rate limiting on the fake clock.

Per API key there are two buckets, ``read`` (GET) and ``write`` (everything else), counted
separately as the current API does. Key windows are aligned to multiples of the window length
(the API counts per calendar minute); the per-target limits of runtime logs and metrics open
their window at the first call, as the API does.
"""

from __future__ import annotations

import math

import attrs


@attrs.frozen(kw_only=True)
class RateLimitConfig:
    """Rate limits of the fake server.

    Attributes:
        enabled: Whether any limit is enforced (off: no 429s and no rate-limit headers).
        reads_per_window: GET requests allowed per key per window.
        writes_per_window: Non-GET requests allowed per key per window.
        window: Window length in seconds (60 on the real API; tests use 1 or 0.5).
        send_429_headers: Send `Retry-After` and `X-RateLimit-*` headers. False mimics the API
            versions whose 429s carry only the body (and no rate-limit headers at all).
        webhook_mutations_per_window: Webhook create/update/delete calls per key per
            `webhook_window` (429 `webhook_mutation_rate_limit`).
        webhook_window: Window of the webhook-mutation limit in seconds.
        target_calls_per_window: Runtime-log / metrics calls per environment or server per
            `target_window` (429 `target_rate_limit`).
        target_window: Window of the per-target limit in seconds.
    """

    enabled: bool = True
    reads_per_window: int = attrs.field(default=120, validator=attrs.validators.ge(1))
    writes_per_window: int = attrs.field(default=20, validator=attrs.validators.ge(1))
    window: float = attrs.field(default=60.0, validator=attrs.validators.gt(0))
    send_429_headers: bool = True
    webhook_mutations_per_window: int = 10
    webhook_window: float = 60.0
    target_calls_per_window: int = 6
    target_window: float = 60.0


@attrs.frozen
class Decision:
    """The outcome of counting one request against a window.

    Attributes:
        allowed: False when the limit is exhausted (answer 429).
        limit: Requests allowed per window.
        remaining: Requests left in the current window after this one.
        reset_after: Seconds until the window resets.
    """

    allowed: bool
    limit: int
    remaining: int
    reset_after: float

    @property
    def retry_after(self) -> int:
        """Whole seconds to wait, rounded up (at least 1), as sent in `Retry-After`."""
        return max(1, math.ceil(self.reset_after))


class WindowLimiter:
    """Counts hits per bucket key in fixed windows."""

    def __init__(self, limit: int, window: float, *, aligned: bool) -> None:
        """Create the limiter.

        Args:
            limit: Hits allowed per window.
            window: Window length in seconds.
            aligned: True: windows start at multiples of `window`; False: at the first hit.
        """
        self.limit = limit
        self.window = window
        self._aligned = aligned
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, bucket: str, now: float) -> Decision:
        """Count one hit for `bucket` at `now` unless the window is full."""
        start, count = self._windows.get(bucket, (-math.inf, 0))
        if now >= start + self.window:
            start = math.floor(now / self.window) * self.window if self._aligned else now
            count = 0
        reset_after = start + self.window - now
        if count >= self.limit:
            return Decision(False, self.limit, 0, reset_after)
        self._windows[bucket] = (start, count + 1)
        return Decision(True, self.limit, self.limit - count - 1, reset_after)


def format_seconds(seconds: float) -> str:
    """Format a window length for a header: ``60`` or ``0.5``."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def rate_limit_headers(decision: Decision, window: float) -> dict[str, str]:
    """Return the `X-RateLimit-*` headers describing `decision`."""
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Window": format_seconds(window),
        "X-RateLimit-Reset": str(decision.retry_after),
    }


class KeyRateLimiter:
    """Read and write buckets per API key, remembering each bucket's last 429.

    `blocked_until` lets the fake count requests a client sends before the `Retry-After` it was
    given has elapsed (the instant the refusing window ends).
    """

    def __init__(self, config: RateLimitConfig) -> None:
        """Create the read and write limiters from `config`."""
        self.config = config
        self._limiters = {
            "read": WindowLimiter(config.reads_per_window, config.window, aligned=True),
            "write": WindowLimiter(config.writes_per_window, config.window, aligned=True),
        }
        self.blocked_until: dict[tuple[str, str], float] = {}

    def check(self, key: str, bucket: str, now: float) -> tuple[Decision, bool]:
        """Count a request; return the decision and whether it came before an earlier Retry-After."""
        early = now < self.blocked_until.get((key, bucket), -math.inf)
        decision = self._limiters[bucket].hit(key, now)
        if not decision.allowed:
            self.blocked_until[(key, bucket)] = now + decision.reset_after
        return decision, early
