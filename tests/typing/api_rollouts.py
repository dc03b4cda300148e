"""Rollouts as a user writes them, with the types mypy must infer (checked by mypy only)."""

from __future__ import annotations

from typing import assert_type
from uuid import UUID

from oec_async import (
    Client,
    Deployment,
    FleetOutcome,
    FleetPlan,
    FleetReport,
    FleetRun,
    OutcomeKind,
    Rollout,
    RolloutHalt,
    WaveReport,
)


async def probe(environment_id: UUID, deployment: Deployment) -> bool:
    return deployment.environment_id == environment_id


async def rollout(client: Client, env_ids: list[UUID]) -> None:
    plan = await client.fleet.plan(env_ids, action="restart", rollout=Rollout(waves=[1, "10%"]))
    assert_type(plan, FleetPlan)
    assert_type(plan.estimated_seconds, float)
    run = client.fleet.deploy(
        env_ids,
        rollout=Rollout(waves=[1, "10%", "100%"], bake=300, health=probe, max_failures="5%"),
        batch_id="release-42",
        on_conflict="fail",
    )
    _ = assert_type(run, FleetRun)
    run.pause()
    run.resume()
    run.halt("enough")
    async for outcome in run:
        assert_type(outcome, FleetOutcome)
        assert_type(outcome.name, str | None)
        assert_type(outcome.reattached, bool)
        assert_type(outcome.started_at, float | None)
    report = await run
    assert_type(report, FleetReport)
    assert_type(report.waves, tuple[WaveReport, ...])
    assert_type(report.halted, RolloutHalt | None)
    assert_type(report.reattached, int)
    assert_type(report.rate_limit_waits, tuple[tuple[float, float, str], ...])
    assert report.counts[OutcomeKind.UNHEALTHY] >= 0
