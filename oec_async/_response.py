"""Raw responses: an answer with its status, headers and request id, parsed on demand.

``client.with_raw_response.<resource>.<method>(...)`` runs the method as usual on a view of the
client that keeps the answers it receives, and gives back the last one as an
:class:`APIResponse`: one generic proxy for every method, not a wrapper class per resource.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Generic, TypeVar

from ._core import RawResponse, Request, parse_rate_limit, read_response
from ._exceptions import ResponseValidationError
from ._models import RateLimitSnapshot

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["APIResponse", "RawResponses"]

T = TypeVar("T")

_UNSET: object = object()


class APIResponse(Generic[T]):
    """One answer of the API, as received.

    Attributes:
        status: The HTTP status.
        headers: The response headers.
        elapsed: Seconds from sending the request to the end of its body.
        method: The request's HTTP method.
        path: The request's path relative to the base URL.
    """

    def __init__(self, raw: RawResponse, request: Request, secret: str | None = None) -> None:
        self._raw = raw
        self._request = request
        self._secret = secret
        self._parsed: object = _UNSET
        self._parse_error: ResponseValidationError | None = None
        self.status: int = raw.status
        self.headers: Mapping[str, str] = raw.headers
        self.elapsed: float = raw.elapsed
        self.method: str = request.method
        self.path: str = request.path

    def __repr__(self) -> str:
        return f"<APIResponse {self.method} {self.path} -> {self.status}>"

    @property
    def request_id(self) -> str | None:
        """The ``X-Request-ID`` header, if the server sent one (quote it to support)."""
        return self._raw.request_id

    @property
    def content(self) -> bytes:
        """The raw body bytes."""
        return self._raw.body

    @cached_property
    def rate_limit(self) -> RateLimitSnapshot | None:
        """The answer's ``X-RateLimit-*`` headers, or ``None`` when it carried none."""
        return parse_rate_limit(self.headers, self._request.bucket)

    def json(self) -> object:
        """The body decoded as JSON (``None`` when empty).

        Raises:
            ResponseValidationError: the body is not JSON; it carries this answer's status and
                request id.
        """
        return read_response(self._raw, self._request, self._secret)

    def parse(self) -> T:
        """The value the method returns for this answer (a model, a page...).

        Raises:
            ResponseValidationError: the body does not match what the method returns.
        """
        if self._parse_error is not None:
            raise self._parse_error
        if self._parsed is _UNSET:
            raise RuntimeError(
                "this response was not produced through with_raw_response, so it has no parsed "
                "value; use .json()"
            )
        return self._parsed  # type: ignore[return-value]

    def _settle(self, value: object, error: ResponseValidationError | None) -> None:
        self._parsed = value
        self._parse_error = error


class _RawResource:
    """``client.with_raw_response.<resource>``: its methods answer with :class:`APIResponse`."""

    def __init__(self, client: Client, name: str) -> None:
        self._client = client
        self._name = name

    def __getattr__(self, method: str) -> Callable[..., Awaitable[APIResponse[object]]]:
        if method.startswith("_"):
            raise AttributeError(method)
        getattr(getattr(self._client, self._name), method)  # AttributeError for a typo, now
        client, name = self._client, self._name

        async def call(*args: object, **kwargs: object) -> APIResponse[object]:
            view = client._view()
            captured: list[APIResponse[object]] = []
            view._captured = captured
            bound = getattr(getattr(view, name), method)
            result = bound(*args, **kwargs)
            if not inspect.isawaitable(result):
                raise TypeError(
                    f"{name}.{method}() does not send a request when called (it returns "
                    f"{type(result).__name__}); with_raw_response works with the methods "
                    "that are awaited"
                )
            error: ResponseValidationError | None = None
            value: object = None
            try:
                value = await result
            except ResponseValidationError as failure:
                if not captured:
                    raise
                error = failure
            if not captured:
                raise TypeError(f"{name}.{method}() sent no request")
            response: APIResponse[object] = captured[-1]
            response._settle(value, error)
            return response

        call.__name__ = method
        return call


class RawResponses:
    """``client.with_raw_response``: the client's resources, answering with raw responses.

    Each method sends exactly what it sends normally (retries included); instead of its value
    it returns the last :class:`APIResponse` received, whose :meth:`APIResponse.parse` gives
    the value. Errors (4xx/5xx, connection) are raised as usual.
    """

    def __init__(self, client: Client) -> None:
        self._client = client

    def __getattr__(self, name: str) -> _RawResource:
        if name.startswith("_"):
            raise AttributeError(name)
        getattr(self._client, name)  # AttributeError for a resource that does not exist
        return _RawResource(self._client, name)
