"""The next-page rule and the paginator that follows it (driven by an in-memory fetch)."""

from __future__ import annotations

import asyncio
import contextlib
import gc

import pytest

from oec_async import AsyncPaginator, Page, Pagination, PaginationError
from oec_async._pagination import (
    CURSOR_MEMORY,
    DEFAULT_MAX_EMPTY_PAGES,
    PREFETCH_TASK_NAME,
    CursorTrail,
    PageDraft,
    next_cursor,
)
from oec_async.resources._paging import position_cursor


class Pages:
    """An in-memory list served in pages; records the cursors asked for."""

    def __init__(self, pages: dict[str | None, Page[int]]) -> None:
        self.pages = pages
        self.asked: list[str | None] = []

    async def __call__(self, cursor: str | None) -> Page[int]:
        self.asked.append(cursor)
        return self.pages[cursor]


def page(
    items: range | list[int], cursor: str | None, *, has_more: bool | None = None
) -> Page[int]:
    more = cursor is not None if has_more is None else has_more
    return Page(items=tuple(items), pagination=Pagination(has_more=more, next_cursor=cursor))


def three_pages() -> Pages:
    return Pages(
        {
            None: page(range(3), "c1"),
            "c1": page(range(3, 6), "c2"),
            "c2": page(range(6, 8), None),
        }
    )


# --- next_cursor -----------------------------------------------------------------------------


def test_the_next_cursor_is_followed_while_there_is_more() -> None:
    assert next_cursor(Pagination(has_more=True, next_cursor="abc")) == "abc"


def test_the_list_ends_when_has_more_is_false() -> None:
    assert next_cursor(Pagination(has_more=False, next_cursor="abc")) is None


def test_the_list_ends_when_there_is_no_cursor_even_if_has_more() -> None:
    assert next_cursor(Pagination(has_more=True, next_cursor=None)) is None


def test_an_empty_cursor_ends_the_list() -> None:
    assert next_cursor(Pagination(has_more=True, next_cursor="")) is None


# --- AsyncPaginator --------------------------------------------------------------------------


async def test_iterating_follows_cursors_over_every_page() -> None:
    fetch = three_pages()
    assert [item async for item in AsyncPaginator(fetch)] == list(range(8))
    assert fetch.asked == [None, "c1", "c2"]


async def test_nothing_is_fetched_until_awaited_or_iterated() -> None:
    fetch = three_pages()
    _ = AsyncPaginator(fetch)
    assert fetch.asked == []


async def test_awaiting_gives_the_first_page_only() -> None:
    fetch = three_pages()
    first = await AsyncPaginator(fetch)
    assert list(first) == [0, 1, 2]
    assert first.next_cursor == "c1"
    assert fetch.asked == [None]


async def test_pages_gives_whole_pages() -> None:
    fetch = three_pages()
    pages = [p async for p in AsyncPaginator(fetch).pages()]
    assert [list(p) for p in pages] == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert [p.next_cursor for p in pages] == ["c1", "c2", None]


async def test_an_early_break_stops_fetching() -> None:
    fetch = three_pages()
    async for item in AsyncPaginator(fetch):
        if item == 1:
            break
    assert fetch.asked == [None]


async def test_max_items_stops_after_that_many() -> None:
    fetch = three_pages()
    assert await AsyncPaginator(fetch, max_items=4).collect() == [0, 1, 2, 3]
    assert fetch.asked == [None, "c1"]


async def test_max_items_on_a_page_boundary_does_not_fetch_the_next_page() -> None:
    fetch = three_pages()
    assert await AsyncPaginator(fetch, max_items=3).collect() == [0, 1, 2]
    assert fetch.asked == [None]


@pytest.mark.parametrize("prefetch", [False, True])
async def test_a_failed_page_costs_none_of_max_items(prefetch: bool) -> None:
    fetch = slow_three_pages()
    fetch.failing["c1"] = RuntimeError("page c1 is broken")
    items = aiter(AsyncPaginator(fetch, max_items=5, prefetch=prefetch))
    got = [await anext(items) for _ in range(3)]
    with pytest.raises(RuntimeError):
        await anext(items)
    del fetch.failing["c1"]
    got += [item async for item in items]
    assert got == [0, 1, 2, 3, 4]


