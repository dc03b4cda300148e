"""Four OS processes, one API key: fleets paced together through Redis (issue 15).

One fake OEC server runs in its own process with the API's budget scaled to a 1 s window
(20 writes, 120 reads). Each of 4 client processes deploys its own 50 environments with its own
``Client``. Shared, the server answers no 429; alone, each process spends the whole budget
and the server refuses some of them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from processes import FakeProcess, start_fleet_processes, wait_for_fleet_processes
from redis_server import RedisServer

PROCESSES = 4
PER_PROCESS = 50
WRITES, READS, WINDOW = 20, 120, 1.0


@pytest.fixture(scope="module")
def fake(redis_binary: str) -> Iterator[FakeProcess]:
    with FakeProcess(PROCESSES * PER_PROCESS, WRITES, READS, WINDOW, task=0.5) as server:
        yield server


def run(fake: FakeProcess, budget: str | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    fake.stats()  # count this run only
    children = start_fleet_processes(
        fake,
        processes=PROCESSES,
        per_process=PER_PROCESS,
        budget=budget,
        writes=WRITES,
        reads=READS,
        window=WINDOW,
    )
    return wait_for_fleet_processes(children), fake.stats()


def every_environment_has_one_outcome(fake: FakeProcess, results: list[dict[str, Any]]) -> bool:
    seen = [env for result in results for env in result["environments"]]
    outcomes = sum(result["outcomes"] for result in results)
    return sorted(seen) == sorted(fake.environment_ids) and outcomes == len(seen)


def every_environment_succeeded(fake: FakeProcess, results: list[dict[str, Any]]) -> bool:
    kinds = [result["kinds"] for result in results]
    return every_environment_has_one_outcome(fake, results) and all(
        kind == {"succeeded": PER_PROCESS} for kind in kinds
    )


def test_processes_sharing_the_budget_earn_no_429(fake: FakeProcess, redis_url: str) -> None:
    results, server = run(fake, redis_url)
    assert every_environment_succeeded(fake, results)
    assert server["rate_limited"] == 0
    assert sum(r["rate_limited"] for r in results) == 0
    assert all(r["stats"]["local"] == 0 for r in results)  # every slot came from Redis


def test_the_same_processes_without_the_shared_budget_earn_429s(fake: FakeProcess) -> None:
    results, server = run(fake, None)
    assert every_environment_has_one_outcome(fake, results)  # some may run out of retries
    assert server["rate_limited"] > 0


def test_redis_stopped_mid_run_loses_no_outcome_and_sharing_resumes(
    fake: FakeProcess, redis_binary: str
) -> None:
    with RedisServer(redis_binary) as redis:
        fake.stats()
        children = start_fleet_processes(
            fake,
            processes=PROCESSES,
            per_process=PER_PROCESS,
            budget=redis.url,
            writes=WRITES,
            reads=READS,
            window=WINDOW,
        )
        # Stop Redis once the run is under way (two windows' worth of deploys arrived), not
        # after a fixed sleep: on a loaded machine the children start late.
        wait_for_writes(fake, 2 * WRITES)
        redis.stop()
        time.sleep(1.5)
        redis.start()
        results = wait_for_fleet_processes(children)
    assert every_environment_succeeded(fake, results)
    for result in results:
        stats = result["stats"]
        assert stats["outages"] >= 1
        assert stats["local"] > 0  # paced alone meanwhile
    # Alone, a process may finish its last deploys before Redis is back, or right as it comes
    # back; the outage leaves most of the work to do, so the processes as a whole rejoin and
    # take slots from Redis again afterwards.
    restored = [result for result in results if result["stats"]["restores"] >= 1]
    assert restored
    assert any(r["stats"]["reserved"] > r["reserved_at_restore"] for r in restored)


def wait_for_writes(fake: FakeProcess, count: int, timeout: float = 60.0) -> None:
    """Wait until the fake has admitted ``count`` writes since the last ``stats``."""
    seen = 0
    deadline = time.monotonic() + timeout
    while seen < count:
        assert time.monotonic() < deadline, f"only {seen} writes arrived in {timeout:.0f}s"
        time.sleep(0.1)
        seen += len(fake.stats()["arrivals"]["write"])
