"""Closing a client while requests are in flight, end to end against the fake server."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from oec_async import ClientClosedError
from oec_async._pagination import PREFETCH_TASK_NAME
from oec_async.testing import FakeOEC, FaultConfig

SLOW: FaultConfig = FaultConfig(slow=1.0, slow_delay=0.3)
"""Every answer takes 0.3 s: long enough to close the client under a request."""


def fake() -> FakeOEC:
    return FakeOEC(environments=1, deployments_per_environment=250, rate_limits=False, faults=SLOW)


async def test_a_request_in_flight_when_the_client_closes_raises_client_closed() -> None:
    async with fake() as api:
        client = api.client()
        async with client:
            reading = asyncio.create_task(client.environments.get(api.environment_ids[0]))
            await asyncio.sleep(0.05)
        with pytest.raises(ClientClosedError, match="was closed while this request"):
            await reading


async def test_a_request_in_flight_when_a_borrowed_session_closes_raises_client_closed() -> None:
    async with fake() as api:
        session = aiohttp.ClientSession()
        async with api.client(session=session) as client:
            reading = asyncio.create_task(client.environments.get(api.environment_ids[0]))
            await asyncio.sleep(0.05)
            await session.close()
            with pytest.raises(ClientClosedError, match="aiohttp session"):
                await reading


async def test_the_page_fetched_ahead_ends_with_the_client() -> None:
    async with fake() as api:
        async with api.client() as client:
            pages = client.deployments.list(api.environment_ids[0], limit=100).pages()
            await anext(pages)
        await asyncio.sleep(0.05)
        ahead = [t for t in asyncio.all_tasks() if t.get_name() == PREFETCH_TASK_NAME]
        assert ahead == [], "the request ahead stopped when the client closed"
        with pytest.raises(ClientClosedError):
            await anext(pages)
