"""The send path: the only module that talks to aiohttp.

One :class:`Transport` per client. It adds auth, paces requests through the rate governor,
retries what is safe to retry with the same idempotency key, and maps aiohttp's exceptions and
error answers to ours (the original exception kept as ``__cause__``).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final
from uuid import uuid4

import aiohttp
import anyio
from yarl import URL

from ._config import RetryPolicy, Timeouts
from ._core import build_status_error, decode_json_body, parse_rate_limit, redact
from ._events import RetryScheduled, emit
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    RateLimitError,
    UnsafeRequestError,
)
from ._models import RateLimitSnapshot
from ._ratelimit import RateGovernor, bucket_for
from ._retry import backoff_delay, is_retryable_status, seconds_to_next_window, server_wait_hint

__all__ = ["Transport", "client_timeout", "new_session"]

logger: Final = logging.getLogger("oec_async")

Params = Mapping[str, str | int | float | bool]


def client_timeout(timeouts: Timeouts) -> aiohttp.ClientTimeout:
    """aiohttp's timeout object for our :class:`Timeouts`."""
    return aiohttp.ClientTimeout(total=timeouts.total, connect=timeouts.connect)


def new_session(*, connection_limit: int, ssl: Any) -> aiohttp.ClientSession:
    """A session tuned for one API origin (must be called inside a running loop)."""
    connector = aiohttp.TCPConnector(
        limit=connection_limit, limit_per_host=connection_limit, ssl=ssl
    )
    return aiohttp.ClientSession(connector=connector, raise_for_status=False)


