"""What the fake records: requests, tasks, stats, anomalies and peaks."""

from __future__ import annotations

import asyncio

import pytest

from oec_async.testing import FakeOEC, ManualClock

from .fake_support import Api, running_env


@pytest.mark.oec_fake(clock=ManualClock, environments=6, stopped_fraction=0)
async def test_max_active_tasks_is_the_peak_across_environments(
    api: Api, oec_fake: FakeOEC
) -> None:
    for env_id in oec_fake.environment_ids[:4]:
        await api.post(f"/environments/{env_id}/deploy")
    oec_fake.advance(10.0)
    for env_id in oec_fake.environment_ids[4:]:
        await api.post(f"/environments/{env_id}/deploy")
    assert oec_fake.anomalies.max_active_tasks == 4


async def test_max_concurrent_requests_is_the_peak_in_flight(api: Api, oec_fake: FakeOEC) -> None:
    oec_fake.fail_next("GET", "/projects", status=None, delay=0.1, times=5)
    await asyncio.gather(*(api.get("/projects") for _ in range(5)))
    assert oec_fake.anomalies.max_concurrent_requests == 5


async def test_stats_count_reads_and_writes(api: Api, oec_fake: FakeOEC) -> None:
    await api.get("/projects")
    await api.post(f"/environments/{running_env(oec_fake)}/deploy")
    await api.get("/projects", auth=None)  # refused before counting
    stats = oec_fake.stats
    assert (stats.requests, stats.reads, stats.writes) == (3, 1, 1)


async def test_reset_stats_clears_requests_stats_and_anomalies(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    await api.post(f"/environments/{env_id}/deploy")
    await api.post(f"/environments/{env_id}/deploy")
    oec_fake.reset_stats()
    assert oec_fake.requests == []
    assert oec_fake.stats.requests == 0
    assert oec_fake.anomalies.total == 0
    assert len(oec_fake.tasks[env_id]) == 1  # tasks are state, not statistics


async def test_request_records_query_and_arrival_time(api: Api, oec_fake: FakeOEC) -> None:
    await api.get("/projects", params={"limit": 5})
    record = oec_fake.requests[-1]
    assert record.query == {"limit": "5"}
    assert record.time <= oec_fake.clock.monotonic()


async def test_tasks_record_their_idempotency_key(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    await api.post(f"/environments/{env_id}/deploy", headers={"Idempotency-Key": "abc"})
    assert oec_fake.tasks[env_id][0].idempotency_key == "abc"


async def test_well_behaved_traffic_has_no_anomalies(api: Api, oec_fake: FakeOEC) -> None:
    for env_id in oec_fake.environment_ids[:3]:
        await api.get(f"/environments/{env_id}")
    assert oec_fake.anomalies.total == 0


@pytest.mark.oec_fake(request_log_limit=10)
async def test_request_log_keeps_only_the_newest_records(api: Api, oec_fake: FakeOEC) -> None:
    for index in range(30):
        await api.get("/projects", params={"limit": index + 1})
    assert len(oec_fake.requests) <= 11
    assert oec_fake.requests[-1].query == {"limit": "30"}
    assert oec_fake.stats.requests == 30
