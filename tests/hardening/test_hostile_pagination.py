"""A hostile server on 127.0.0.1 against lists and single reads (issue 13, items 3 and 4).

Each server here is bounded: past a few hundred requests it ends the list itself, so a client
that would follow it for ever fails an assertion instead of hanging the suite.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from hardening_support import (
    ENV_ID,
    PROJECT_ID,
    TASK_ID,
    Answer,
    ScriptedServer,
    fast_client,
    json_answer,
)

from oec_async import Client, PaginationError, ResponseValidationError

BOUND = 300
"""Requests after which the scripted servers stop misbehaving (the test then fails)."""

OTHER_ID = "00000000-0000-4000-8000-0000000000ff"


class EndlessEmptyCursors:
    """``GET .../deployments``: always an empty page, a brand-new cursor and ``has_more``."""

    def __init__(self) -> None:
        self.requests = 0

    async def __call__(self, request: web.Request) -> Answer:
        self.requests += 1
        more = self.requests < BOUND
        return json_answer(
            {
                "data": [],
                "pagination": {
                    "has_more": more,
                    "next_cursor": f"c{self.requests}" if more else None,
                },
            }
        )


async def test_a_server_sending_endless_empty_pages_is_refused_after_ten() -> None:
    server = EndlessEmptyCursors()
    async with ScriptedServer(server).running() as scripted, fast_client(scripted.url) as client:
        with pytest.raises(PaginationError, match="10 empty pages in a row") as caught:
            await client.deployments.list(ENV_ID).collect()
    assert server.requests == 10
    assert caught.value.cursor == "c10"


async def test_max_items_does_not_hide_endless_empty_pages() -> None:
    server = EndlessEmptyCursors()
    async with ScriptedServer(server).running() as scripted, fast_client(scripted.url) as client:
        with pytest.raises(PaginationError):
            await client.deployments.list(ENV_ID, max_items=5).collect()
    assert server.requests == 10


async def test_a_cursor_loop_longer_than_the_memory_still_ends() -> None:
    requests = 0

    async def loop_of_1500(request: web.Request) -> Answer:
        nonlocal requests
        requests += 1
        position = int(request.query.get("cursor", "0"))
        ended = requests > 10 * 1500
        item = {"id": str(uuid.UUID(int=position + 1)), "status": "completed"}
        return json_answer(
            {
                "data": [item],
                "pagination": {"has_more": not ended, "next_cursor": str((position + 1) % 1500)},
            }
        )

    async with (
        ScriptedServer(loop_of_1500).running() as scripted,
        fast_client(scripted.url) as client,
    ):
        with pytest.raises(PaginationError, match="twice"):
            await client.deployments.list(ENV_ID).collect()
    assert requests <= 3 * 1500


def number_page(**envelope: object) -> Callable[[web.Request], Awaitable[Answer]]:
    async def answer(request: web.Request) -> Answer:
        return json_answer({"items": [{"id": str(uuid.uuid4())}], **envelope})

    return answer


@pytest.mark.parametrize(
    "envelope",
    [
        {"total": 10**400, "page": 1, "page_size": 20},
        {"total": 10**400, "page": 1},
        {"total_pages": 10**400, "page": 1},
        {"pages": 10**400, "page": 1},
        {"total": 3, "page": 10**400},
        {"total": -1, "page": 1},
    ],
    ids=["total", "total-no-size", "total_pages", "pages", "page", "negative"],
)
async def test_absurd_page_numbers_raise_the_sdks_error_not_overflow(
    envelope: dict[str, object],
) -> None:
    async with (
        ScriptedServer(number_page(**envelope)).running() as scripted,
        fast_client(scripted.url) as client,
    ):
        with pytest.raises(ResponseValidationError, match=r"outside 0\.\.9007199254740991"):
            await client.backups.list(ENV_ID).collect()


async def test_an_absurd_offset_total_raises_the_sdks_error() -> None:
    envelope = {"items": [], "total": 10**400, "limit": 50, "offset": 0}
    async with (
        ScriptedServer(number_page(**envelope)).running() as scripted,
        fast_client(scripted.url) as client,
    ):
        with pytest.raises(ResponseValidationError, match="'total' is a 401-digit number"):
            await client.webhooks.list().collect()


# --- get(id): the answer must be about the id asked for ----------------------------------------

Read = Callable[[Client, str], Awaitable[Any]]

READS: dict[str, tuple[Read, dict[str, object]]] = {
    "deployments.get": (lambda c, i: c.deployments.get(i), {"status": "running"}),
    "environments.get": (lambda c, i: c.environments.get(i), {"name": "prod"}),
    "projects.get": (lambda c, i: c.projects.get(i), {"name": "erp"}),
    "backups.get": (lambda c, i: c.backups.get(i), {"status": "completed"}),
    "webhooks.get": (
        lambda c, i: c.webhooks.get(i),
        {"url": "https://hooks.example.com/x", "events": ["deploy.completed"]},
    ),
    "servers.get": (lambda c, i: c.servers.get(i), {"name": "s1"}),
}


def answering(body: dict[str, object]) -> Callable[[web.Request], Awaitable[Answer]]:
    async def answer(request: web.Request) -> Answer:
        return json_answer(body)

    return answer


@pytest.mark.parametrize("name", sorted(READS))
async def test_get_refuses_an_answer_about_another_id(name: str) -> None:
    read, fields = READS[name]
    async with (
        ScriptedServer(answering({"id": OTHER_ID, **fields})).running() as scripted,
        fast_client(scripted.url) as client,
    ):
        with pytest.raises(ResponseValidationError) as caught:
            await read(client, TASK_ID)
    assert TASK_ID in str(caught.value)
    assert OTHER_ID in str(caught.value)


@pytest.mark.parametrize("name", sorted(READS))
async def test_get_accepts_the_answer_about_the_id_asked_for(name: str) -> None:
    read, fields = READS[name]
    async with (
        ScriptedServer(answering({"id": PROJECT_ID, **fields})).running() as scripted,
        fast_client(scripted.url) as client,
    ):
        got = await read(client, PROJECT_ID)
    assert str(got.id) == PROJECT_ID


async def test_get_accepts_its_id_written_in_another_form() -> None:
    body = {"id": "{" + TASK_ID.upper() + "}", "status": "running"}
    async with (
        ScriptedServer(answering(body)).running() as scripted,
        fast_client(scripted.url) as client,
    ):
        got = await client.deployments.get(TASK_ID)
    assert str(got.id) == TASK_ID


async def test_status_refuses_a_report_about_another_environment() -> None:
    body = {"environment_id": OTHER_ID, "status": "running"}
    async with (
        ScriptedServer(answering(body)).running() as scripted,
        fast_client(scripted.url) as client,
    ):
        with pytest.raises(ResponseValidationError, match=f"{ENV_ID}.*{OTHER_ID}"):
            await client.environments.status(ENV_ID)