class Transport:
    """Sends requests for one client: auth, pacing, retries, error mapping.

    Args:
        session: The aiohttp session to send on (owned by the client, or borrowed).
        base_url: The API base URL, without a trailing slash.
        headers: Headers for every request (auth included).
        secret: The API key, only to scrub it from anything we raise or log.
        retry: The default retry policy.
        timeouts: The default timeouts.
        governor: The client's rate governor.
        ssl: Passed to aiohttp per request (a borrowed session has its own connector).
    """

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession,
        base_url: str,
        headers: Mapping[str, str],
        secret: str,
        retry: RetryPolicy,
        timeouts: Timeouts,
        governor: RateGovernor,
        ssl: Any = True,
    ) -> None:
        self._session = session
        self._base_url = base_url
        parsed = URL(base_url)
        self._origin = str(parsed.origin())
        self._headers = dict(headers)
        self._secret = secret
        self.retry = retry
        self._timeout = client_timeout(timeouts)
        self.governor = governor
        self._ssl = ssl
        self._random = random.Random()
        self._sleep: Callable[[float], Awaitable[None]] = anyio.sleep
        self._wall_clock: Callable[[], float] = time.time
        self.rate_limit: RateLimitSnapshot | None = None
        self._closed = False

    def close(self) -> None:
        """Mark the transport closed: a request in progress stops before its next attempt."""
        self._closed = True

    def _closed_error(self, method: str, path: str) -> ClientClosedError | None:
        # A request still retrying when its client closes must not reach aiohttp, which
        # would answer "RuntimeError: Session is closed".
        if not (self._closed or self._session.closed):
            return None
        return ClientClosedError(
            f"{method} {path}: the client (or its aiohttp session) was closed while this "
            "request was in progress"
        )

    def url_for(self, path: str) -> str:
        """The absolute URL of an API path (``/environments/...``)."""
        return self._base_url + path

    def resolve(self, url: str) -> str:
        """Resolve a host-relative URL (a ``poll_url``) against the base URL's origin.

        Raises:
            UnsafeRequestError: the URL points at another origin, where the key must not go.
        """
        if url.startswith("/") and not url.startswith("//"):
            return self._origin + url
        target = URL(url)
        try:
            origin = str(target.origin()) if target.is_absolute() else None
        except ValueError:  # scheme-relative ("//host/...") or otherwise without an origin
            origin = None
        if origin != self._origin:
            raise UnsafeRequestError(
                f"refusing to send the API key to {redact(url, self._secret)!r}: "
                f"not on the configured origin {self._origin}",
                method="GET",
                path=url,
            )
        return url

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_header: str | None = None,
        idempotency_key: str | None = None,
        timeout: float | Timeouts | None = None,
        max_retries: int | None = None,
        url: str | None = None,
    ) -> Any:
        """Send a request (retrying what is safe) and return its decoded JSON body.

        Args:
            method: HTTP method.
            path: Path relative to the base URL; used in errors and logs.
            params: Query parameters.
            json: A JSON body.
            headers: Extra headers.
            idempotency_header: The header that carries the idempotency key
                (``Idempotency-Key`` or ``X-Idempotency-Key``); a key is generated when
                ``idempotency_key`` is ``None``, and every retry reuses it.
            idempotency_key: The caller's key.
            timeout: Total seconds, or a :class:`Timeouts`, for this call.
            max_retries: Overrides the policy's ``max_retries`` for this call.
            url: An absolute URL already resolved by :meth:`resolve` (else built from ``path``).

        Returns:
            The decoded JSON body, or ``None`` for an empty body.

        Raises:
            APIStatusError: an error answer (after retries).
            APIConnectionError: the connection failed (after retries).
            ResponseValidationError: a success answer whose body is not JSON.
        """
        send_headers: Mapping[str, str] = self._headers
        if headers or idempotency_header:
            merged = {**self._headers, **(headers or {})}
            if idempotency_header:
                merged[idempotency_header] = idempotency_key or uuid4().hex
            send_headers = merged
        idempotent = method in ("GET", "HEAD", "PUT", "DELETE", "PATCH") or bool(idempotency_header)
        retries = self.retry.max_retries if max_retries is None else max_retries
        aio_timeout = self._timeout if timeout is None else _timeout_for(timeout)
        target = url or (self._base_url + path)
        bucket = bucket_for(method)
        attempt = 0
        while True:
            if (closed := self._closed_error(method, path)) is not None:
                raise closed
            self._refuse_long_pause(method, path, bucket)
            slot = await self.governor.acquire_slot(bucket)
            seen: list[RateLimitSnapshot] = []
            try:
                return await self._send_once(
                    method,
                    path,
                    target,
                    params,
                    json,
                    send_headers,
                    aio_timeout,
                    bucket,
                    idempotent,
                    seen,
                )
            except _Retryable as signal:
                if attempt >= retries:
                    raise signal.error from signal.error.__cause__
                failure = signal.reason
                delay = signal.wait
            except APIConnectionError as error:
                if attempt >= retries or (error.may_have_reached_server and not idempotent):
                    raise
                if (closed := self._closed_error(method, path)) is not None:
                    raise closed from error  # the close is why the connection failed
                failure = error.message
                delay = None
            finally:
                self.governor.release(slot, snapshot=seen[0] if seen else None)
            attempt += 1
            if delay is None:
                delay = backoff_delay(attempt - 1, self.retry, self._random)
            emit(
                RetryScheduled(
                    method=method, path=path, attempt=attempt, delay=delay, reason=failure
                )
            )
            logger.info(
                "retrying %s %s in %.2fs (retry %d): %s", method, path, delay, attempt, failure
            )
            if delay > 0:
                await self._sleep(delay)

    async def _send_once(
        self,
        method: str,
        path: str,
        url: str,
        params: Params | None,
        json: Any,
        headers: Mapping[str, str],
        timeout: aiohttp.ClientTimeout,
        bucket: str,
        idempotent: bool,
        seen: list[RateLimitSnapshot],
    ) -> Any:
        started = time.monotonic()
        try:
            async with self._session.request(
                method,
                url,
                params=params,
                json=json,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                ssl=self._ssl,
            ) as response:
                body = await response.read()
                status = response.status
                reason = response.reason or ""
                response_headers = response.headers
        except TimeoutError as error:
            connected = not isinstance(error, aiohttp.ConnectionTimeoutError)
            raise APITimeoutError(
                f"{method} {path}: timed out ({type(error).__name__})",
                method=method,
                path=path,
                may_have_reached_server=connected,
            ) from error
        except aiohttp.ClientConnectorError as error:
            raise APIConnectionError(
                redact(f"{method} {path}: cannot connect ({error.os_error})", self._secret),
                method=method,
                path=path,
                may_have_reached_server=False,
            ) from error
        except aiohttp.ClientError as error:
            raise APIConnectionError(
                redact(
                    f"{method} {path}: connection failed ({type(error).__name__}: {error})",
                    self._secret,
                ),
                method=method,
                path=path,
            ) from error

        snapshot = parse_rate_limit(response_headers, bucket, now=self._wall_clock())
        if snapshot is not None:
            self.rate_limit = snapshot
            seen.append(snapshot)  # the governor learns from it when the slot is released
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s -> %d in %.3fs", method, path, status, time.monotonic() - started)
        if status < 300:
            return decode_json_body(
                body, method=method, path=path, status=status, secret=self._secret
            )
        if status < 400:
            location = redact(response_headers.get("Location", "?"), self._secret)
            raise APIStatusError(
                f"unexpected redirect to {location!r}: the API never redirects (wrong base URL or a proxy?); not following it with the key",
                method=method,
                path=path,
                status=status,
                code="unexpected_redirect",
                request_id=response_headers.get("X-Request-ID"),
            )
        raise self._error_for(
            method, path, status, reason, response_headers, body, bucket, idempotent
        )

    def _error_for(
        self,
        method: str,
        path: str,
        status: int,
        reason: str,
        headers: Mapping[str, str],
        body: bytes,
        bucket: str,
        idempotent: bool,
    ) -> Exception:
        """The exception for an error answer: the error itself, or a retry signal wrapping it."""
        error = build_status_error(
            method=method,
            path=path,
            status=status,
            reason=reason,
            headers=headers,
            body=body,
            secret=self._secret,
        )
        now = self._wall_clock()
        hint = server_wait_hint(headers, error.details.get("retry_after"), now=now)
        error.retry_after = hint
        if not is_retryable_status(status, error.code, idempotent=idempotent):
            return error
        if hint is not None and hint > self.retry.max_retry_after:
            if status == 429:
                # Remember it: the next request of this bucket then fails at once, clearly,
                # instead of earning another 429.
                self.governor.pause(bucket, hint)
            error.message += (
                f" (the server asks to wait {hint:.0f}s, over max_retry_after; not waiting)"
            )
            return error
        label = f"{status} {error.code}" if error.code else str(status)
        if status == 429:
            # The whole bucket pauses, so every task of this client waits once, together; the
            # retry itself then goes out as soon as the governor lets it.
            wait = (
                hint
                if hint is not None
                else seconds_to_next_window(now, self.governor.limits.window)
            )
            self.governor.pause(bucket, wait)
            if wait > self.retry.max_retry_after:
                error.retry_after = wait
                error.message += (
                    f" (the next rate-limit window opens in {wait:.0f}s, over "
                    "max_retry_after; not waiting)"
                )
                return error
            return _Retryable(error, 0.0, label)
        return _Retryable(error, hint, label)

    def _refuse_long_pause(self, method: str, path: str, bucket: str) -> None:
        """Fail at once, rather than sleep, when the bucket is paused longer than we may wait."""
        paused = self.governor.paused_for(bucket)
        if paused > self.retry.max_retry_after:
            raise RateLimitError(
                f"the {bucket} rate limit is paused for another {paused:.0f}s (the server's "
                f"Retry-After or X-RateLimit-Reset), over max_retry_after="
                f"{self.retry.max_retry_after:g}s; not waiting",
                method=method,
                path=path,
                status=429,
                code="rate_limit_exceeded",
                retry_after=paused,
            )


class _Retryable(Exception):  # noqa: N818 - a control-flow signal, never escapes this module
    """Internal: an error answer the send loop may retry after ``wait`` seconds (``None``: backoff)."""

    def __init__(self, error: APIStatusError, wait: float | None, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.wait = wait
        self.reason = reason


def _timeout_for(timeout: float | Timeouts) -> aiohttp.ClientTimeout:
    if isinstance(timeout, Timeouts):
        return client_timeout(timeout)
    return client_timeout(Timeouts(total=timeout))
