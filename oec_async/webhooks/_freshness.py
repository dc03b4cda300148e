"""Is a delivery fresh, and has it been handled already? Pure reading plus one bounded memory.

A delivery's freshness must come from something its signature covers, or a replay can be made
to look new. With the default scheme the HMAC covers the body only, so the ``X-OEC-Timestamp``
header proves nothing; the body's ``timestamp`` field (the send time, Unix seconds) does. With
``signed_content="timestamp.body"`` the header is signed too. ``created_at`` is not used: it is
when the event happened, and a sender's legitimate retry may come long after it.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from ._errors import WebhookSignatureError

if TYPE_CHECKING:
    from ._signature import SignatureScheme

__all__ = ["ReplayMemory", "check_age", "header_value", "signed_time", "unix_time"]

BODY_TIMESTAMP: Final = "timestamp"
_LATEST: Final = 1e11  # Unix seconds in the year 5138: anything later is milliseconds or noise
_SECONDS: Final = re.compile(r"\d{1,11}(\.\d{1,9})?").fullmatch


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name``, looked up case-insensitively; ``None`` if absent."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, candidate in headers.items():
        if key.lower() == lowered:
            return candidate
    return None


def unix_time(value: object) -> float:
    """Read a timestamp: Unix seconds as an int, a float or a string, or an ISO 8601 string.

    Raises:
        ValueError: anything else (bools, NaN, infinities, negative or absurdly large numbers,
            text that is neither), with a message naming the problem.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"a {type(value).__name__} is not a time")
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 64:
            raise ValueError("the text is too long to be a time")
        if _SECONDS(text):
            return float(text)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("neither Unix seconds nor an ISO 8601 time") from None
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    seconds = float(value) if isinstance(value, float) or abs(value) < 2**62 else math.inf
    if not math.isfinite(seconds) or not 0 <= seconds <= _LATEST:
        raise ValueError("not a number of Unix seconds")
    return seconds


def signed_time(
    envelope: Mapping[str, object], headers: Mapping[str, str], scheme: SignatureScheme
) -> float | None:
    """When the delivery was sent, read from what its signature covers; ``None`` if nothing.

    The body's ``timestamp`` comes first; the timestamp header counts only when the scheme
    signs it.

    Raises:
        WebhookSignatureError: ``malformed_timestamp``, naming the field.
    """
    sources: list[tuple[str, object]] = []
    if BODY_TIMESTAMP in envelope and envelope[BODY_TIMESTAMP] is not None:
        sources.append((f"the body's {BODY_TIMESTAMP!r}", envelope[BODY_TIMESTAMP]))
    if scheme.signed_content == "timestamp.body" and scheme.timestamp_header is not None:
        raw = header_value(headers, scheme.timestamp_header)
        if raw is not None:
            sources.append((f"the {scheme.timestamp_header} header", raw))
    for source, value in sources:
        try:
            return unix_time(value)
        except ValueError as error:
            raise WebhookSignatureError("malformed_timestamp", f"{source}: {error}") from None
    return None


def check_age(sent: float, tolerance: float, now: float, source: str = "the delivery") -> None:
    """Refuse a time more than ``tolerance`` seconds from ``now`` (either way) as stale."""
    age = now - sent
    if abs(age) > tolerance:
        raise WebhookSignatureError(
            "stale",
            f"{source} is {abs(age):.0f}s {'old' if age > 0 else 'ahead'} "
            f"(tolerance {tolerance:g}s)",
        )


class ReplayMemory:
    """The deliveries already handled (or being handled), bounded by time and by count.

    An entry lives until its delivery's signed time is more than ``tolerance`` seconds old:
    past that, the freshness check refuses the delivery whatever its id, so remembering it is
    useless. At most ``capacity`` entries are kept; when a burst fills the memory with fresh
    entries, the oldest leaves and its time becomes a *horizon*: a delivery signed at or before
    it that is not remembered is refused as ``replayed``, so a burst never opens a replay hole.
    Without a tolerance (no times), the memory is a plain first-in-first-out of ``capacity``.
    """

    __slots__ = ("_by_time", "_capacity", "_horizon", "_order", "_pending", "_times", "_tolerance")

    def __init__(self, capacity: int, tolerance: float | None) -> None:
        self._capacity = capacity
        self._tolerance = tolerance
        self._times: dict[str, float] = {}
        self._by_time: list[tuple[float, int, str]] = []
        self._order = itertools.count()
        self._pending: set[str] = set()
        self._horizon = -math.inf

    def __len__(self) -> int:
        return len(self._times)

    def claim(self, key: str, sent: float | None, now: float) -> bool:
        """Take ``key`` for handling: ``False`` if it was handled or is being handled.

        Raises:
            WebhookSignatureError: ``replayed``: signed before the horizon and not remembered.
        """
        self._forget_before(now)
        if key in self._times or key in self._pending:
            return False
        if sent is not None and sent <= self._horizon:
            raise WebhookSignatureError(
                "replayed",
                "the delivery was signed before the oldest one this receiver still remembers "
                f"(a burst of over {self._capacity} deliveries); it may be a replay",
            )
        self._pending.add(key)
        return True

    def release(self, key: str, sent: float | None, *, handled: bool) -> None:
        """End the handling of ``key``: remember it if it was handled (else a retry may come)."""
        self._pending.discard(key)
        if not handled or self._capacity == 0:
            return
        when = float(next(self._order)) if sent is None or self._tolerance is None else sent
        self._times[key] = when
        heapq.heappush(self._by_time, (when, next(self._order), key))
        while len(self._times) > self._capacity:
            oldest, _, gone = heapq.heappop(self._by_time)
            if self._times.get(gone) == oldest:
                del self._times[gone]
                if self._tolerance is not None:
                    self._horizon = max(self._horizon, oldest)

    def _forget_before(self, now: float) -> None:
        if self._tolerance is None:
            return
        limit = now - self._tolerance
        while self._by_time and self._by_time[0][0] < limit:
            when, _, key = heapq.heappop(self._by_time)
            if self._times.get(key) == when:
                del self._times[key]
