"""The next-page rule and the paginator that follows it (driven by an in-memory fetch)."""

from __future__ import annotations

import pytest

from oec_async import AsyncPaginator, Page, Pagination, PaginationError
from oec_async._pagination import next_cursor


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


async def test_a_repeated_cursor_raises_instead_of_looping() -> None:
    fetch = Pages({None: page([1], "c1"), "c1": page([2], "c2"), "c2": page([3], "c1")})
    seen: list[int] = []

    async def drain() -> None:
        async for item in AsyncPaginator(fetch):
            seen.append(item)

    with pytest.raises(PaginationError, match="'c1' twice"):
        await drain()
    assert seen == [1, 2]
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