async def test_max_items_zero_fetches_nothing() -> None:
    fetch = three_pages()
    assert await AsyncPaginator(fetch, max_items=0).collect() == []
    assert fetch.asked == []


async def test_max_items_larger_than_the_list_gives_everything() -> None:
    assert len(await AsyncPaginator(three_pages(), max_items=1000).collect()) == 8


async def test_a_saved_cursor_resumes_from_that_page() -> None:
    fetch = three_pages()
    assert await AsyncPaginator(fetch, cursor="c1").collect() == [3, 4, 5, 6, 7]
    assert fetch.asked == ["c1", "c2"]


async def test_awaiting_with_a_saved_cursor_gives_that_page() -> None:
    assert list(await AsyncPaginator(three_pages(), cursor="c2")) == [6, 7]


async def test_a_repeated_cursor_raises_after_the_page_that_carried_it() -> None:
    fetch = Pages({None: page([1], "c1"), "c1": page([2], "c2"), "c2": page([3], "c1")})
    seen: list[int] = []

    async def drain() -> None:
        async for item in AsyncPaginator(fetch):
            seen.append(item)

    with pytest.raises(PaginationError, match="'c1' twice"):
        await drain()
    assert seen == [1, 2, 3], "the page with the bad cursor is itself good data"
    assert fetch.asked == [None, "c1", "c2"]


async def test_a_page_pointing_at_itself_raises() -> None:
    fetch = Pages({None: page([1], "same"), "same": page([2], "same")})
    with pytest.raises(PaginationError):
        await AsyncPaginator(fetch).collect()


async def test_a_cursor_leading_back_to_the_starting_cursor_raises() -> None:
    fetch = Pages({"start": page([1], "next"), "next": page([2], "start")})
    with pytest.raises(PaginationError):
        await AsyncPaginator(fetch, cursor="start").collect()


async def test_has_more_without_a_cursor_ends_the_iteration() -> None:
    fetch = Pages({None: page([1, 2], None, has_more=True)})
    assert await AsyncPaginator(fetch).collect() == [1, 2]


async def test_empty_pages_in_the_middle_are_skipped() -> None:
    fetch = Pages({None: page([], "c1"), "c1": page([], "c2"), "c2": page([9], None)})
    assert await AsyncPaginator(fetch).collect() == [9]


async def test_an_empty_list_gives_nothing() -> None:
    assert await AsyncPaginator(Pages({None: page([], None)})).collect() == []


async def test_a_paginator_can_be_iterated_again_from_the_start() -> None:
    paginator = AsyncPaginator(three_pages())
    assert await paginator.collect() == await paginator.collect()


async def test_the_iterator_stays_exhausted() -> None:
    iterator = aiter(AsyncPaginator(Pages({None: page([1], None)})))
    assert await anext(iterator) == 1
    for _ in range(2):
        with pytest.raises(StopAsyncIteration):
            await anext(iterator)


@pytest.mark.parametrize("bad", [-1, True, 1.5])
def test_max_items_is_validated(bad: object) -> None:
    with pytest.raises((TypeError, ValueError), match="max_items"):
        _ = AsyncPaginator(three_pages(), max_items=bad)  # type: ignore[arg-type]


def test_a_non_string_cursor_is_refused() -> None:
    with pytest.raises(TypeError, match="cursor must be a string"):
        _ = AsyncPaginator(three_pages(), cursor=5)  # type: ignore[arg-type]


# --- prefetching: one request ahead ----------------------------------------------------------


class SlowPages(Pages):
    """Pages whose fetches wait for ``release`` (per cursor); records cancelled fetches."""

    def __init__(self, pages: dict[str | None, Page[int]]) -> None:
        super().__init__(pages)
        self.release: dict[str | None, asyncio.Event] = {c: asyncio.Event() for c in pages}
        self.cancelled: list[str | None] = []
        self.failing: dict[str | None, Exception] = {}

    async def __call__(self, cursor: str | None) -> Page[int]:
        self.asked.append(cursor)
        try:
            await self.release[cursor].wait()
        except asyncio.CancelledError:
            self.cancelled.append(cursor)
            raise
        if cursor in self.failing:
            raise self.failing[cursor]
        return self.pages[cursor]


