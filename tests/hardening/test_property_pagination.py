"""Properties: pagination yields every item exactly once, in order, whatever transient faults
occur; and every walk over a list ends, whatever the server does.

A scripted server on 127.0.0.1 pages through ``n`` deployments ``limit`` at a time, and answers
some requests with a fault first (500, an HTML 502, 503 and 429 with ``Retry-After: 0``, a
dropped connection). When faults outlast the retries, the caller resumes from the last page's
cursor, as the README tells users to, and still gets every item exactly once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from typing import Literal

from aiohttp import web
from hardening_support import (
    ENV_ID,
    PROPERTY,
    PROPERTY_IO,
    Answer,
    FakeSleep,
    ScriptedServer,
    fast_client,
    json_answer,
    silent,
)
from hypothesis import given, strategies as st

from oec_async import (
    APIConnectionError,
    APIStatusError,
    AsyncPaginator,
    Deployment,
    Page,
    Pagination,
    PaginationError,
    RetryPolicy,
)
from oec_async._pagination import CursorTrail

Fault = Literal["500", "502html", "503", "429", "drop"]
FAULTS: tuple[Fault, ...] = ("500", "502html", "503", "429", "drop")


def _task_id(index: int) -> str:
    return str(uuid.UUID(int=index + 1))


class PagedDeployments:
    """Serves ``GET /environments/{id}/deployments`` over ``count`` items, with scripted faults."""

    def __init__(self, count: int, faults: list[Fault | None]) -> None:
        self.count = count
        self.faults: deque[Fault | None] = deque(faults)
        self.served_pages = 0

    async def __call__(self, request: web.Request) -> Answer:
        fault = self.faults.popleft() if self.faults else None
        if fault == "drop":
            return None
        if fault == "502html":
            return web.Response(
                status=502, text="<html>Bad Gateway</html>", content_type="text/html"
            )
        if fault is not None:
            headers = {"Retry-After": "0"} if fault in ("503", "429") else {}
            return json_answer({"detail": {"error": "x", "message": fault}}, int(fault), headers)
        limit = int(request.query.get("limit", "20"))
        start = int(request.query.get("cursor", "c0")[1:])
        end = min(start + limit, self.count)
        data = [{"id": _task_id(i), "status": "completed"} for i in range(start, end)]
        more = end < self.count
        self.served_pages += 1
        return json_answer(
            {
                "data": data,
                "pagination": {
                    "has_more": more,
                    "next_cursor": f"c{end}" if more else None,
                    "total": self.count,
                },
            }
        )


async def _collect_with_resume(
    count: int, limit: int, faults: list[Fault | None]
) -> tuple[list[Deployment], int]:
    """Page through everything, resuming from the last good cursor after a failure."""
    handler = PagedDeployments(count, faults)
    items: list[Deployment] = []
    failures = 0
    async with (
        ScriptedServer(handler).running() as server,
        fast_client(
            server.url,
            retry=RetryPolicy(max_retries=2, initial_backoff=0.0),
            **silent(FakeSleep()),
        ) as client,
    ):
        cursor: str | None = None
        while True:
            try:
                async for page in client.deployments.list(
                    ENV_ID, limit=limit, cursor=cursor
                ).pages():
                    items.extend(page)
                    cursor = page.next_cursor
                break
            except (APIStatusError, APIConnectionError):
                failures += 1
                assert failures <= len(faults), "a failure without a fault"
    return items, failures


@PROPERTY_IO
@given(
    count=st.integers(min_value=0, max_value=120),
    limit=st.integers(min_value=1, max_value=100),
    faults=st.lists(st.none() | st.sampled_from(FAULTS), max_size=12),
)
def test_every_item_exactly_once_in_order_despite_faults(
    count: int, limit: int, faults: list[Fault | None]
) -> None:
    items, _ = asyncio.run(_collect_with_resume(count, limit, faults))
    assert [str(d.id) for d in items] == [_task_id(i) for i in range(count)]


async def _iterate_items(
    count: int, limit: int, faults: list[Fault | None], max_items: int | None
) -> list[Deployment]:
    handler = PagedDeployments(count, faults)
    async with (
        ScriptedServer(handler).running() as server,
        fast_client(
            server.url,
            retry=RetryPolicy(max_retries=3, initial_backoff=0.0),
            **silent(FakeSleep()),
        ) as client,
    ):
        return [d async for d in client.deployments.list(ENV_ID, limit=limit, max_items=max_items)]


def _spaced(faults: list[Fault]) -> list[Fault | None]:
    """At most 3 faults in a row: always within ``max_retries=3`` of one request."""
    spaced: list[Fault | None] = []
    for index, fault in enumerate(faults):
        spaced.append(fault)
        if index % 3 == 2:
            spaced.append(None)
    return spaced


@PROPERTY_IO
@given(
    count=st.integers(min_value=0, max_value=250),
    limit=st.integers(min_value=1, max_value=100),
    faults=st.lists(st.sampled_from(FAULTS), max_size=9).map(_spaced),
    max_items=st.none() | st.integers(min_value=0, max_value=300),
)
def test_the_item_iterator_hides_retried_faults_and_honours_max_items(
    count: int, limit: int, faults: list[Fault | None], max_items: int | None
) -> None:
    items = asyncio.run(_iterate_items(count, limit, faults, max_items))
    expected = [_task_id(i) for i in range(count)]
    if max_items is not None:
        expected = expected[:max_items]
    assert [str(d.id) for d in items] == expected


# --- every walk ends ---------------------------------------------------------------------------

# A finite-state server: state -> (items on its page, next state or None for the last page).
# Cursors name states, so any server that never ends must come back to a cursor it sent.
Graph = dict[int, tuple[int, int | None]]


def graphs(states: int) -> st.SearchStrategy[Graph]:
    page = st.tuples(st.integers(0, 2), st.none() | st.integers(0, states - 1))
    return st.dictionaries(st.integers(0, states - 1), page, min_size=1)


async def _walk(graph: Graph) -> tuple[int, bool]:
    """Iterate over the server's list; return (pages fetched, whether PaginationError ended it)."""
    fetched = 0

    async def fetch(cursor: str | None) -> Page[int]:
        nonlocal fetched
        fetched += 1
        assert fetched <= 10_000, "followed the server for ever"
        size, following = graph.get(0 if cursor is None else int(cursor), (0, None))
        return Page(
            items=tuple(range(size)),
            pagination=Pagination(
                has_more=following is not None,
                next_cursor=None if following is None else str(following),
            ),
        )

    try:
        await AsyncPaginator(fetch, prefetch=True).collect()
    except PaginationError:
        return fetched, True
    return fetched, False


@PROPERTY
@given(graph=graphs(40))
def test_a_walk_over_any_finite_server_ends_by_its_first_repeat(graph: Graph) -> None:
    fetched, _ = asyncio.run(_walk(graph))
    assert fetched <= len(graph) + 1, "each state's page at most once, plus an unknown last one"


@PROPERTY
@given(graph=graphs(400), memory=st.integers(1, 8))
def test_a_small_cursor_memory_still_ends_every_walk_within_three_turns(
    graph: Graph, memory: int
) -> None:
    trail = CursorTrail(None, memory=memory, max_empty_pages=10**6)
    state: int | None = 0
    pages = 0
    while state is not None:
        pages += 1
        size, following = graph.get(state, (0, None))
        pagination = Pagination(
            has_more=following is not None,
            next_cursor=None if following is None else str(following),
        )
        step = trail.judge(pagination, size)
        if isinstance(step, PaginationError):
            break  # refused: a loop was found
        trail.record(step, size)
        state = following
        assert pages <= 3 * (len(graph) + 1), "a loop went unnoticed"
    assert trail.remembered <= memory
