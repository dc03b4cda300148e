"""Headless Chromium driven over the DevTools protocol (aiohttp's websocket client).

Opening a page this way sees what a user's browser would: console messages, uncaught
exceptions, every request the page makes, and a screenshot of what was drawn.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import pytest
from attrs import define, field

CHROMIUM = "/usr/bin/chromium"
REQUIRE_ENV = "OEC_REQUIRE_BROWSER"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)
LISTENING = re.compile(r"DevTools listening on (ws://\S+)")


def chromium_or_skip() -> str:
    """The browser's path; skips the test locally, fails it under ``OEC_REQUIRE_BROWSER=1``."""
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if path is None:
        message = "headless Chromium is not installed (apt-get install chromium)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message}, and {REQUIRE_ENV}=1 requires it")
        pytest.skip(message)
    return path


@define
class PageVisit:
    """What happened while a page loaded."""

    console_errors: list[str] = field(factory=list)
    exceptions: list[str] = field(factory=list)
    requests: list[str] = field(factory=list)
    values: dict[str, Any] = field(factory=dict)


class DevTools:
    """One DevTools session on one page target."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse, session_id: str) -> None:
        self._socket = socket
        self._session = session_id
        self._ids = itertools.count(1000)

    @classmethod
    async def command(
        cls,
        socket: aiohttp.ClientWebSocketResponse,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session_id: str | None = None,
        number: int = 1,
        events: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if session_id is not None:
            message["sessionId"] = session_id
        await socket.send_json(message)
        while True:
            answer = await socket.receive_json()
            if answer.get("id") == number:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            if events is not None and "method" in answer:
                events.append(answer)

    async def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        events: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        return await self.command(
            self._socket,
            method,
            params,
            session_id=self._session,
            number=next(self._ids),
            events=events,
        )

    async def events_until(self, name: str, events: list[dict[str, Any]]) -> None:
        """Read events (into ``events``) until one called ``name`` arrives."""
        while not any(e.get("method") == name for e in events):
            message = await self._socket.receive_json()
            if "method" in message:
                events.append(message)


@contextlib.asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A headless Chromium and a websocket to its browser endpoint."""
    process = await asyncio.create_subprocess_exec(
        chromium_or_skip(),
        *FLAGS,
        f"--user-data-dir={profile}",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        url = None
        async with asyncio.timeout(30):
            while url is None:
                line = (await process.stderr.readline()).decode(errors="replace")
                if not line:
                    raise RuntimeError("chromium exited before its DevTools endpoint opened")
                if match := LISTENING.search(line):
                    url = match.group(1)
        async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as socket:
            yield socket
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                async with asyncio.timeout(10):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


async def visit(
    page: Path, screenshot: Path, profile: Path, probes: dict[str, str] | None = None
) -> PageVisit:
    """Open ``page``, wait for it to load, save a screenshot, and say what went wrong.

    Args:
        page: The HTML file (an absolute path).
        screenshot: Where the PNG goes.
        profile: A fresh browser profile directory.
        probes: JavaScript expressions to evaluate once loaded (name -> expression).
    """
    found = PageVisit()
    async with chromium(profile) as socket:
        target = await DevTools.command(
            socket, "Target.createTarget", {"url": "about:blank"}, number=1
        )
        attached = await DevTools.command(
            socket,
            "Target.attachToTarget",
            {"targetId": target["targetId"], "flatten": True},
            number=2,
        )
        tab = DevTools(socket, attached["sessionId"])
        events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            await tab.send(f"{domain}.enable", events=events)
        await tab.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            events=events,
        )
        await tab.send("Page.navigate", {"url": page.as_uri()}, events=events)
        async with asyncio.timeout(30):
            await tab.events_until("Page.loadEventFired", events)
            shot = await tab.send(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, events
            )
            for name, expression in (probes or {}).items():
                result = await tab.send(
                    "Runtime.evaluate", {"expression": expression, "returnByValue": True}, events
                )
                found.values[name] = result.get("result", {}).get("value")
    await anyio.Path(screenshot).write_bytes(base64.b64decode(shot["data"]))
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.console_errors.append(
                " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            )
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            found.exceptions.append(
                str(details.get("exception", {}).get("description") or details.get("text"))
            )
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            found.console_errors.append(str(params["entry"].get("text")))
        elif method == "Network.requestWillBeSent":
            found.requests.append(str(params.get("request", {}).get("url")))
    return found
