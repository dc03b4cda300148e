"""The shared rate budget as a user writes it (checked by mypy only, never run)."""

from __future__ import annotations

from typing import assert_type

from oec_async import Client, Event, SharedBudgetRestored, SharedBudgetUnavailable
from oec_async.budget import BudgetStats, RedisBuckets, RedisBudget


async def shared_budget(env_id: str) -> None:
    budget = RedisBudget("redis://127.0.0.1:6379/0", prefix="ci:budget", timeout=0.5)

    def on_event(event: Event) -> None:
        if isinstance(event, SharedBudgetUnavailable):
            assert_type(event.reason, str)
        elif isinstance(event, SharedBudgetRestored):
            pass

    async with Client(budget=budget, event_hooks=[on_event]) as client:
        await client.environments.get(env_id)
    shared = budget.for_key("oec_live_rw_...")
    assert_type(shared, RedisBuckets)
    assert_type(shared.stats, BudgetStats)
    assert_type(shared.stats.round_trips, int)
