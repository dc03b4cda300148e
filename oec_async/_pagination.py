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
import hashlib
from collections import deque
from collections.abc import Callable, Coroutine, Generator
from typing import Any, Final, Generic, Self, TypeVar

from ._exceptions import PaginationError
from ._models import Page, Pagination
from ._models.pages import next_cursor
from ._validation import check_int_range

__all__ = [
    "CURSOR_MEMORY",
    "DEFAULT_MAX_EMPTY_PAGES",
    "AsyncPaginator",
    "CursorTrail",
    "PageDraft",
    "next_cursor",
]

T = TypeVar("T")

PREFETCH_TASK_NAME: Final = "oec-async page prefetch"

DEFAULT_MAX_EMPTY_PAGES: Final = 10
"""Empty pages in a row, each saying ``has_more``, after which a list raises PaginationError."""

CURSOR_MEMORY: Final = 1024
"""How many recent cursors a list remembers to catch a server leading it in a loop."""


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


Step = str | PaginationError | None
"""What to do after a page: follow this cursor, raise this error once the page is given out,
or (``None``) the list has ended."""


def _digest(cursor: str) -> bytes:
    # A fixed-size fingerprint: the memory stays bounded however long the server's cursors are.
    return hashlib.blake2b(cursor.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class CursorTrail:
    """Where a walk through a list has been: decides, after each page, whether to go on.

    It is the one owner of that state, and it is bounded: it remembers the fingerprints of the
    last ``memory`` cursors, plus one checkpoint cursor moved at doubling intervals (Brent's
    cycle detection). So a server that leads back to a cursor it sent within the last
    ``memory`` pages is caught at its first repeat, and a longer loop, whatever its length, by
    the time the walk has made three times the pages it took to first come round. The memory
    never grows past ``memory`` fingerprints of 16 bytes.

    Args:
        start: The cursor the walk starts from (``None``: the first page).
        max_empty_pages: How many empty pages in a row that still say ``has_more`` end the walk
            with :class:`PaginationError`.
        memory: How many recent cursors to remember.
    """

    __slots__ = ("_checkpoint", "_empty", "_interval", "_max_empty", "_order", "_recent", "_steps")

    def __init__(
        self,
        start: str | None,
        *,
        max_empty_pages: int = DEFAULT_MAX_EMPTY_PAGES,
        memory: int = CURSOR_MEMORY,
    ) -> None:
        self._max_empty = check_int_range(max_empty_pages, "max_empty_pages", 1)
        self._order: deque[bytes] = deque(maxlen=check_int_range(memory, "memory", 1))
        self._recent: set[bytes] = set()
        self._checkpoint: bytes | None = None
        self._steps = 0
        self._interval = 1
        self._empty = 0
        if start is not None:
            self._remember(_digest(start))

    @property
    def remembered(self) -> int:
        """How many cursor fingerprints are held (never more than ``memory``)."""
        return len(self._recent)

    def judge(self, pagination: Pagination, size: int) -> Step:
        """What to do after a page of ``size`` items: a question only, nothing is recorded."""
        cursor = next_cursor(pagination)
        if cursor is None:
            return None
        digest = _digest(cursor)
        if digest in self._recent or digest == self._checkpoint:
            return PaginationError(
                f"the server sent cursor {cursor[:40]!r} twice; stopping instead of looping"
            )
        if size == 0 and self._empty + 1 >= self._max_empty:
            return PaginationError(
                f"{self._max_empty} empty pages in a row all said has_more; stopping instead "
                "of following the server for ever (pass the error's cursor to go on)",
                cursor=cursor,
            )
        return cursor

    def record(self, step: Step, size: int) -> None:
        """The page of ``size`` items was given out: remember where ``step`` leads."""
        self._empty = self._empty + 1 if size == 0 else 0
        if isinstance(step, str):
            self._remember(_digest(step))

    def _remember(self, digest: bytes) -> None:
        if len(self._order) == self._order.maxlen:
            self._recent.discard(self._order[0])
        self._order.append(digest)
        self._recent.add(digest)
        self._steps += 1
        if self._steps >= self._interval:
            self._checkpoint, self._steps, self._interval = digest, 0, self._interval * 2


class AsyncPaginator(Generic[T]):
    """A lazy list: no request is sent until it is awaited or iterated.

    ``await paginator`` gives the first page; ``async for item in paginator`` gives every item
    of every page, following cursors to the end; ``async for page in paginator.pages()`` gives
    whole pages (``page.next_cursor`` can be saved and passed back as ``cursor=`` later).

    With ``prefetch`` on, iterating keeps one request ahead: the next page is fetched while
    the current one is read. Stopping early (``break``, an exception, cancellation) cancels that
    request, so at most one page more than needed is asked for. ``aclose()`` on the iterator
    (or ``contextlib.aclosing``) cancels it at a point of your choosing.

    Iterating always ends. It raises :class:`PaginationError`, after the page that caused it
    has been given out, when the server sends a cursor it already sent (see
    :class:`CursorTrail` for which loops are caught), or when ``max_empty_pages`` empty pages
    in a row all say ``has_more`` (the error's ``cursor`` resumes from there).

    Args:
        fetch: Fetches the page at a cursor (``None``: the first page) as a :class:`Page`, or
            as a :class:`PageDraft` whose items are structured once the page is reached.
        cursor: A saved ``page.next_cursor`` to start from.
        max_items: Stop after this many items (``async for`` and ``collect``; ``pages()``
            stops after the page that reaches it).
        prefetch: Keep one request ahead while iterating (the resources pass
            ``Client.prefetch_pages``).
        max_empty_pages: Empty pages in a row (each saying ``has_more``) after which iterating
            raises :class:`PaginationError` (default :data:`DEFAULT_MAX_EMPTY_PAGES`, 10).
    """

    def __init__(
        self,
        fetch: PageFetcher[T],
        *,
        cursor: str | None = None,
        max_items: int | None = None,
        prefetch: bool = False,
        max_empty_pages: int = DEFAULT_MAX_EMPTY_PAGES,
    ) -> None:
        if max_items is not None:
            check_int_range(max_items, "max_items", 0)
        if cursor is not None and not isinstance(cursor, str):
            raise TypeError(f"cursor must be a string, got {type(cursor).__name__}")
        check_int_range(max_empty_pages, "max_empty_pages", 1)
        self._fetch = fetch
        self._start = cursor
        self._max_items = max_items
        self._prefetch = prefetch
        self._max_empty_pages = max_empty_pages

    def __await__(self) -> Generator[object, None, Page[T]]:
        return self._first_page().__await__()

    async def _first_page(self) -> Page[T]:
        return _built(await self._fetch(self._start))

    def __aiter__(self) -> _ItemIterator[T]:
        return _ItemIterator(self.pages(), self._max_items)

    def pages(self) -> _PageIterator[T]:
        """Iterate over whole pages instead of items."""
        trail = CursorTrail(self._start, max_empty_pages=self._max_empty_pages)
        return _PageIterator(self._fetch, self._start, trail, self._prefetch, self._max_items)

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


class _Ahead(Generic[T]):
    """The one request fetched ahead of the reader, in a task of its own.

    A detached task, on purpose: the request must run while the caller's loop body runs, and
    an async iterator cannot keep a task group open across the pages it hands out (anyio
    forbids yielding inside a task group's scope: the group would outlive the caller's
    ``break``). Its owner is the :class:`_PageIterator` that started it, and it always ends
    there: the next page awaits it, ``aclose()`` or a failure cancels and awaits it, and a
    dropped iterator cancels it (``__del__``).
    """

    __slots__ = ("_task",)

    def __init__(self) -> None:
        self._task: asyncio.Task[Fetched[T]] | None = None

    def start(self, fetch: Coroutine[Any, Any, Fetched[T]]) -> None:
        self._task = asyncio.get_running_loop().create_task(fetch, name=PREFETCH_TASK_NAME)
        self._task.add_done_callback(_retrieve_outcome)

    def take(self) -> asyncio.Task[Fetched[T]] | None:
        """The request ahead (to await), now the caller's; ``None`` if there is none."""
        task, self._task = self._task, None
        return task

    def cancel(self) -> asyncio.Task[Fetched[T]] | None:
        """Cancel the request ahead, if one is running; return it (to wait for), else None."""
        task = self.take()
        if task is None or task.done() or task.get_loop().is_closed():
            return None
        task.cancel()
        return task

    async def aclose(self) -> None:
        """Cancel the request ahead and wait until it has ended."""
        task = self.cancel()
        if task is not None:
            await asyncio.wait([task])


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
        "_trail",
        "_wanted",
    )

    def __init__(
        self,
        fetch: PageFetcher[T],
        cursor: str | None,
        trail: CursorTrail,
        prefetch: bool,
        wanted: int | None,
    ) -> None:
        self._fetch = fetch
        self._cursor = cursor
        self._trail = trail
        self._done = wanted == 0
        self._prefetch = prefetch
        self._wanted = wanted
        self._ahead: _Ahead[T] = _Ahead()
        self._failure: PaginationError | None = None

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Page[T]:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
        if self._done:
            raise StopAsyncIteration
        ahead = self._ahead.take()
        fetched = await (ahead if ahead is not None else self._fetch(self._cursor))
        size = len(fetched.items) if isinstance(fetched, Page) else fetched.size
        step = self._trail.judge(fetched.pagination, size)
        left = None if self._wanted is None else self._wanted - size
        wanted_more = left is None or left > 0
        following = step if isinstance(step, str) and self._prefetch and wanted_more else None
        if following is not None:
            self._ahead.start(self._fetch(following))
        try:
            if following is not None:
                # A new task only runs once this one yields: yield now, so the request is on
                # the wire while the items below are structured and read, not after.
                await asyncio.sleep(0)
            page = _built(fetched)
        except BaseException:  # cancelled here, or a malformed page: nothing runs ahead
            self._ahead.cancel()
            raise
        self._trail.record(step, size)
        self._wanted = left
        if isinstance(step, str):
            self._cursor = step
            self._done = left is not None and left <= 0
        else:
            self._done = True
            self._failure = step
        return page

    async def aclose(self) -> None:
        """Stop here: cancel the page fetched ahead (waiting for it to end); no more pages."""
        self._done = True
        self._failure = None
        await self._ahead.aclose()

    def __del__(self) -> None:
        self._ahead.cancel()


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
