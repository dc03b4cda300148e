"""What every resource shares: access to the open transport and structuring of answers."""

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
from .._validation import check_idempotency_key, check_int_range, parse_uuid

if TYPE_CHECKING:
    from .._client import Client
    from .._transport import Transport

__all__ = ["ACTION_IDEMPOTENCY_HEADER", "CREATE_IDEMPOTENCY_HEADER", "Resource", "same_id"]

T = TypeVar("T")

ACTION_IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
CREATE_IDEMPOTENCY_HEADER: Final = "X-Idempotency-Key"


class Resource:
    """Base of the resource classes (``client.environments``, ``client.deployments``...)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    @property
    def _transport(self) -> Transport:
        return self._client._require_transport()

    def _structure(self, data: Any, cls: type[T], method: str, path: str) -> T:
        """Structure a decoded body, turning a mismatch into ResponseValidationError."""
        try:
            return structure(data, cls)
        except ValueError as error:
            # The message quotes offending values, which may echo the key back.
            secret = self._client._api_key
            reason = redact(str(error), secret)
            shown = redact(excerpt(json.dumps(data, default=str).encode()), secret)
            raise ResponseValidationError(
                f"{method} {path}: the response does not match {_name(cls)}: {reason}",
                method=method,
                path=path,
                status=200,
                excerpt=shown,
            ) from None  # the cause quotes the offending values too (the key, if echoed)

    def _cursor_list(
        self,
        path: str,
        item_cls: type[T],
        *,
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
            data = await self._transport.request("GET", path, params=params, timeout=timeout)
            return self._read_cursor_page(data, item_cls, "GET", path)

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
        idempotency_key: str | None,
        timeout: float | Timeouts | None,
    ) -> T:
        """POST a create, with ``X-Idempotency-Key`` (the caller's, or one per call)."""
        data = await self._transport.request(
            "POST",
            path,
            json=body,
            idempotency_header=CREATE_IDEMPOTENCY_HEADER,
            idempotency_key=check_idempotency_key(idempotency_key),
            timeout=timeout,
        )
        return self._structure(data, cls, "POST", path)

    def _read_cursor_page(
        self, data: Any, item_cls: type[T], method: str, path: str
    ) -> PageDraft[T]:
        """Read a ``{data: [...], pagination: {...}}`` envelope; items structured on build."""
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise ResponseValidationError(
                f"{method} {path}: expected a JSON object with a 'data' array, got {_shape(data)}",
                method=method,
                path=path,
                status=200,
            )
        pagination = self._structure(data.get("pagination") or {}, Pagination, method, path)
        return self._draft(pagination, data["data"], item_cls, method, path)

    def _draft(
        self,
        pagination: Pagination,
        raw_items: list[Any],
        item_cls: type[T],
        method: str,
        path: str,
    ) -> PageDraft[T]:
        """A page whose items are structured (and checked) only when it is reached."""
        return PageDraft(
            pagination,
            len(raw_items),
            lambda: self._structure(raw_items, tuple[item_cls, ...], method, path),  # type: ignore[valid-type]
        )


def _name(cls: object) -> str:
    return getattr(cls, "__name__", None) or str(cls).replace("oec_async._models.", "")


def _shape(data: Any) -> str:
    if isinstance(data, dict):
        return "an object with keys " + ", ".join(sorted(map(str, data))[:8])
    if isinstance(data, list):
        return "an array"
    return type(data).__name__ if data is not None else "an empty body"


M = TypeVar("M")


def same_id(model: M, path: str, *, field: str = "id", method: str = "GET") -> M:
    """``model`` if it is about the id it was asked for: the last UUID in ``path``.

    A server (or something between it and us) that answers about another object must not be
    believed: acting on it would follow, deploy or delete the wrong thing.

    Raises:
        ResponseValidationError: ``model.<field>`` names another id (both ids in the message).
    """
    got = getattr(model, field, None)
    asked = _last_id(path)
    if got is None or asked is None or got == asked:
        return model
    raise ResponseValidationError(
        f"{method} {path}: asked about {field} {asked}, the answer is about {got}",
        method=method,
        path=path,
        status=200,
    )


def _last_id(path: str) -> UUID | None:
    for part in reversed(path.split("/")):
        try:
            return parse_uuid(part)
        except ValueError:
            continue
    return None
