"""Helpers of the fleet benchmark: request counting, the naive pattern, memory readings."""

from __future__ import annotations

import asyncio
import collections
import os
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp

from benchmarks._server import ServerInfo

__all__ = ["NaiveResult", "RequestCounter", "counting_session", "naive_fleet", "rss_kib"]

TERMINAL = frozenset({"completed", "failed", "cancelled"})


@dataclass
class RequestCounter:
    """Every request a session sent, by method and answer (retries included)."""

    by_status: collections.Counter[tuple[str, int]] = field(default_factory=collections.Counter)
    by_route: collections.Counter[str] = field(default_factory=collections.Counter)
    errors: int = 0

    def trace_config(self) -> aiohttp.TraceConfig:
        """A trace config that feeds this counter."""
        config = aiohttp.TraceConfig()
        config.on_request_end.append(self._on_end)
        config.on_request_exception.append(self._on_error)
        return config

    async def _on_end(
        self, _: aiohttp.ClientSession, __: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        self.by_status[(params.method, params.response.status)] += 1
        self.by_route[f"{params.method} {route_of(params.url.path)}"] += 1

    async def _on_error(self, *_: Any) -> None:
        self.errors += 1

    @property
    def reads(self) -> int:
        return sum(n for (method, _), n in self.by_status.items() if method == "GET")

    @property
    def writes(self) -> int:
        return sum(n for (method, _), n in self.by_status.items() if method != "GET")

    @property
    def rate_limited(self) -> int:
        return sum(n for (_, status), n in self.by_status.items() if status == 429)


def route_of(path: str) -> str:
    """The path with its ids replaced by ``{id}`` (where the reads of a run go)."""
    parts = path.split("/api/public/v1", 1)[-1].split("/")
    return "/".join("{id}" if len(part) == 36 and part.count("-") == 4 else part for part in parts)


def counting_session(counter: RequestCounter, connections: int = 100) -> aiohttp.ClientSession:
    """A session that counts its requests (create it inside the running loop)."""
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections)
    return aiohttp.ClientSession(connector=connector, trace_configs=[counter.trace_config()])


@dataclass
class NaiveResult:
    wall: float
    succeeded: int


async def naive_fleet(
    info: ServerInfo,
    env_ids: list[str],
    *,
    max_parallel: int,
    poll_interval: float,
    session: aiohttp.ClientSession,
) -> NaiveResult:
    """The pattern the issue contrasts: a semaphore, and a fixed-interval poll loop per env.

    What a careful script does from the docs' example: POST the deploy, GET the ``poll_url``
    every ``poll_interval`` until the task ends; on a 429, sleep ``Retry-After`` and try again.
    """
    semaphore = asyncio.Semaphore(max_parallel)
    origin = info.url.split("/api/public/v1")[0]
    headers = info.auth_headers
    succeeded = 0

    async def call(method: str, url: str) -> dict[str, Any]:
        while True:
            async with session.request(method, url, headers=headers) as response:
                if response.status == 429:
                    await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                    continue
                response.raise_for_status()
                data: dict[str, Any] = await response.json()
                return data

    async def one(env_id: str) -> None:
        nonlocal succeeded
        async with semaphore:
            action = await call("POST", f"{info.url}/environments/{env_id}/deploy")
            while True:
                await asyncio.sleep(poll_interval)
                task = await call("GET", origin + action["poll_url"])
                if task["status"] in TERMINAL:
                    succeeded += task["status"] == "completed"
                    return

    started = time.perf_counter()
    await asyncio.gather(*(one(env) for env in env_ids))
    return NaiveResult(wall=time.perf_counter() - started, succeeded=succeeded)


def rss_kib() -> int:
    """This process's resident memory in KiB (Linux; 0 elsewhere)."""
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0
