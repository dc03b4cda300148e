"""client.fleet.plan(): waves, conflicts, cost and duration, from reads only."""

from __future__ import annotations

import pytest
from fleet_support import fleet_fake

from oec_async import Rollout
from oec_async.fleet._plan import estimate_seconds


async def test_a_plan_sends_reads_only_and_names_its_waves_and_conflicts() -> None:
    async with fleet_fake(environments=10, task_duration=0.05) as (fake, client):
        stopped = fake.environment_ids[3]
        fake.set_environment_status(stopped, "stopped")
        plan = await client.fleet.plan(
            fake.environment_ids,
            action="deploy",
            rollout=Rollout(waves=[1, "50%", "100%"], bake=30),
        )
    assert all(r.method == "GET" for r in fake.requests)
    assert [w.name for w in plan.waves] == ["canary", "wave 2", "wave 3"]
    assert [len(w.environment_ids) for w in plan.waves] == [1, 5, 4]
    assert [c.status for c in plan.conflicts] == ["stopped"]
    assert plan.writes == 10
    assert plan.reads >= 10
    assert plan.bake_seconds == 90
    assert plan.estimated_seconds >= 90
    assert plan.reads_spent == len(fake.requests)
    text = str(plan)
    assert "canary: 1 environment(s): env-001" in text
    assert "would be refused" in text
    assert "10 write(s)" in text


async def test_a_plan_refuses_an_unknown_action() -> None:
    async with fleet_fake(environments=2) as (fake, client):
        with pytest.raises(ValueError, match="action must be one of"):
            await client.fleet.plan(fake.environment_ids, action="explode")  # type: ignore[arg-type]
    assert fake.requests == []


def test_the_estimate_paces_writes_to_the_budget_and_adds_the_bakes() -> None:
    seconds = estimate_seconds(
        [1, 20, 179],
        max_parallel=200,
        write_limit=20,
        window=1.0,
        available=20,
        bake=2.0,
        task_duration=None,
    )
    # 21 writes fit the first window and the refills during the bakes; the last 159 need
    # 8 more windows; plus three 2 s bakes.
    assert seconds == pytest.approx(8.0 + 6.0)


async def test_a_plan_finds_an_environment_with_a_task_already_running() -> None:
    async with fleet_fake(environments=4, task_duration=5.0) as (fake, client):
        busy = fake.environment_ids[1]
        await client.environments.deploy(busy)
        plan = await client.fleet.plan(fake.environment_ids, action="restart")
    [conflict] = plan.conflicts
    assert str(conflict.environment_id) == busy
    assert conflict.reason == "a task is already in progress (status deploying)"
    assert [w.name for w in plan.waves] == ["wave 1"]
