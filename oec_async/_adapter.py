"""The aiohttp adapter: the only place the client side talks to aiohttp.

:meth:`AiohttpAdapter.send` sends one :class:`~oec_async._core.Request` and returns a
:class:`~oec_async._core.RawResponse`, or raises our exceptions for what went wrong on the
wire (aiohttp's exception kept as ``__cause__`` unless its text quotes the key).
"""

from __future__ import annotations

import time
from typing import Any, Final

import aiohttp

from ._config import Timeouts
from ._core import RawResponse, Request, redact, safe_cause
from ._exceptions import APIConnectionError, APITimeoutError, ResponseValidationError

__all__ = ["DEFAULT_MAX_RESPONSE_SIZE", "AiohttpAdapter", "client_timeout", "new_session"]

DEFAULT_MAX_RESPONSE_SIZE: Final = 16 * 1024 * 1024
"""The largest answer read by default (decompressed bytes): far above any real answer."""

_CHUNK: Final = 64 * 1024


def client_timeout(timeouts: Timeouts) -> aiohttp.ClientTimeout:
    """aiohttp's timeout object for our :class:`Timeouts`."""
    return aiohttp.ClientTimeout(total=timeouts.total, connect=timeouts.connect)


def new_session(*, connection_limit: int, ssl: Any) -> aiohttp.ClientSession:
    """A session tuned for one API origin (must be called inside a running loop)."""
    connector = aiohttp.TCPConnector(
        limit=connection_limit, limit_per_host=connection_limit, ssl=ssl
    )
    return aiohttp.ClientSession(connector=connector, raise_for_status=False)


class AiohttpAdapter:
    """Sends requests on one aiohttp session.

    Args:
        session: The session (the client's own, or borrowed).
        ssl: Passed to aiohttp per request (a borrowed session has its own connector).
        secret: The API key, scrubbed from every error.
        max_response_size: The most decompressed body bytes read from one answer.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        ssl: Any = True,
        secret: str | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        self._session = session
        self._ssl = ssl
        self._secret = secret
        self._max_size = max_response_size
        self._timeouts: dict[Timeouts, aiohttp.ClientTimeout] = {}

    @property
    def closed(self) -> bool:
        """Whether the session is closed."""
        return self._session.closed

    async def send(self, request: Request, timeouts: Timeouts) -> RawResponse:
        """Send ``request`` once and read its whole answer.

        Raises:
            APITimeoutError: connect or total timeout.
            APIConnectionError: the connection failed or dropped.
            ResponseValidationError: the answer is larger than ``max_response_size``.
        """
        timeout = self._timeouts.get(timeouts)
        if timeout is None:
            timeout = self._timeouts[timeouts] = client_timeout(timeouts)
        method, path = request.method, request.path
        started = time.perf_counter()
        try:
            async with self._session.request(
                method,
                request.url,
                params=request.params,
                data=request.body,
                headers=request.headers,
                timeout=timeout,
                allow_redirects=False,
                ssl=self._ssl,
            ) as response:
                length = response.content_length
                if length is not None and length <= self._max_size and _plain(response):
                    body = await response.read()  # the parser stops at Content-Length
                else:
                    body = await self._read(response, request)
                return RawResponse(
                    response.status,
                    response.headers,
                    body,
                    time.perf_counter() - started,
                    response.reason or "",
                )
        except TimeoutError as error:
            connected = not isinstance(error, aiohttp.ConnectionTimeoutError)
            raise APITimeoutError(
                f"{method} {path}: timed out ({type(error).__name__})",
                method=method,
                path=path,
                may_have_reached_server=connected,
            ) from safe_cause(error, self._secret)
        except aiohttp.ClientConnectorError as error:
            raise APIConnectionError(
                redact(f"{method} {path}: cannot connect ({error.os_error})", self._secret),
                method=method,
                path=path,
                may_have_reached_server=False,
            ) from safe_cause(error, self._secret)
        except aiohttp.ClientError as error:
            raise APIConnectionError(
                redact(
                    f"{method} {path}: connection failed ({type(error).__name__}: {error})",
                    self._secret,
                ),
                method=method,
                path=path,
            ) from safe_cause(error, self._secret)

    async def _read(self, response: aiohttp.ClientResponse, request: Request) -> bytes:
        """Read a body not known to fit: refused at once when its length says it is too large,
        else counted as it arrives (and inflates).
        """
        limit = self._max_size
        length = response.content_length
        if length is not None and length > limit and _plain(response):
            raise self._too_large(response, request)
        chunks: list[bytes] = []
        size = 0
        # Counted as decompressed: aiohttp inflates in bounded steps as we read.
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise self._too_large(response, request)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(
        self, response: aiohttp.ClientResponse, request: Request
    ) -> ResponseValidationError:
        response.close()  # drop the connection: the rest of the body is never read
        return ResponseValidationError(
            f"{request.method} {request.path} -> {response.status}: the answer is larger than "
            f"max_response_size={self._max_size} bytes (decompressed); not reading it",
            method=request.method,
            path=request.path,
            status=response.status,
            request_id=redact(response.headers.get("X-Request-ID", ""), self._secret) or None,
        )


def _plain(response: aiohttp.ClientResponse) -> bool:
    """Whether the body arrives as it is (no ``Content-Encoding``): its length is its size."""
    return "Content-Encoding" not in response.headers