def slow_three_pages(*, released: bool = True) -> SlowPages:
    fetch = SlowPages(three_pages().pages)
    if released:
        for event in fetch.release.values():
            event.set()
    return fetch


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_prefetch_asks_for_the_next_page_while_the_current_one_is_read() -> None:
    fetch = slow_three_pages()
    pages = AsyncPaginator(fetch, prefetch=True).pages()
    first = await anext(pages)
    await settle()
    assert list(first) == [0, 1, 2]
    assert fetch.asked == [None, "c1"]
    await pages.aclose()


async def test_without_prefetch_the_next_page_is_asked_for_on_demand() -> None:
    fetch = slow_three_pages()
    pages = AsyncPaginator(fetch, prefetch=False).pages()
    await anext(pages)
    await settle()
    assert fetch.asked == [None]


async def test_prefetch_gives_every_item_once_and_in_order() -> None:
    fetch = slow_three_pages()
    assert await AsyncPaginator(fetch, prefetch=True).collect() == list(range(8))
    assert fetch.asked == [None, "c1", "c2"]


async def test_prefetch_stops_at_the_last_page() -> None:
    fetch = slow_three_pages()
    pages = [p async for p in AsyncPaginator(fetch, prefetch=True).pages()]
    await settle()
    assert len(pages) == 3
    assert fetch.asked == [None, "c1", "c2"]


async def test_breaking_out_cancels_the_page_fetched_ahead() -> None:
    fetch = slow_three_pages(released=False)
    fetch.release[None].set()
    async for item in AsyncPaginator(fetch, prefetch=True):
        if item == 0:
            await settle()  # the request for "c1" is out
            break
    await settle()
    assert fetch.asked == [None, "c1"]
    assert fetch.cancelled == ["c1"]


async def test_aclose_cancels_the_page_fetched_ahead_and_waits_for_it() -> None:
    fetch = slow_three_pages(released=False)
    fetch.release[None].set()
    async with contextlib.aclosing(aiter(AsyncPaginator(fetch, prefetch=True))) as items:
        assert await anext(items) == 0
        await settle()
    assert fetch.cancelled == ["c1"]
    assert [t for t in asyncio.all_tasks() if t.get_name() == PREFETCH_TASK_NAME] == []


async def test_an_iterator_closed_early_gives_nothing_more() -> None:
    items = aiter(AsyncPaginator(slow_three_pages(), prefetch=True))
    assert await anext(items) == 0
    await items.aclose()
    with pytest.raises(StopAsyncIteration):
        await anext(items)


async def test_cancelling_the_reader_cancels_the_page_fetched_ahead() -> None:
    fetch = slow_three_pages(released=False)
    fetch.release[None].set()
    reader = asyncio.create_task(AsyncPaginator(fetch, prefetch=True).collect())
    await settle()  # the reader now waits for "c1", fetched ahead
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert fetch.cancelled == ["c1"]


async def test_a_failed_prefetch_raises_when_its_page_is_reached() -> None:
    fetch = slow_three_pages()
    fetch.failing["c1"] = RuntimeError("page c1 is broken")
    seen: list[int] = []

    async def drain() -> None:
        async for item in AsyncPaginator(fetch, prefetch=True):
            seen.append(item)

    with pytest.raises(RuntimeError, match="page c1 is broken"):
        await drain()
    assert seen == [0, 1, 2], "the page before the failure is given whole"


async def test_after_a_failed_page_iterating_on_asks_for_that_page_again() -> None:
    fetch = slow_three_pages()
    fetch.failing["c1"] = RuntimeError("page c1 is broken")
    pages = AsyncPaginator(fetch, prefetch=True).pages()
    await anext(pages)
    with pytest.raises(RuntimeError):
        await anext(pages)
    del fetch.failing["c1"]
    assert list(await anext(pages)) == [3, 4, 5]
    await settle()
    assert fetch.asked == [None, "c1", "c1", "c2"]
    await pages.aclose()


async def test_an_abandoned_failed_prefetch_reports_nothing_to_the_loop() -> None:
    loop_errors: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, ctx: loop_errors.append(ctx))
    fetch = slow_three_pages()
    fetch.failing["c1"] = RuntimeError("nobody reads this page")
    pages = AsyncPaginator(fetch, prefetch=True).pages()
    await anext(pages)
    await settle()  # the fetch ahead has failed; nobody will ask for its page
    del pages
    gc.collect()
    await settle()
    assert fetch.asked == [None, "c1"]
    assert loop_errors == []


