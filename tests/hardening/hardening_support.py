"""Shared pieces of the hardening tests: the secret, hypothesis settings, a tiny scripted server.

The scripted server is our own ``aiohttp.web`` app on 127.0.0.1 whose answers a test decides
request by request (status, headers, body, or a dropped connection). It is deliberately dumber
than ``FakeOEC``: the hardening tests need answers no well-behaved server would give.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Final

from aiohttp import web
from hypothesis import HealthCheck, settings
from support import (  # re-exported
    BASE_URL as BASE_URL,
    ENV_ID as ENV_ID,
    PROJECT_ID as PROJECT_ID,
    TASK_ID as TASK_ID,
    FakeSleep as FakeSleep,
)

from oec_async import Client, PollPolicy, RateLimits, RetryPolicy

# A key of the real shape and a key of no particular shape: redaction must not rely on the prefix.
API_KEY: Final = "oec_live_rw_" + "S3cr3tK3y" * 5
PLAIN_KEY: Final = "plainSecretValue-7f3a9c"

# Modest, reproducible: the same examples on every machine, no example database.
PROPERTY: Final = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROPERTY_IO: Final = settings(PROPERTY, max_examples=25)


def fast_client(base_url: str, *, key: str = API_KEY, **options: Any) -> Client:
    """An unopened client with instant retries and polls and no client-side pacing."""
    options.setdefault(
        "retry", RetryPolicy(max_retries=3, initial_backoff=0.0, max_backoff=0.0, jitter=0.0)
    )
    options.setdefault("poll", PollPolicy(initial_interval=0.0, max_interval=0.0, jitter=0.0))
    options.setdefault("rate_limits", RateLimits.disabled())
    return Client(key, base_url=base_url, **options)


def silent(sleep: FakeSleep) -> dict[str, object]:
    """Client options (the time seam) that make retry, poll and governor sleeps instant."""
    return {"clock": sleep.monotonic, "sleep": sleep}


Answer = web.StreamResponse | None
"""What a scripted handler returns: a response, or ``None`` to drop the connection."""


def json_answer(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response."""
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers=headers
    )


class ScriptedServer:
    """An ``aiohttp.web`` server on 127.0.0.1 answering every request through ``handler``.

    Attributes:
        seen: ``(method, path_qs, headers)`` of every request received, in order.
        url: ``http://127.0.0.1:{port}`` once started.
    """

    def __init__(self, handler: Callable[[web.Request], Awaitable[Answer]]) -> None:
        self._handler = handler
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.url = ""

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.seen.append((request.method, request.path_qs, dict(request.headers)))
        answer = await self._handler(request)
        if answer is None:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        return answer

    @asynccontextmanager
    async def running(
        self, *, ssl_context: ssl.SSLContext | None = None, host: str = "127.0.0.1"
    ) -> AsyncIterator[ScriptedServer]:
        """Serve until the block ends (over TLS when given a server ``ssl_context``).

        Args:
            ssl_context: The server's TLS context; plain http without one.
            host: The host name used in :attr:`url` (the server always binds 127.0.0.1).
        """
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
        try:
            await site.start()
            scheme = "https" if ssl_context is not None else "http"
            self.url = f"{scheme}://{host}:{runner.addresses[0][1]}"
            yield self
        finally:
            await runner.cleanup()
