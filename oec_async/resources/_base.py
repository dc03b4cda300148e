"""What every resource shares: the client's send path, and structuring of answers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, TypeVar
from uuid import UUID

from .._config import Timeouts
from .._converter import structure
from .._core import excerpt, redact
from .._exceptions import ResponseValidationError
from .._models import Pagination
from .._pagination import AsyncPaginator, PageDraft, PageFetcher
from .._response import APIResponse
from .._validation import check_idempotency_key, check_int_range, last_id_in_path

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["ACTION_IDEMPOTENCY_HEADER", "CREATE_IDEMPOTENCY_HEADER", "Resource", "same_id"]

T = TypeVar("T")

ACTION_IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
CREATE_IDEMPOTENCY_HEADER: Final = "X-Idempotency-Key"


class Resource:
    """Base of the resource classes (``client.environments``, ``client.deployments``...)."""

    def __init__(self, client: Client) -> None:
        self._client = client
        # The one way a resource sends: the client's own entry point, bound as it is (a wrapper
        # would repeat its ten parameters and add a frame to every step of every request).
        self._send = client._request

    def _parse(self, response: APIResponse[object], cls: type[T]) -> T:
        """The answer's body as ``cls``; a mismatch is a ResponseValidationError."""
        return self._structure(response.json(), cls, response)

    def _structure(self, data: Any, cls: type[T], response: APIResponse[object]) -> T:
        """Structure a decoded body, turning a mismatch into ResponseValidationError."""
        try:
            return structure(data, cls)
        except (ValueError, RecursionError, OverflowError) as error:
            # The message quotes offending values, which may echo the key back.
            secret = self._client._api_key
            reason = redact(_first_line(error), secret)
            try:
                shown = redact(excerpt(json.dumps(data, default=str).encode()), secret)
            except (ValueError, RecursionError):
                shown = ""
            raise _invalid(
                response, f"the response does not match {_name(cls)}: {reason}", excerpt=shown
            ) from None  # the cause quotes the offending values too (the key, if echoed)

    def _cursor_list(
        self,
        path: str,
        item_cls: type[T],
        *,
        route: str,
        limit: int,
        cursor: str | None,
        max_items: int | None,
        timeout: float | Timeouts | None,
    ) -> AsyncPaginator[T]:
        """A cursor-paged list (``limit`` + ``cursor``; ``{data, pagination}`` answers)."""
        check_int_range(limit, "limit", 1, 100)

        async def fetch(page_cursor: str | None) -> PageDraft[T]:
            params: dict[str, str | int] = {"limit": limit}
            if page_cursor is not None:
                params["cursor"] = page_cursor
            response = await self._send("GET", path, route=route, params=params, timeout=timeout)
            return self._read_cursor_page(response, item_cls)

        return self._paginator(fetch, cursor=cursor, max_items=max_items)

    def _paginator(
        self, fetch: PageFetcher[T], *, cursor: str | None = None, max_items: int | None = None
    ) -> AsyncPaginator[T]:
        """A paginator over ``fetch`` that prefetches if the client says so."""
        return AsyncPaginator(
            fetch, cursor=cursor, max_items=max_items, prefetch=self._client.prefetch_pages
        )

    async def _create(
        self,
        path: str,
        body: Mapping[str, object],
        cls: type[T],
        *,
        route: str,
        idempotency_key: str | None,
        timeout: float | Timeouts | None,
    ) -> T:
        """POST a create, with ``X-Idempotency-Key`` (the caller's, or one per call)."""
        response = await self._send(
            "POST",
            path,
            route=route,
            json=body,
            idempotency_header=CREATE_IDEMPOTENCY_HEADER,
            idempotency_key=check_idempotency_key(idempotency_key),
            timeout=timeout,
        )
        return self._parse(response, cls)

    def _read_cursor_page(self, response: APIResponse[object], item_cls: type[T]) -> PageDraft[T]:
        """Read a ``{data: [...], pagination: {...}}`` envelope; items structured on build."""
        data = response.json()
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise _invalid(
                response, f"expected a JSON object with a 'data' array, got {_shape(data)}"
            )
        pagination = self._structure(data.get("pagination") or {}, Pagination, response)
        return self._draft(pagination, data["data"], item_cls, response)

    def _draft(
        self,
        pagination: Pagination,
        raw_items: list[Any],
        item_cls: type[T],
        response: APIResponse[object],
    ) -> PageDraft[T]:
        """A page whose items are structured (and checked) only when it is reached."""
        return PageDraft(
            pagination,
            len(raw_items),
            lambda: self._structure(raw_items, tuple[item_cls, ...], response),  # type: ignore[valid-type]
        )


def _invalid(
    response: APIResponse[object], problem: str, *, excerpt: str = ""
) -> ResponseValidationError:
    """The error for an answer that is not what the route returns: its real status and id."""
    return ResponseValidationError(
        f"{response.method} {response.path} -> {response.status}: {problem}",
        method=response.method,
        path=response.path,
        status=response.status,
        excerpt=excerpt,
        request_id=response.request_id,
    )


def _first_line(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error)


def _name(cls: object) -> str:
    return getattr(cls, "__name__", None) or str(cls).replace("oec_async._models.", "")


def _shape(data: Any) -> str:
    if isinstance(data, dict):
        return "an object with keys " + ", ".join(sorted(map(str, data))[:8])
    if isinstance(data, list):
        return "an array"
    return type(data).__name__ if data is not None else "an empty body"


M = TypeVar("M")


def same_id(model: M, response: APIResponse[object], *, field: str = "id") -> M:
    """``model`` if it is about the id it was asked for: the last UUID in the request's path.

    A server (or something between it and us) that answers about another object must not be
    believed: acting on it would follow, deploy or delete the wrong thing.

    Raises:
        ResponseValidationError: ``model.<field>`` names another id (both ids in the message).
    """
    got = getattr(model, field, None)
    if got is None:
        return model
    asked = last_id_in_path(response.path)
    if asked is None:
        return model
    # The path's ids are canonical (lowercase, hyphenated): a UUID is compared as hex, not
    # formatted (str(UUID) was a measurable part of every get).
    same = (got.hex == asked.replace("-", "")) if isinstance(got, UUID) else (str(got) == asked)
    if same:
        return model
    raise _invalid(response, f"asked about {field} {asked}, the answer is about {got}")
