"""What every cancellation test checks once the dust has settled.

* **No request after cancellation returns.** Each request start is recorded on the client side
  (an aiohttp trace hook on the client's own session), so a request sent after ``await task``
  returned is caught even if the server never answers it.
* **No task left over.** ``asyncio.all_tasks()`` is back to what it was before the client
  opened (give the server's per-connection tasks a moment to notice closed sockets).
* **No socket left open.** The process's file descriptors are back to their count before.
* **No loop errors.** "Task was destroyed but it is pending", "Unclosed client session" and
  friends go to the loop's exception handler; the handler here fails the test on any of them.
  (Warnings are errors in the pytest configuration, so ResourceWarnings fail too.)
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio
import pytest
from support import SendLog, trace_client_sessions

from oec_async import Client

SETTLE_SECONDS = 5.0
"""How long leftovers get to go away (server handlers noticing closed sockets) before failing."""


def open_fds() -> int:
    """How many file descriptors the process holds."""
    return len(os.listdir("/proc/self/fd"))


@contextmanager
def traced_sessions(monkeypatch: pytest.MonkeyPatch) -> Iterator[SendLog]:
    """Make every Client opened in the block trace its own session's request starts."""
    log = SendLog()
    trace_client_sessions(log, monkeypatch)
    yield log


class LoopErrors:
    """Collects everything reported to the loop's exception handler."""

    def __init__(self) -> None:
        self.contexts: list[dict[str, Any]] = []

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self.contexts.append(context)

    def messages(self) -> list[str]:
        return [str(c.get("message")) + " " + repr(c.get("exception")) for c in self.contexts]


@asynccontextmanager
async def leak_checked() -> AsyncIterator[LoopErrors]:
    """Fail if tasks, file descriptors or loop errors are left behind by the block."""
    loop = asyncio.get_running_loop()
    errors = LoopErrors()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(errors)
    tasks_before = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
    fds_before = open_fds()
    try:
        yield errors
        await settle(tasks_before, fds_before)
        # Unclosed sessions and never-awaited coroutines speak up when collected. A full
        # collection can take a while: off the loop, so it is not itself a slow callback.
        await anyio.to_thread.run_sync(gc.collect)
        await asyncio.sleep(0)
        assert errors.messages() == [], f"loop errors: {errors.messages()}"
    finally:
        loop.set_exception_handler(previous)


def _extra_tasks(before: set[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
    return {
        t
        for t in asyncio.all_tasks()
        if t not in before and t is not asyncio.current_task() and not t.done()
    }


async def settle(tasks_before: set[asyncio.Task[Any]], fds_before: int) -> None:
    """Wait (bounded) for leftover tasks and descriptors to go; fail if they stay."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        if not _extra_tasks(tasks_before) and open_fds() <= fds_before:
            return
        await asyncio.sleep(0.01)
    extra = _extra_tasks(tasks_before)
    assert not extra, f"tasks left running: {[t.get_name() for t in extra]} {extra}"
    assert open_fds() <= fds_before, f"descriptors leaked: {open_fds()} > {fds_before}"


async def cancel_after(task: asyncio.Task[Any], delay: float) -> tuple[float, BaseException | None]:
    """Cancel ``task`` after ``delay`` seconds and wait for it.

    Returns:
        When the cancellation returned (monotonic), and how the task ended: the
        ``CancelledError``, ``None`` if it finished first, or the exception it raised.
    """
    await asyncio.sleep(delay)
    task.cancel()
    try:
        await task
    except BaseException as ended:
        return time.monotonic(), ended
    return time.monotonic(), None


__all__ = [
    "Client",
    "LoopErrors",
    "SendLog",
    "cancel_after",
    "leak_checked",
    "open_fds",
    "settle",
    "traced_sessions",
]