async def test_max_items_within_the_page_in_hand_fetches_nothing_ahead() -> None:
    fetch = slow_three_pages()
    items = aiter(AsyncPaginator(fetch, max_items=3, prefetch=True))
    assert [await anext(items) for _ in range(3)] == [0, 1, 2]
    await settle()
    assert fetch.asked == [None]


async def test_max_items_beyond_the_page_in_hand_fetches_the_next_ahead() -> None:
    fetch = slow_three_pages()
    assert await AsyncPaginator(fetch, max_items=4, prefetch=True).collect() == [0, 1, 2, 3]
    assert fetch.asked == [None, "c1"]


async def test_a_repeated_cursor_is_not_fetched_ahead() -> None:
    fetch = SlowPages({None: page([1], "c1"), "c1": page([2], "c1")})
    for event in fetch.release.values():
        event.set()
    with pytest.raises(PaginationError):
        await AsyncPaginator(fetch, prefetch=True).collect()
    assert fetch.asked == [None, "c1"]


async def test_a_page_that_fails_to_structure_cancels_the_page_fetched_ahead() -> None:
    cancelled: list[str | None] = []

    def broken() -> tuple[int, ...]:
        raise ValueError("item 0: not a deployment")

    async def fetch(cursor: str | None) -> PageDraft[int]:
        if cursor is None:
            return PageDraft(Pagination(has_more=True, next_cursor="c1"), 1, broken)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(cursor)
            raise
        raise AssertionError("unreachable")

    pages = AsyncPaginator(fetch, prefetch=True).pages()
    with pytest.raises(ValueError, match="not a deployment"):
        await anext(pages)
    await settle()
    assert cancelled == ["c1"]
    assert [t for t in asyncio.all_tasks() if t.get_name() == PREFETCH_TASK_NAME] == []


async def test_the_request_ahead_is_sent_before_the_page_in_hand_is_returned() -> None:
    fetch = slow_three_pages()
    pages = AsyncPaginator(fetch, prefetch=True).pages()
    await anext(pages)
    assert fetch.asked == [None, "c1"], "no other await was needed for the request to start"
    await pages.aclose()


async def test_a_page_draft_is_structured_only_when_its_page_is_reached() -> None:
    built: list[str] = []

    async def fetch(cursor: str | None) -> PageDraft[int]:
        name = cursor or "first"
        more = cursor is None
        pagination = Pagination(has_more=more, next_cursor="c1" if more else None)
        return PageDraft(pagination, 1, lambda: built.append(name) or (len(built),))

    pages = AsyncPaginator(fetch, prefetch=True).pages()
    await anext(pages)
    await settle()
    assert built == ["first"]
    await anext(pages)
    assert built == ["first", "c1"]


# --- every walk ends: empty pages, bounded cursor memory, max_items ---------------------------


class EndlessEmptyPages:
    """A server that answers every cursor with an empty page, a new cursor and has_more."""

    def __init__(self, *, items_every: int | None = None) -> None:
        self.asked = 0
        self.items_every = items_every

    async def __call__(self, cursor: str | None) -> Page[int]:
        self.asked += 1
        if self.asked > 1000:  # bounded even where the paginator is not: end, and fail
            return page([], None)
        full = self.items_every is not None and self.asked % self.items_every == 0
        return page([self.asked] if full else [], f"c{self.asked}", has_more=True)


async def test_endless_empty_pages_that_say_has_more_raise_pagination_error() -> None:
    fetch = EndlessEmptyPages()
    with pytest.raises(PaginationError, match="10 empty pages in a row"):
        await AsyncPaginator(fetch).collect()
    assert fetch.asked == DEFAULT_MAX_EMPTY_PAGES == 10


async def test_the_empty_page_error_carries_the_cursor_to_resume_from() -> None:
    fetch = EndlessEmptyPages()
    with pytest.raises(PaginationError) as caught:
        await AsyncPaginator(fetch, max_empty_pages=3).collect()
    assert caught.value.cursor == "c3"


async def test_max_empty_pages_is_configurable() -> None:
    fetch = EndlessEmptyPages()
    with pytest.raises(PaginationError, match="2 empty pages in a row"):
        await AsyncPaginator(fetch, max_empty_pages=2, prefetch=True).collect()
    assert fetch.asked == 2


