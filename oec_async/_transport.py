"""The send loop: governor, send, decide, then wait, raise or return, reporting events.

One :class:`Transport` per open client, shared by its views. It holds no HTTP code (that is
:mod:`oec_async._adapter`) and no policy (that is :func:`oec_async._retry.decide`): it only
waits for a slot, sends, asks the decision, and sleeps.
"""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Final, Protocol

from ._config import RetryPolicy, Timeouts
from ._core import RawResponse, Request, parse_rate_limit, redact
from ._events import (
    AttemptFinished,
    AttemptStarted,
    CallFinished,
    CallStarted,
    Event,
    Listener,
    RetryScheduled,
    has_context_listeners,
)
from ._exceptions import APIConnectionError, APIError, ClientClosedError, RateLimitError
from ._models import RateLimitSnapshot
from ._ratelimit import RateGovernor, Slot
from ._retry import CallPolicy, Raise, Retry, Return, decide

__all__ = ["Sender", "Transport"]

logger: Final = logging.getLogger("oec_async")


class Sender(Protocol):
    """What the loop sends with (the aiohttp adapter, or a test double)."""

    @property
    def closed(self) -> bool:
        """Whether nothing more can be sent."""
        ...

    async def send(self, request: Request, timeouts: Timeouts) -> RawResponse:
        """Send one attempt and read its answer."""
        ...


