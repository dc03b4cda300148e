"""What the fake saw: request records, counters and anomalies tests can assert on."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

REDACTED = "<redacted>"
_SECRET_HEADERS = frozenset({"authorization", "x-api-key"})


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy `headers`, replacing the API-key headers' values with ``<redacted>``."""
    return {k: REDACTED if k.lower() in _SECRET_HEADERS else v for k, v in headers.items()}


@attrs.frozen(kw_only=True)
class RequestRecord:
    """One request the fake received.

    Attributes:
        method: HTTP method.
        path: Full request path (including `/api/public/v1`).
        query: Query parameters (last value wins).
        headers: Request headers with `Authorization` and `X-API-Key` redacted.
        time: Arrival time on the fake clock's monotonic scale.
        status: Response status, or None when the connection was dropped.
        fault: The injected fault kind, if any.
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    time: float
    status: int | None
    fault: str | None = None


@attrs.define(kw_only=True)
class Stats:
    """Request counters (reset with `FakeOEC.reset_stats`).

    Attributes:
        requests: Every request received.
        reads: GET requests admitted (past authentication and the key's rate limit).
        writes: Other requests admitted likewise (a read-only key's 403 included).
        rate_limited: 429 answers of any kind (key, per-target and webhook-mutation limits).
        faults: Injected faults (random or scripted).
        dropped: Connections closed without an answer.
        replays: Idempotent replays served from the cache.
    """

    requests: int = 0
    reads: int = 0
    writes: int = 0
    rate_limited: int = 0
    faults: int = 0
    dropped: int = 0
    replays: int = 0


@attrs.define(kw_only=True)
class Anomalies:
    """Misbehaviour of clients that only the server can see. All zero for a well-behaved client.

    Attributes:
        duplicate_tasks_for_idempotency_key: A task was created for an idempotency-key value
            that had already created a task (wrong header name, key reused on another route or
            environment, or after the 24 h cache expired).
        duplicate_creates_for_idempotency_key: The same for created projects, environments and
            webhooks.
        actions_while_active: Actions refused with 409 `task_in_progress` (would-be double
            deploys).
        requests_before_retry_after: Requests sent to a key's read or write bucket before the
            `Retry-After` of that bucket's last 429 had elapsed.
        max_concurrent_requests: Peak number of requests being handled at once.
        max_active_tasks: Peak number of queued or running tasks across all environments.
    """

    duplicate_tasks_for_idempotency_key: int = 0
    duplicate_creates_for_idempotency_key: int = 0
    actions_while_active: int = 0
    requests_before_retry_after: int = 0
    max_concurrent_requests: int = 0
    max_active_tasks: int = 0

    @property
    def total(self) -> int:
        """Sum of the misbehaviour counters (the two peaks are not misbehaviour)."""
        return (
            self.duplicate_tasks_for_idempotency_key
            + self.duplicate_creates_for_idempotency_key
            + self.actions_while_active
            + self.requests_before_retry_after
        )
