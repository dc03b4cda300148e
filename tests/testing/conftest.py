"""Fixtures for testing the fake server with plain aiohttp."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from oec_async.testing import FakeOEC

from .fake_support import Api


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def api(session: aiohttp.ClientSession, oec_fake: FakeOEC) -> Api:
    """Plain-aiohttp access to the plugin's `oec_fake`."""
    return Api(session, oec_fake)