class Transport:
    """Runs calls for one client: pacing, sending, retrying, events.

    Args:
        sender: The adapter that sends one attempt.
        governor: The client's rate governor.
        emit: The client's emitter.
        listeners: The client's listeners (read to skip building events nobody receives).
        secret: The API key, scrubbed from errors.
        clock: Monotonic seconds (the client's time seam).
        sleep: The sleep (the client's time seam).
        wall_clock: Unix time, for ``Retry-After`` dates.
    """

    def __init__(
        self,
        *,
        sender: Sender,
        governor: RateGovernor,
        emit: Callable[[Event], None],
        listeners: Sequence[Listener],
        secret: str,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        wall_clock: Callable[[], float],
    ) -> None:
        self._sender = sender
        self.governor = governor
        self._emit = emit
        self._listeners = listeners
        self._secret = secret
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._random = random.Random()
        self._call_ids = itertools.count(1)
        self.rate_limit: RateLimitSnapshot | None = None
        self._closed = False

    def close(self) -> None:
        """Mark the transport closed: a call in progress stops before its next attempt."""
        self._closed = True

    def _check_open(self, request: Request, cause: BaseException | None = None) -> None:
        # A call still retrying when its client closes must not reach aiohttp, which would
        # answer "RuntimeError: Session is closed".
        if self._closed or self._sender.closed:
            raise ClientClosedError(
                f"{request.method} {request.path}: the client (or its aiohttp session) was "
                "closed while this request was in progress"
            ) from cause

    async def call(
        self,
        request: Request,
        *,
        retry: RetryPolicy,
        timeouts: Timeouts,
        max_retries: int | None = None,
        slot: Slot | None = None,
    ) -> RawResponse:
        """Send ``request`` until :func:`decide` returns or raises, and return the answer.

        Args:
            request: The request (built once; every retry sends the same one).
            retry: The retry policy.
            timeouts: Timeouts of each attempt.
            max_retries: Overrides ``retry.max_retries`` for this call.
            slot: A slot already taken for the first attempt (retries take their own).

        Raises:
            APIStatusError: an error answer, after retries.
            APIConnectionError: the connection failed, after retries.
            RateLimitError: the rate budget would make the call wait over ``max_retry_after``.
            ResponseValidationError: the answer is larger than ``max_response_size``.
        """
        observed = bool(self._listeners) or has_context_listeners()
        call_id = next(self._call_ids)
        started = self._clock() if observed else 0.0
        policy = CallPolicy(
            request,
            retry,
            retry.max_retries if max_retries is None else max_retries,
            self.governor.bucket_window(request.bucket),
            self._secret,
        )
        if observed:
            self._emit(
                CallStarted(
                    call_id=call_id, method=request.method, path=request.path, route=request.route
                )
            )
        attempt = 0
        status: int | None = None
        try:
            waited = 0.0  # on the governor, over the whole call
            while True:
                self._check_open(request)
                # A free slot is taken without a wait (the common case); anything else waits.
                taken = self.governor.try_acquire(request.bucket) if slot is None else None
                if taken is None:
                    before = self._clock()
                    taken = await self._take_slot(request, slot, retry.max_retry_after - waited)
                    waited += self._clock() - before
                slot = taken
                if observed:
                    self._emit(
                        AttemptStarted(
                            call_id=call_id,
                            method=request.method,
                            path=request.path,
                            route=request.route,
                            attempt=attempt,
                        )
                    )
                # The send is awaited here, not in a helper coroutine: every step of every
                # request passes through each coroutine between the caller and aiohttp.
                sent = self._clock() if observed else 0.0
                outcome: RawResponse | APIConnectionError | None = None
                failure: APIError | None = None
                try:
                    outcome = await self._sender.send(request, timeouts)
                except APIConnectionError as error:
                    outcome = error
                except APIError as error:
                    failure = error
                    raise
                finally:
                    # However the attempt ends (cancelled too), its slot goes back.
                    self._attempt_ended(
                        request, slot, outcome, failure, attempt, call_id, observed, sent
                    )
                slot = None
                if isinstance(outcome, RawResponse):
                    status = outcome.status
                decision = decide(outcome, attempt, policy, self._wall_clock(), rand=self._random)
                if isinstance(decision, Return):
                    if observed:
                        self._finish(request, call_id, status, attempt + 1, started, None)
                    return decision.response
                if decision.pause is not None:
                    self.governor.pause(request.bucket, decision.pause)
                if isinstance(decision, Raise):
                    raise decision.error
                self._check_open(request, outcome if isinstance(outcome, Exception) else None)
                attempt += 1
                self._announce_retry(request, call_id, attempt, decision)
                if decision.delay > 0:
                    await self._sleep(decision.delay)
        except Exception as error:
            if observed:
                self._finish(request, call_id, status, attempt + 1, started, error)
            raise

    async def _take_slot(self, request: Request, slot: Slot | None, max_wait: float) -> Slot:
        """The attempt's slot: the one given (after any 429 pause), or one from the governor."""
        bucket = request.bucket
        if slot is not None and slot.bucket != bucket:
            raise ValueError(
                f"{request.method} {request.path}: a {slot.bucket} slot cannot pay for a "
                f"{bucket} request"
            )
        if slot is not None:
            if not await self.governor.redeem(slot, max_wait=max(0.0, max_wait)):
                raise self._over_budget(request, self.governor.paused_for(bucket))
            return slot
        taken = await self.governor.acquire(bucket, max_wait=max(0.0, max_wait))
        if taken is None:
            wait = max(self.governor.paused_for(bucket), self.governor.delay_for(bucket))
            raise self._over_budget(request, wait)
        return taken

    def _over_budget(self, request: Request, wait: float) -> RateLimitError:
        return RateLimitError(
            f"{request.method} {request.path}: the {request.bucket} rate limit needs a wait of "
            f"{wait:.0f}s (client-side pacing, or the server's Retry-After/X-RateLimit-Reset), "
            "over max_retry_after for this call; not waiting",
            method=request.method,
            path=request.path,
            status=429,
            code="rate_limit_exceeded",
            retry_after=wait,
        )

    def _attempt_ended(
        self,
        request: Request,
        slot: Slot,
        outcome: RawResponse | APIConnectionError | None,
        failure: APIError | None,
        attempt: int,
        call_id: int,
        observed: bool,
        sent: float,
    ) -> None:
        """Read the answer's rate-limit headers, give the slot back, report the attempt."""
        snapshot = None
        try:
            if isinstance(outcome, RawResponse):
                snapshot = parse_rate_limit(outcome.headers, request.bucket, now=self._wall_clock())
                if snapshot is not None:
                    self.rate_limit = snapshot
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug(
                        "%s %s -> %d in %.3fs",
                        request.method,
                        request.path,
                        outcome.status,
                        outcome.elapsed,
                    )
        finally:
            self.governor.release(slot, snapshot=snapshot)
            if observed:
                answered = outcome if isinstance(outcome, RawResponse) else None
                problem = failure or (outcome if isinstance(outcome, Exception) else None)
                self._emit(
                    AttemptFinished(
                        call_id=call_id,
                        method=request.method,
                        path=request.path,
                        route=request.route,
                        attempt=attempt,
                        status=answered.status if answered else getattr(failure, "status", None),
                        elapsed=self._clock() - sent,
                        request_id=answered.request_id if answered else None,
                        error=redact(str(problem), self._secret) if problem else None,
                    )
                )

    def _announce_retry(self, request: Request, call_id: int, attempt: int, retry: Retry) -> None:
        self._emit(
            RetryScheduled(
                method=request.method,
                path=request.path,
                attempt=attempt,
                delay=retry.delay,
                reason=retry.reason,
                call_id=call_id,
            )
        )
        logger.info(
            "retrying %s %s in %.2fs (retry %d): %s",
            request.method,
            request.path,
            retry.delay,
            attempt,
            retry.reason,
        )

    def _finish(
        self,
        request: Request,
        call_id: int,
        status: int | None,
        attempts: int,
        started: float,
        error: Exception | None,
    ) -> None:
        self._emit(
            CallFinished(
                call_id=call_id,
                method=request.method,
                path=request.path,
                route=request.route,
                status=status,
                attempts=attempts,
                elapsed=self._clock() - started,
                error=error,
            )
        )
