"""The outcome/event channel: in order, never blocks the writer, ends after close."""

from __future__ import annotations

import anyio
import pytest

from oec_async.fleet._channel import Alarm, Channel


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


async def test_an_alarm_sleeps_its_full_time_when_nobody_wakes_it() -> None:
    alarm = Alarm()
    started = anyio.current_time()
    await alarm.sleep(0.05)
    assert anyio.current_time() - started >= 0.04


async def test_waking_an_alarm_ends_its_sleep() -> None:
    alarm = Alarm()
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(alarm.sleep, 60.0)
            await anyio.wait_all_tasks_blocked()
            alarm.wake()


async def test_a_wake_before_the_sleep_is_not_kept() -> None:
    alarm = Alarm()
    alarm.wake()
    with anyio.move_on_after(0.05) as scope:
        await alarm.sleep(60.0)
    assert scope.cancelled_caught
