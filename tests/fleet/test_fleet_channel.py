"""The outcome/event channel: in order, never blocks the writer, ends after close."""

from __future__ import annotations

import anyio
import pytest

from oec_async.fleet._channel import Channel


async def test_items_come_out_in_order() -> None:
    channel: Channel[int] = Channel()
    for item in (1, 2, 3):
        channel.put(item)
    assert [await channel.get() for _ in range(3)] == [1, 2, 3]


async def test_a_reader_waits_for_the_next_item() -> None:
    channel: Channel[str] = Channel()
    got: list[str] = []

    async def read() -> None:
        got.append(await channel.get())

    async with anyio.create_task_group() as tg:
        tg.start_soon(read)
        await anyio.wait_all_tasks_blocked()
        channel.put("late")
    assert got == ["late"]


async def test_close_lets_buffered_items_out_then_ends() -> None:
    channel: Channel[int] = Channel()
    channel.put(1)
    channel.close()
    channel.put(2)  # after close: dropped
    assert await channel.get() == 1
    with pytest.raises(anyio.EndOfStream):
        await channel.get()


async def test_close_wakes_a_waiting_reader() -> None:
    channel: Channel[int] = Channel()
    ended: list[bool] = []

    async def read() -> None:
        try:
            await channel.get()
        except anyio.EndOfStream:
            ended.append(True)

    async with anyio.create_task_group() as tg:
        tg.start_soon(read)
        await anyio.wait_all_tasks_blocked()
        channel.close()
    assert ended == [True]
