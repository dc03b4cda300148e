"""The rate budget shared through Redis (or Valkey), with redis-py's asyncio client."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import logging
import math
import secrets
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit, urlunsplit

import anyio
from attrs import define

from .._events import Event, SharedBudgetRestored, SharedBudgetUnavailable
from .._sharing import Note, Reservation, Rules
from ._script import NOTE_FIELDS, SCRIPT

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

__all__ = ["DEFAULT_PREFIX", "BudgetStats", "RedisBuckets", "RedisBudget"]

logger = logging.getLogger("oec_async")

DEFAULT_PREFIX: Final = "oec-async:budget"
_HASH_KEY: Final = b"oec-async shared rate budget v1"
_SCHEMES: Final = frozenset({"redis", "rediss", "unix"})
_MAX_NOTES: Final = 10_000  # while nobody sends them (no loop yet), the oldest go first
_FLUSH_DELAY: Final = 0.002  # notes of the same moment (a burst of answers) share a round trip


def _strip_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _positive(name: str, value: object) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")
    return float(value)


class RedisBudget:
    """A rate budget shared by every process that uses the same API key and the same Redis.

    Pass it to a client (``Client(budget=RedisBudget("redis://127.0.0.1:6379/0"))``) or set
    ``OEC_BUDGET_URL``. Requires ``pip install 'oec-async[redis]'``; works with Valkey too.

    The key's read and write buckets live under ``{prefix}:{<hmac>}:read|write:log|state``,
    where ``<hmac>`` is an HMAC-SHA256 of the API key (the key itself never reaches Redis),
    and expire two windows and a minute after their last write.

    When Redis does not answer within ``timeout`` (down, restarting, overloaded), the client
    paces on its own, logs one WARNING and emits :class:`~oec_async.SharedBudgetUnavailable`;
    it tries Redis again every ``retry_interval`` seconds and, once it answers, shares again
    and emits :class:`~oec_async.SharedBudgetRestored`. No request fails because of Redis.

    Args:
        url: ``redis://``, ``rediss://`` or ``unix://`` URL of the server (with its database).
        prefix: The start of every key this budget writes.
        timeout: The longest a round trip to Redis may take before it counts as down.
        retry_interval: Seconds between attempts to reach Redis again while it is down.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        timeout: float = 0.5,
        retry_interval: float = 1.0,
    ) -> None:
        if not isinstance(url, str):
            raise TypeError(f"url must be a string, got {type(url).__name__}")
        scheme = urlsplit(url).scheme
        if scheme not in _SCHEMES:
            raise ValueError(
                "the budget URL must start with redis://, rediss:// or unix://, got "
                f"{_strip_password(url)!r}"
            )
        given: object = prefix
        if not isinstance(given, str) or not prefix or any(c.isspace() for c in prefix):
            raise ValueError(f"prefix must be a non-empty string without spaces, got {prefix!r}")
        try:
            import redis.asyncio  # noqa: F401 - fail here, clearly, rather than at the first request
        except ImportError:
            raise ImportError(
                "the shared rate budget needs redis-py: pip install 'oec-async[redis]'"
            ) from None
        self.url = url
        self.prefix = prefix
        self.timeout = _positive("timeout", timeout)
        self.retry_interval = _positive("retry_interval", retry_interval)

    def __repr__(self) -> str:
        return f"RedisBudget({_strip_password(self.url)!r}, prefix={self.prefix!r})"

    def key_tag(self, api_key: str) -> str:
        """The keyed hash that names ``api_key``'s buckets in Redis (never the key itself)."""
        digest = hmac.new(_HASH_KEY, api_key.encode(), hashlib.sha256).hexdigest()
        return digest[:32]

    def for_key(self, api_key: str) -> RedisBuckets:
        """The shared buckets of ``api_key``, for one client (no I/O until its first request)."""
        tag = self.key_tag(api_key)
        keys = tuple(
            f"{self.prefix}:{{{tag}}}:{bucket}:{kind}"
            for bucket in ("read", "write")
            for kind in ("log", "state")
        )
        return RedisBuckets(self, keys)


@define
class BudgetStats:
    """What one client's shared budget did (for benchmarks and diagnostics).

    Attributes:
        round_trips: Script calls sent to Redis (answered or not).
        reserved: Slots reserved in Redis.
        local: Slots the governor counted alone because Redis did not answer.
        notes_sent: Notes (answers, headers, pauses) delivered to Redis.
        outages: Times Redis stopped answering.
        restores: Times it answered again.
    """

    round_trips: int = 0
    reserved: int = 0
    local: int = 0
    notes_sent: int = 0
    outages: int = 0
    restores: int = 0


