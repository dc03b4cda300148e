"""The idempotency cache: same key + same route within 24 h replays the first response."""

from __future__ import annotations

from typing import Final

import attrs

from ._errors import JSONObject

ACTION_HEADER: Final = "Idempotency-Key"
"""Header read by actions (deploy, restart, start, stop, quick-update) and backup restore."""
CREATE_HEADER: Final = "X-Idempotency-Key"
"""Header read by creates (projects, environments, webhooks)."""
TTL_SECONDS: Final = 24 * 3600.0


@attrs.frozen
class StoredResponse:
    """A cached answer: status, JSON body and when it was stored (fake clock)."""

    status: int
    body: JSONObject
    stored_at: float


class IdempotencyStore:
    """Successful (2xx) answers keyed by (method, path, idempotency key), kept for 24 h."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        """Create an empty store whose entries expire after `ttl` seconds."""
        self._ttl = ttl
        self._entries: dict[tuple[str, str, str], StoredResponse] = {}

    def lookup(self, method: str, path: str, key: str, now: float) -> StoredResponse | None:
        """Return the live cached answer for this route and key, if any."""
        entry = self._entries.get((method, path, key))
        if entry is None or now - entry.stored_at >= self._ttl:
            return None
        return entry

    def store(
        self, method: str, path: str, key: str, status: int, body: JSONObject, now: float
    ) -> None:
        """Remember a successful answer."""
        self._entries[(method, path, key)] = StoredResponse(status, body, now)

    def __len__(self) -> int:
        """Return the number of stored answers (expired ones included)."""
        return len(self._entries)
