"""The checks the cancellation tests rely on do fail when something is left behind."""

from __future__ import annotations

import asyncio
import os
import time

import cancellation_support
import pytest
from cancellation_support import SendLog, cancel_after, leak_checked, traced_sessions

from oec_async.testing import FakeOEC


@pytest.fixture(autouse=True)
def _quick_settle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cancellation_support, "SETTLE_SECONDS", 0.2)


async def test_a_task_left_running_is_caught() -> None:
    leftover: asyncio.Task[None] | None = None
    with pytest.raises(AssertionError, match="tasks left running"):
        async with leak_checked():
            leftover = asyncio.create_task(asyncio.sleep(10), name="leftover")
    assert leftover is not None
    leftover.cancel()


async def test_a_descriptor_left_open_is_caught() -> None:
    read_end = write_end = -1
    with pytest.raises(AssertionError, match="descriptors leaked"):
        async with leak_checked():
            read_end, write_end = os.pipe()
    os.close(read_end)
    os.close(write_end)


async def test_an_error_reported_to_the_loop_is_caught() -> None:
    with pytest.raises(AssertionError, match="Task was destroyed"):
        async with leak_checked():
            asyncio.get_running_loop().call_exception_handler(
                {"message": "Task was destroyed but it is pending!"}
            )


async def test_a_request_after_the_cancellation_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeOEC(environments=1, rate_limits=False) as fake:
        with traced_sessions(monkeypatch) as sends:
            async with fake.client() as client:
                idle = asyncio.create_task(asyncio.sleep(10))
                cancelled_at, ended = await cancel_after(idle, 0.0)
                await client.environments.get(fake.environment_ids[0])  # a "stray" request
    assert isinstance(ended, asyncio.CancelledError)
    assert isinstance(sends, SendLog)
    assert [path for _, _, path in sends.after(cancelled_at)] == [
        f"/api/public/v1/environments/{fake.environment_ids[0]}"
    ]
    assert all(at <= time.monotonic() for at, _, _ in sends.starts)