class RedisBuckets:
    """One client's view of the shared budget: reservations, queued notes, and Redis's health.

    Made by :meth:`RedisBudget.for_key`; the client's rate governor is its only user.
    """

    def __init__(self, budget: RedisBudget, keys: Sequence[str]) -> None:
        self.budget = budget
        self.keys = list(keys)
        self.stats = BudgetStats()
        self._emit: Callable[[Event], None] = lambda event: None
        self._redis: Redis | None = None
        self._script: AsyncScript | None = None
        self._notes: deque[Note] = deque(maxlen=_MAX_NOTES)
        self._flusher: asyncio.Task[None] | None = None
        self._down_until: float | None = None  # None: up (as far as we know)
        self._ids = itertools.count()
        self._token = secrets.token_hex(4)  # tells this client's slots from others' in the log
        self._closed = False
        self._rules: Rules | None = None  # the governor's, as of the last reservation

    def __repr__(self) -> str:
        return f"<RedisBuckets {self.budget!r} up={self.is_up}>"

    @property
    def is_up(self) -> bool:
        """Whether Redis answered the last round trip (or none was tried yet)."""
        return self._down_until is None

    def attach(self, emit: Callable[[Event], None]) -> None:
        """Report availability changes to ``emit`` (the governor's)."""
        self._emit = emit

    async def reserve(self, bucket: str, rules: Rules, max_wait: float) -> Reservation | None:
        """Reserve the next slot of ``bucket`` in one round trip (``None``: Redis is down)."""
        slot_id = f"{self._token}:{next(self._ids)}"
        reply = await self._call(bucket, slot_id, rules, max_wait)
        if reply is None:
            self.stats.local += 1
            return None
        taken, wait, got_id, limit, window, paused, confirmed = reply
        if taken == 1:
            self.stats.reserved += 1
        return Reservation(
            taken=taken == 1,
            wait=max(0.0, float(wait)),
            slot_id=_text(got_id) or None,
            limit=int(float(limit)),
            window=float(window),
            paused=float(paused),
            confirmed=confirmed == 1,
        )

    def note(self, note: Note) -> None:
        """Queue ``note``; it goes with the next reservation, or in a round trip of its own soon."""
        if self._closed or self._down_until is not None:
            return  # Redis lost its state or will get fresher news: nothing to catch up on
        self._notes.append(note)
        if self._flusher is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # no loop: the next reservation carries it
            # Detached on purpose: release() is synchronous. The task ends by itself after one
            # round trip bounded by the timeout; aclose() awaits it.
            self._flusher = loop.create_task(self._flush_soon())

    async def aclose(self) -> None:
        """Deliver queued notes (bounded by the timeout) and close the connections."""
        self._closed = True
        # Shielded: a client closed while being cancelled still hands its connections back,
        # and every step is bounded (the round trip by the timeout).
        with anyio.CancelScope(shield=True):
            flusher, self._flusher = self._flusher, None
            if flusher is not None:
                flusher.cancel()
                await asyncio.wait([flusher])
            if self._notes and self._down_until is None:
                await self._call("", "", None, math.inf)
            redis, self._redis = self._redis, None
            self._script = None
            if redis is not None:
                await redis.aclose()

    async def _flush_soon(self) -> None:
        try:
            await asyncio.sleep(_FLUSH_DELAY)
            if self._notes:
                await self._call("", "", None, math.inf)
        finally:
            self._flusher = None

    async def _call(
        self, bucket: str, slot_id: str, rules: Rules | None, max_wait: float
    ) -> list[Any] | None:
        if self._closed and bucket:
            return None  # a request after the client closed: no new connection for it
        down_until = self._down_until
        if down_until is not None and time.monotonic() < down_until:
            return None
        notes = list(self._notes)
        self._notes.clear()
        if rules is not None:
            self._rules = rules
        args = _arguments(bucket, slot_id, rules or self._rules, max_wait, notes)
        self.stats.round_trips += 1
        try:
            with anyio.fail_after(self.budget.timeout):
                reply = await self._run(args)
        except Exception as error:  # any failure of the store: pace locally, never fail a call
            self._went_down(error)
            return None
        self.stats.notes_sent += len(notes)
        if down_until is not None:
            self._down_until = None
            self.stats.restores += 1
            logger.info("shared rate budget at %s answers again", _strip_password(self.budget.url))
            self._emit(SharedBudgetRestored())
        return list(reply)

    async def _run(self, args: list[str]) -> Any:
        if self._script is None:
            from redis.asyncio import Redis
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            timeout = self.budget.timeout
            self._redis = Redis.from_url(
                self.budget.url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 0),  # a failure means "down": the governor goes on
                health_check_interval=0,
            )
            self._script = self._redis.register_script(SCRIPT)
        return await self._script(keys=self.keys, args=args)

    def _went_down(self, error: BaseException) -> None:
        self._down_until = time.monotonic() + self.budget.retry_interval
        if self.stats.outages > self.stats.restores:
            return  # still the same outage: one warning for it
        self.stats.outages += 1
        if isinstance(error, TimeoutError):
            reason = f"no answer within {self.budget.timeout:g}s"
        else:
            reason = f"{type(error).__name__}: {error}"
        logger.warning(
            "shared rate budget at %s unavailable (%s); pacing this process alone until it answers",
            _strip_password(self.budget.url),
            reason,
        )
        self._emit(SharedBudgetUnavailable(reason=reason))


_NOTES_ONLY: Final = Rules(
    read_limit=1, write_limit=1, window=1.0, margin=0.0, pacing=True, max_pause=1e12
)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _arguments(
    bucket: str, slot_id: str, rules: Rules | None, max_wait: float, notes: list[Note]
) -> list[str]:
    if rules is None:  # notes only, before any reservation: the notes are bounded already
        rules = _NOTES_ONLY
    args = [
        bucket,
        slot_id,
        str(rules.read_limit),
        str(rules.write_limit),
        repr(rules.window),
        repr(rules.margin),
        "1" if rules.pacing else "0",
        repr(max_wait) if math.isfinite(max_wait) else "-1",
        repr(rules.max_pause),
        str(len(notes)),
    ]
    now = time.monotonic()
    for note in notes:
        fields = (
            note.kind,
            note.bucket,
            repr(max(0.0, now - note.at)),
            note.slot_id or "",
            repr(note.seconds),
            "" if note.limit is None else str(note.limit),
            "" if note.window is None else repr(note.window),
            "" if note.remaining is None else str(note.remaining),
            "" if note.reset is None else repr(note.reset),
        )
        assert len(fields) == NOTE_FIELDS
        args.extend(fields)
    return args
