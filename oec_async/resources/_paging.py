"""Reading the API's list envelopes into :class:`Page` objects, whatever their paging style.

The core paginator follows an opaque cursor string. Offset and page-number lists are adapted
by encoding their position (the next offset, the next page number) as that string, so every
list is the same :class:`AsyncPaginator` to the caller; plain arrays are one final page.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from .._models import Page, Pagination
from .._pagination import PageDraft
from .._response import APIResponse
from .._validation import check_int_range
from ._base import Resource, _invalid, _shape

__all__ = ["PagedResource", "position_cursor"]

T = TypeVar("T")

MAX_POSITION: Final = 2**53 - 1
"""The largest count, offset or page number read from a list envelope (JSON's safe integers).

A larger one (or a negative one) is refused with ResponseValidationError: no real list is that
long, and page arithmetic on it stays exact and can never overflow.
"""


def position_cursor(cursor: str | None, name: str, low: int) -> int | None:
    """Read a cursor that encodes a position (an offset or a page number) given by the caller.

    Raises:
        ValueError: not the decimal form of an integer within ``low..MAX_POSITION``.
    """
    if cursor is None:
        return None
    candidate: object = cursor
    if not isinstance(candidate, str) or not candidate.isdecimal() or len(candidate) > 16:
        raise ValueError(f"cursor must be a saved page.next_cursor ({name}), got {cursor!r:.60}")
    return check_int_range(int(candidate), f"cursor ({name})", low, MAX_POSITION)


def _number(data: dict[str, Any], response: APIResponse[object], *keys: str) -> int | None:
    """The first of ``keys`` holding an integer, checked to lie within 0..MAX_POSITION."""
    for key in keys:
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value <= MAX_POSITION:
                shown = (
                    str(value)
                    if -(10**20) < value < 10**20
                    else f"a {len(str(value))}-digit number"
                )
                raise _invalid(
                    response, f"the list's {key!r} is {shown}, outside 0..{MAX_POSITION}"
                )
            return value
    return None


class PagedResource(Resource):
    """A resource whose lists come as plain arrays, offset envelopes or page-number envelopes."""

    def _raw_items(self, data: Any, key: str, response: APIResponse[object]) -> list[Any]:
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            raise _invalid(
                response, f"expected a JSON object with an {key!r} array, got {_shape(data)}"
            )
        items: list[Any] = data[key]
        return items

    def _structure_array_page(self, response: APIResponse[object], item_cls: type[T]) -> Page[T]:
        """Read a plain JSON array as the one and only page."""
        data = response.json()
        if not isinstance(data, list):
            raise _invalid(response, f"expected a JSON array, got {_shape(data)}")
        items = self._structure(data, tuple[item_cls, ...], response)  # type: ignore[valid-type]
        return Page(items=items, pagination=Pagination(has_more=False, total=len(items)))

    def _read_offset_page(
        self, response: APIResponse[object], item_cls: type[T], offset: int
    ) -> PageDraft[T]:
        """Read ``{items, total, limit, offset, has_more}``; the next cursor is the next offset."""
        data: Any = response.json()
        items = self._raw_items(data, "items", response)
        total = _number(data, response, "total")
        start = _number(data, response, "offset")
        start = offset if start is None else start
        following = start + len(items)
        has_more = data.get("has_more")
        if not isinstance(has_more, bool):
            has_more = total is not None and following < total
        # A page with no items cannot move the offset: stop rather than ask for it again.
        has_more = has_more and bool(items)
        pagination = Pagination(
            has_more=has_more, next_cursor=str(following) if has_more else None, total=total
        )
        return self._draft(pagination, items, item_cls, response)

    def _read_number_page(
        self, response: APIResponse[object], item_cls: type[T], page: int
    ) -> PageDraft[T]:
        """Read ``{items, total, page, page_size, total_pages|pages}``; the cursor is the next page."""
        data: Any = response.json()
        items = self._raw_items(data, "items", response)
        total = _number(data, response, "total")
        current = _number(data, response, "page") or page
        pages = _number(data, response, "total_pages", "pages")
        if pages is None and total is not None:
            size = _number(data, response, "page_size") or len(items)
            pages = -(-total // size) if size else current  # ceiling, in exact integers
        has_more = bool(items) and (current < pages if pages is not None else False)
        pagination = Pagination(
            has_more=has_more, next_cursor=str(current + 1) if has_more else None, total=total
        )
        return self._draft(pagination, items, item_cls, response)
