"""Lists as async iterators: the next-page rule and the paginator that follows it.

Every paging style of the API (cursor, offset, page number) is reduced to one shape: a
function that fetches the page at an opaque cursor and returns a :class:`Page` whose
``pagination.next_cursor`` says where the next one is. The paginator follows it.

A fetch may instead return a :class:`PageDraft`: the page's pagination already read, its items
not yet structured. With prefetching on, the paginator then asks for the next page *before*
structuring this one's items, so the server works on page N+1 while the client structures
page N and the caller reads it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Generator
from typing import Any, Final, Generic, Self, TypeVar

from ._exceptions import PaginationError
from ._models import Page, Pagination
from ._validation import check_int_range

__all__ = ["AsyncPaginator", "PageDraft", "next_cursor"]

T = TypeVar("T")

PREFETCH_TASK_NAME: Final = "oec-async page prefetch"


class PageDraft(Generic[T]):
    """A fetched page whose items are structured only when :meth:`build` is called.

    Attributes:
        pagination: Where the list goes after this page (read from the answer).
        size: How many items the page holds.
    """

    __slots__ = ("_structure_items", "pagination", "size")

    def __init__(
        self, pagination: Pagination, size: int, structure_items: Callable[[], tuple[T, ...]]
    ) -> None:
        self.pagination = pagination
        self.size = size
        self._structure_items = structure_items

    def build(self) -> Page[T]:
        """Structure the items (this is where a malformed item raises)."""
        return Page(items=self._structure_items(), pagination=self.pagination)


Fetched = Page[T] | PageDraft[T]
PageFetcher = Callable[[str | None], Coroutine[Any, Any, Fetched[T]]]


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

    With ``prefetch`` on, iterating keeps one request ahead: the next page is fetched while
    the current one is read. Stopping early (``break``, an exception, cancellation) cancels that
    request, so at most one page more than needed is asked for. ``aclose()`` on the iterator
    (or ``contextlib.aclosing``) cancels it at a point of your choosing.

    A cursor the server already sent raises :class:`PaginationError` instead of looping, after
    the page that carried it has been given out.

    Args:
        fetch: Fetches the page at a cursor (``None``: the first page) as a :class:`Page`, or
            as a :class:`PageDraft` whose items are structured once the page is reached.
        cursor: A saved ``page.next_cursor`` to start from.
        max_items: Stop after this many items (``async for`` and ``collect``).
        prefetch: Keep one request ahead while iterating (the resources pass
            ``Client.prefetch_pages``).
    """

    def __init__(
        self,
        fetch: PageFetcher[T],
        *,
        cursor: str | None = None,
        max_items: int | None = None,
        prefetch: bool = False,
    ) -> None:
        if max_items is not None:
            check_int_range(max_items, "max_items", 0)
        if cursor is not None and not isinstance(cursor, str):
            raise TypeError(f"cursor must be a string, got {type(cursor).__name__}")
        self._fetch = fetch
        self._start = cursor
        self._max_items = max_items
        self._prefetch = prefetch

    def __await__(self) -> Generator[object, None, Page[T]]:
        return self._first_page().__await__()

    async def _first_page(self) -> Page[T]:
        return _built(await self._fetch(self._start))

    def __aiter__(self) -> _ItemIterator[T]:
        pages = _PageIterator(self._fetch, self._start, self._prefetch, self._max_items)
        return _ItemIterator(pages, self._max_items)

    def pages(self) -> _PageIterator[T]:
        """Iterate over whole pages instead of items."""
        return _PageIterator(self._fetch, self._start, self._prefetch, None)

    async def collect(self) -> list[T]:
        """Fetch every item (up to ``max_items``) into a list."""
        return [item async for item in self]


def _built(fetched: Fetched[T]) -> Page[T]:
    return fetched if isinstance(fetched, Page) else fetched.build()


def _retrieve_outcome(task: asyncio.Task[object]) -> None:
    # A page fetched ahead and then abandoned may have failed: its error was never going to
    # be seen, and must not surface later as "Task exception was never retrieved".
    if not task.cancelled():
        task.exception()


class _PageIterator(Generic[T]):
    """Follows cursors page by page, optionally one request ahead.

    A class, not an async generator, so that dropping it (a ``break``) cancels the request
    fetched ahead right away instead of whenever an async generator would be finalised.
    """

    __slots__ = (
        "_ahead",
        "_cursor",
        "_done",
        "_failure",
        "_fetch",
        "_prefetch",
        "_seen",
        "_wanted",
    )

    def __init__(
        self, fetch: PageFetcher[T], cursor: str | None, prefetch: bool, wanted: int | None
    ) -> None:
        self._fetch = fetch
        self._cursor = cursor
        self._seen: set[str] = set() if cursor is None else {cursor}
        self._done = False
        self._prefetch = prefetch
        self._wanted = wanted
        self._ahead: asyncio.Task[Fetched[T]] | None = None
        self._failure: PaginationError | None = None

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Page[T]:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
        if self._done:
            raise StopAsyncIteration
        ahead, self._ahead = self._ahead, None
        fetched = await (ahead if ahead is not None else self._fetch(self._cursor))
        size = len(fetched.items) if isinstance(fetched, Page) else fetched.size
        cursor = next_cursor(fetched.pagination)
        repeated = cursor is not None and cursor in self._seen
        if (
            cursor is not None
            and not repeated
            and self._prefetch
            and (self._wanted is None or size < self._wanted)
        ):
            self._ahead = asyncio.get_running_loop().create_task(
                self._fetch(cursor), name=PREFETCH_TASK_NAME
            )
            self._ahead.add_done_callback(_retrieve_outcome)
        try:
            if self._ahead is not None:
                # A new task only runs once this one yields: yield now, so the request is on
                # the wire while the items below are structured and read, not after.
                await asyncio.sleep(0)
            page = _built(fetched)
        except BaseException:  # cancelled here, or a malformed page: nothing runs ahead
            self._cancel_ahead()
            raise
        if self._wanted is not None:
            self._wanted -= size
        if cursor is None:
            self._done = True
        elif repeated:
            self._done = True
            self._failure = PaginationError(
                f"the server sent cursor {cursor[:40]!r} twice; stopping instead of looping"
            )
        else:
            self._seen.add(cursor)
        self._cursor = cursor
        return page

    async def aclose(self) -> None:
        """Stop here: cancel the page fetched ahead (waiting for it to end); no more pages."""
        self._done = True
        self._failure = None
        ahead = self._cancel_ahead()
        if ahead is not None:
            await asyncio.wait([ahead])

    def _cancel_ahead(self) -> asyncio.Task[Fetched[T]] | None:
        """Cancel the request ahead, if one is running; return it (to wait for), else None."""
        ahead, self._ahead = self._ahead, None
        if ahead is None or ahead.done() or ahead.get_loop().is_closed():
            return None
        ahead.cancel()
        return ahead

    def __del__(self) -> None:
        self._cancel_ahead()


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
        if self._left is not None and self._left <= 0:
            raise StopAsyncIteration
        while self._index >= len(self._items):
            page = await self._pages.__anext__()  # StopAsyncIteration ends us too
            self._items = page.items
            self._index = 0
        item = self._items[self._index]
        self._index += 1
        if self._left is not None:
            self._left -= 1  # only once the item is given: a failed page costs no quota
        return item

    async def aclose(self) -> None:
        """Stop here: cancel the page fetched ahead, if any; no more items."""
        self._left = 0
        await self._pages.aclose()
