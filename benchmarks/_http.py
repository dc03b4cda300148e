"""The network scenarios: many concurrent GETs, and paging through a long list.

Every sample runs in a fresh event loop with a fresh client or session, warms its connections
up, then times the work. Besides wall time it records the CPU time of this process and of the
server process, so a run where the server is the bottleneck is visible as such.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

import aiohttp
import httpx

from oec_async import Client, Deployment, RateLimits
from oec_async._converter import structure

from ._report import Sample
from ._server import FakeServer, ServerInfo

__all__ = ["GET_VARIANTS", "PAGE_VARIANTS", "RAW_TYPED", "get_sample", "page_sample"]

RAW_AIOHTTP: Final = "raw aiohttp"
RAW_TYPED: Final = "raw aiohttp + Deployment model"
"""Raw aiohttp, then the body structured into the SDK's ``Deployment`` (its converter): what a
typed answer costs before any of the SDK's send path. The SDK's own ratio cannot exceed it."""
HTTPX: Final = "httpx AsyncClient*"
HTTPX_SHARE: Final = 10
"""httpx does ~200 req/s at 50 in flight here: its samples send a tenth of the requests."""
SDK: Final = "SDK, pacing off"
SDK_PACED: Final = "SDK, pacing on (generous)"
SDK_ON_DEMAND: Final = "SDK, prefetch off"

GET_VARIANTS: Final = (RAW_AIOHTTP, RAW_TYPED, HTTPX, SDK, SDK_PACED)
PAGE_VARIANTS: Final = (RAW_AIOHTTP, SDK, SDK_PACED, SDK_ON_DEMAND)

# Pacing on, with a budget the run never reaches: the governor's bookkeeping (the sliding log,
# the header corrections) is paid on every request, but it never has to wait.
GENEROUS: Final = RateLimits(reads_per_window=10**9, writes_per_window=10**9, window=60.0)


class _Meter:
    """Wall time, this process's CPU time and the server's CPU time over a block of work."""

    def __init__(self, server: FakeServer) -> None:
        self._server = server

    def __enter__(self) -> _Meter:
        self._server_cpu = self._server.cpu_seconds()
        self._cpu = time.process_time()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        after = self._server.cpu_seconds()
        self.server_cpu = (
            None if after is None or self._server_cpu is None else after - self._server_cpu
        )

    def sample(self, rate_ops: int, per_op: int) -> Sample:
        """``rate_ops`` per second as the value; CPU µs per one of ``per_op`` operations."""
        return Sample(
            value=rate_ops / self.wall,
            client_cpu_us=self.cpu / per_op * 1e6,
            server_cpu_us=None if self.server_cpu is None else self.server_cpu / per_op * 1e6,
            server_busy=None if self.server_cpu is None else self.server_cpu / self.wall,
        )


async def _drive(call: Callable[[], Awaitable[object]], total: int, concurrency: int) -> None:
    """Run ``call`` ``total`` times with ``concurrency`` calls in flight."""
    left = total

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await call()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def _sdk_client(info: ServerInfo, variant: str) -> Client:
    # Lists read one page ahead by default; SDK_ON_DEMAND shows what that overlap is worth.
    return info.client(
        rate_limits=GENEROUS if variant == SDK_PACED else RateLimits.disabled(),
        prefetch_pages=variant != SDK_ON_DEMAND,
    )


async def _get(
    server: FakeServer, variant: str, task_id: str, total: int, concurrency: int
) -> Sample:
    info = server.info
    url = f"{info.url}/deployments/{task_id}"
    headers = info.auth_headers
    warmup = max(4 * concurrency, total // 20)
    meter = _Meter(server)
    if variant in (RAW_AIOHTTP, RAW_TYPED):
        typed = variant == RAW_TYPED
        async with aiohttp.ClientSession() as session:

            async def raw() -> Any:
                async with session.get(url, headers=headers) as response:
                    if response.status != 200:
                        raise RuntimeError(f"GET {url} -> {response.status}")
                    data = await response.json()
                    return structure(data, Deployment) if typed else data

            await _drive(raw, warmup, concurrency)
            with meter:
                await _drive(raw, total, concurrency)
    elif variant == HTTPX:
        # httpx keeps only 20 idle connections by default: with 50 in flight it would reconnect
        # all the time. Give it a pool as large as aiohttp's, to measure httpx, not its default.
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        async with httpx.AsyncClient(limits=limits) as http:

            async def via_httpx() -> Any:
                response = await http.get(url, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url} -> {response.status_code}")
                return response.json()

            await _drive(via_httpx, warmup, concurrency)
            with meter:
                await _drive(via_httpx, total, concurrency)
    else:
        async with _sdk_client(info, variant) as client:

            async def sdk() -> object:
                return await client.deployments.get(task_id)

            await _drive(sdk, warmup, concurrency)
            with meter:
                await _drive(sdk, total, concurrency)
    return meter.sample(total, total)


async def _page(server: FakeServer, variant: str, env_id: str, limit: int, expected: int) -> Sample:
    info = server.info
    url = f"{info.url}/environments/{env_id}/deployments"
    headers = info.auth_headers
    meter = _Meter(server)
    items = pages = 0
    if variant == RAW_AIOHTTP:
        async with aiohttp.ClientSession() as session:
            async with session.get(url, params={"limit": limit}, headers=headers) as warm:
                await warm.read()
            with meter:
                cursor: str | None = None
                while True:
                    params: dict[str, str | int] = {"limit": limit}
                    if cursor is not None:
                        params["cursor"] = cursor
                    async with session.get(url, params=params, headers=headers) as response:
                        if response.status != 200:
                            raise RuntimeError(f"GET {url} -> {response.status}")
                        body = await response.json()
                    for _deployment in body["data"]:  # touch every item, as the SDK loop does
                        items += 1
                    pages += 1
                    pagination = body["pagination"]
                    if not pagination["has_more"]:
                        break
                    cursor = pagination["next_cursor"]
    else:
        async with _sdk_client(info, variant) as client:
            await client.deployments.list(env_id, limit=limit)
            with meter:
                async for _deployment in client.deployments.list(env_id, limit=limit):
                    items += 1
            pages = -(-items // limit)
    if items != expected:
        raise RuntimeError(f"{variant}: paged through {items} items, expected {expected}")
    return meter.sample(items, pages)


def get_sample(
    server: FakeServer, variant: str, task_id: str, total: int, concurrency: int
) -> Sample:
    """One repetition of the GET scenario (requests/s), in its own event loop."""
    if variant == HTTPX:
        total = max(total // HTTPX_SHARE, 2 * concurrency)
    return asyncio.run(_get(server, variant, task_id, total, concurrency))


def page_sample(server: FakeServer, variant: str, env_id: str, limit: int, expected: int) -> Sample:
    """One repetition of the paging scenario (items/s; CPU per page), in its own event loop."""
    return asyncio.run(_page(server, variant, env_id, limit, expected))
