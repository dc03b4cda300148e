"""Virtual time: a loop that jumps over idle waits, and a fake whose tasks age with it."""

from __future__ import annotations

import asyncio
import time

import pytest

from oec_async import OutcomeKind
from oec_async.testing import FakeOEC, LoopClock, VirtualTimeLoop, run_in_virtual_time


def test_an_hour_of_sleep_is_an_hour_of_loop_time() -> None:
    async def sleep_an_hour() -> float:
        await asyncio.sleep(3600)
        return asyncio.get_running_loop().time()

    assert run_in_virtual_time(sleep_an_hour) == 3600


def test_timers_fire_in_order_of_their_deadlines() -> None:
    async def race() -> list[str]:
        done: list[str] = []

        async def after(seconds: float, name: str) -> None:
            await asyncio.sleep(seconds)
            done.append(name)

        await asyncio.gather(after(30, "slow"), after(10, "fast"), after(20, "middle"))
        return done

    assert run_in_virtual_time(race) == ["fast", "middle", "slow"]


def test_a_thread_working_for_the_loop_holds_the_clock_still() -> None:
    async def work_beside_a_timeout() -> float:
        loop = asyncio.get_running_loop()
        timer = asyncio.ensure_future(asyncio.sleep(10))
        await loop.run_in_executor(None, time.sleep, 0.05)
        finished_at = loop.time()
        await timer
        return finished_at

    assert run_in_virtual_time(work_beside_a_timeout) == 0


def test_the_result_and_the_exception_of_main_come_back() -> None:
    async def fail() -> None:
        await asyncio.sleep(1)
        raise LookupError("nothing here")

    with pytest.raises(LookupError, match="nothing here"):
        run_in_virtual_time(fail)


def test_the_loop_is_closed_afterwards() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    async def remember() -> None:
        loops.append(asyncio.get_running_loop())

    run_in_virtual_time(remember)
    assert isinstance(loops[0], VirtualTimeLoop)
    assert loops[0].is_closed()


def test_a_wait_below_the_clocks_last_digit_still_moves_time_on() -> None:
    async def tiny_waits() -> float:
        await asyncio.sleep(100)
        for _ in range(3):
            await asyncio.sleep(1e-15)  # less than half a step of the float at 100 s
        return asyncio.get_running_loop().time()

    assert run_in_virtual_time(tiny_waits) > 100


def test_a_loop_clock_follows_the_loop_forward_only_and_stands_still_outside() -> None:
    clock = LoopClock()

    async def read_twice() -> tuple[float, float]:
        first = clock.monotonic()
        await asyncio.sleep(5)
        return first, clock.monotonic()

    first, later = run_in_virtual_time(read_twice)
    assert later - first == 5
    assert clock.monotonic() == later  # no running loop: time stands still
    again, _ = run_in_virtual_time(read_twice)  # a new loop starts at 0: the clock goes on
    assert again == later


def test_a_fleet_of_500_environments_runs_its_hundred_virtual_minutes_within_the_budget() -> None:
    async def deploy_everything() -> tuple[dict[OutcomeKind, int], float, int]:
        async with (
            # The documented budget: 20 writes and 120 reads a minute, enforced by the fake.
            FakeOEC(
                environments=500,
                projects=25,
                stopped_fraction=0,
                task_duration=600.0,
                clock=LoopClock(),
            ) as fake,
            fake.client(**fake.fast_client_options()) as client,
        ):
            report = await client.fleet.deploy(fake.environment_ids, max_parallel=50)
            loop_time = asyncio.get_running_loop().time()
            return dict(report.counts), loop_time, fake.stats.rate_limited

    counts, elapsed, refused = run_in_virtual_time(deploy_everything)
    assert counts[OutcomeKind.SUCCEEDED] == 500
    assert refused == 0  # the client's governor paced itself in loop time
    assert elapsed >= 10 * 600  # ten rounds of 50 tasks of 10 minutes each