async def test_an_item_between_empty_pages_starts_the_count_again() -> None:
    fetch = EndlessEmptyPages(items_every=3)
    items = await AsyncPaginator(fetch, max_items=5, max_empty_pages=3).collect()
    assert items == [3, 6, 9, 12, 15]


async def test_max_items_ends_a_walk_that_the_server_would_never_end() -> None:
    fetch = EndlessEmptyPages(items_every=1)
    assert await AsyncPaginator(fetch, max_items=50, prefetch=True).collect() == list(range(1, 51))
    assert fetch.asked == 50


async def test_pages_stops_after_the_page_that_reaches_max_items() -> None:
    fetch = three_pages()
    pages = [list(p) async for p in AsyncPaginator(fetch, max_items=4).pages()]
    assert pages == [[0, 1, 2], [3, 4, 5]]
    assert fetch.asked == [None, "c1"]


async def test_pages_with_max_items_zero_fetches_nothing() -> None:
    fetch = three_pages()
    assert [p async for p in AsyncPaginator(fetch, max_items=0).pages()] == []
    assert fetch.asked == []


@pytest.mark.parametrize("bad", [0, -1, True])
def test_max_empty_pages_is_validated(bad: object) -> None:
    with pytest.raises((TypeError, ValueError), match="max_empty_pages"):
        _ = AsyncPaginator(three_pages(), max_empty_pages=bad)  # type: ignore[arg-type]


def test_the_cursor_memory_stays_bounded_over_a_long_walk() -> None:
    trail = CursorTrail(None)
    for index in range(20_000):
        step = trail.judge(Pagination(has_more=True, next_cursor=f"cursor-{index}"), 1)
        trail.record(step, 1)
    assert trail.remembered == CURSOR_MEMORY == 1024


def walk_until_refused(trail: CursorTrail, cursors: list[str], limit: int) -> int:
    """Feed ``cursors`` round and round; return how many pages passed before a refusal."""
    for count in range(limit):
        cursor = cursors[count % len(cursors)]
        step = trail.judge(Pagination(has_more=True, next_cursor=cursor), 1)
        if isinstance(step, PaginationError):
            return count
        trail.record(step, 1)
    raise AssertionError(f"no loop found in {limit} pages")


def test_a_loop_within_the_cursor_memory_is_caught_at_its_first_repeat() -> None:
    cycle = [f"c{i}" for i in range(500)]
    assert walk_until_refused(CursorTrail(None), cycle, 10_000) == 500


def test_a_loop_longer_than_the_cursor_memory_is_caught_within_three_turns() -> None:
    cycle = [f"c{i}" for i in range(300)]
    pages = walk_until_refused(CursorTrail(None, memory=8), cycle, 10_000)
    assert 300 <= pages <= 3 * 300


def test_a_loop_entered_after_a_long_lead_in_is_caught() -> None:
    lead_in = [f"lead{i}" for i in range(1000)]
    cycle = [f"c{i}" for i in range(70)]
    trail = CursorTrail(None, memory=4)
    for cursor in lead_in:
        trail.record(trail.judge(Pagination(has_more=True, next_cursor=cursor), 1), 1)
    assert walk_until_refused(trail, cycle, 10_000) <= 3 * (1000 + 70) - 1000


def test_a_very_long_cursor_costs_a_fixed_size_fingerprint() -> None:
    trail = CursorTrail(None)
    huge = "x" * 1_000_000
    step = trail.judge(Pagination(has_more=True, next_cursor=huge), 1)
    trail.record(step, 1)
    assert step == huge
    repeat = trail.judge(Pagination(has_more=True, next_cursor=huge), 1)
    assert isinstance(repeat, PaginationError)


# --- position cursors (offsets and page numbers given back by the caller) ----------------------


def test_a_position_cursor_reads_back_as_its_number() -> None:
    assert position_cursor("42", "an offset", 0) == 42


@pytest.mark.parametrize("bad", ["-1", "1e3", "x", "9" * 17, "9" * 5000, str(2**53)])
def test_a_position_cursor_outside_the_positions_a_list_can_have_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"cursor"):
        position_cursor(bad, "a page number", 1)
