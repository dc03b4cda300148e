"""Lists as async iterators: the next-page rule and the paginator that follows it.

Every paging style of the API (cursor, offset, page number) is reduced to one shape: a
function that fetches the page at an opaque cursor and returns a :class:`Page` whose
``pagination.next_cursor`` says where the next one is. The paginator follows it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Generic, Self, TypeVar

from ._exceptions import PaginationError
from ._models import Page, Pagination
from ._validation import ensure_int_range

__all__ = ["AsyncPaginator", "next_cursor"]

T = TypeVar("T")

PageFetcher = Callable[[str | None], Awaitable[Page[T]]]


def next_cursor(pagination: Pagination) -> str | None:
    """The cursor of the page after this one, or ``None`` when the list ends.

    The list ends when ``has_more`` is false *or* no cursor is given: a server that says
    "more" without saying where cannot be followed.
    """
    if not pagination.has_more or not pagination.next_cursor:
        return None
    return pagination.next_cursor


class AsyncPaginator(Generic[T]):
    """A lazy list: no request is sent until it is awaited or iterated.

    ``await paginator`` gives the first page; ``async for item in paginator`` gives every item
    of every page, following cursors to the end; ``async for page in paginator.pages()`` gives
    whole pages (``page.next_cursor`` can be saved and passed back as ``cursor=`` later).

    A cursor the server already sent raises :class:`PaginationError` instead of looping.
    """

    def __init__(
        self,
        fetch: PageFetcher[T],
        *,
        cursor: str | None = None,
        max_items: int | None = None,
    ) -> None:
        if max_items is not None:
            ensure_int_range(max_items, "max_items", 0)
        if cursor is not None and not isinstance(cursor, str):
            raise TypeError(f"cursor must be a string, got {type(cursor).__name__}")
        self._fetch = fetch
        self._start = cursor
        self._max_items = max_items

    def __await__(self) -> Generator[object, None, Page[T]]:
        return self._fetch(self._start).__await__()

    def __aiter__(self) -> _ItemIterator[T]:
        return _ItemIterator(self.pages(), self._max_items)

    def pages(self) -> _PageIterator[T]:
        """Iterate over whole pages instead of items."""
        return _PageIterator(self._fetch, self._start)

    async def collect(self) -> list[T]:
        """Fetch every item (up to ``max_items``) into a list."""
        return [item async for item in self]


class _PageIterator(Generic[T]):
    """Follows cursors page by page (a class, not an async generator: nothing to finalise)."""

    __slots__ = ("_cursor", "_done", "_fetch", "_seen")

    def __init__(self, fetch: PageFetcher[T], cursor: str | None) -> None:
        self._fetch = fetch
        self._cursor = cursor
        self._seen: set[str] = set() if cursor is None else {cursor}
        self._done = False

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Page[T]:
        if self._done:
            raise StopAsyncIteration
        page = await self._fetch(self._cursor)
        cursor = next_cursor(page.pagination)
        if cursor is None:
            self._done = True
        elif cursor in self._seen:
            self._done = True
            raise PaginationError(
                f"the server sent cursor {cursor[:40]!r} twice; stopping instead of looping"
            )
        else:
            self._seen.add(cursor)
        self._cursor = cursor
        return page


class _ItemIterator(Generic[T]):
    __slots__ = ("_index", "_items", "_left", "_pages")

    def __init__(self, pages: _PageIterator[T], max_items: int | None) -> None:
        self._pages = pages
        self._items: tuple[T, ...] = ()
        self._index = 0
        self._left = max_items

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        if self._left is not None:
            if self._left <= 0:
                raise StopAsyncIteration
            self._left -= 1
        while self._index >= len(self._items):
            page = await self._pages.__anext__()  # StopAsyncIteration ends us too
            self._items = page.items
            self._index = 0
        item = self._items[self._index]
        self._index += 1
        return item
