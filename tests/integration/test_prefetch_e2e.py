"""Paging one request ahead, end to end against the fake server."""

from __future__ import annotations

import asyncio

from e2e_support import count

from oec_async.testing import Dialect, FakeOEC

HISTORY = 250


def history_path(env_id: str) -> str:
    return f"/environments/{env_id}/deployments"


async def test_a_whole_list_asks_for_each_page_once() -> None:
    async with (
        FakeOEC(environments=1, deployments_per_environment=HISTORY, rate_limits=False) as fake,
        fake.client() as client,
    ):
        env_id = fake.environment_ids[0]
        ids = [d.id async for d in client.deployments.list(env_id, limit=100)]
        assert len(ids) == len(set(ids)) == HISTORY
        assert count(fake, "GET", history_path(env_id)) == 3


async def test_stopping_early_costs_at_most_one_page_more() -> None:
    async with (
        FakeOEC(environments=1, deployments_per_environment=HISTORY, rate_limits=False) as fake,
        fake.client() as client,
    ):
        env_id = fake.environment_ids[0]
        async for _ in client.deployments.list(env_id, limit=100):
            await asyncio.sleep(0.05)  # long enough for the page ahead to be asked for
            break
        await asyncio.sleep(0.05)
        assert count(fake, "GET", history_path(env_id)) == 2


async def test_without_prefetch_only_the_pages_read_are_asked_for() -> None:
    async with (
        FakeOEC(environments=1, deployments_per_environment=HISTORY, rate_limits=False) as fake,
        fake.client(prefetch_pages=False) as client,
    ):
        env_id = fake.environment_ids[0]
        async for _ in client.deployments.list(env_id, limit=100):
            await asyncio.sleep(0.05)
            break
        await asyncio.sleep(0.05)
        assert count(fake, "GET", history_path(env_id)) == 1


async def test_paged_backups_and_webhooks_are_read_ahead_too(dialect: Dialect) -> None:
    async with (
        FakeOEC(
            dialect=dialect, environments=1, backups_per_environment=5, rate_limits=False
        ) as fake,
        fake.client() as client,
    ):
        env_id = fake.environment_ids[0]
        for n in range(3):
            url = f"https://hooks.example.com/{n}"
            await client.webhooks.create(url, events=["deploy.completed"])
        backups = [b.id async for b in client.backups.list(env_id, page_size=2)]
        webhooks = [w.id async for w in client.webhooks.list(limit=1)]
        assert len(set(backups)) == len(backups) == 5
        assert len(set(webhooks)) == len(webhooks) >= 3
        assert count(fake, "GET", f"/environments/{env_id}/backups") == 3
        assert count(fake, "GET", "/webhooks") == len(webhooks), "one page each, none twice"

        # ...and the page after the one in hand is already asked for (not on demand):
        backup_pages = client.backups.list(env_id, page_size=2).pages()
        webhook_pages = client.webhooks.list(limit=1).pages()
        await anext(backup_pages)
        await anext(webhook_pages)
        await asyncio.sleep(0.05)
        assert count(fake, "GET", f"/environments/{env_id}/backups") == 3 + 2
        assert count(fake, "GET", "/webhooks") == len(webhooks) + 2
        await backup_pages.aclose()
        await webhook_pages.aclose()
