"""``client.webhooks`` and the receiver end to end: the fake signs and delivers real events.

The fake delivers to loopback receivers only; a client on a loopback API may register them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import anyio
import pytest
from e2e_support import FAST_POLL, count, running_environment

from oec_async import (
    Client,
    PollPolicy,
    RateLimitError,
    TaskStatus,
    Webhook,
    WebhookEventType,
)
from oec_async.testing import Dialect, FakeOEC, ManualClock, RateLimitConfig
from oec_async.webhooks import DeployEvent, PingEvent, WebhookEvent, WebhookReceiver

SLOW_POLL = PollPolicy(initial_interval=60.0, max_interval=60.0, jitter=0.0)
"""A poll interval far longer than any test: only a push can end these waits in time."""


@asynccontextmanager
async def subscribed_receiver(
    client: Client, events: list[str], *, tolerance: float | None = 300.0
) -> AsyncIterator[tuple[WebhookReceiver, Webhook]]:
    """A served receiver, subscribed to ``events`` through the API and connected to ``client``.

    The secret only exists once the webhook is created, so the webhook first points at a
    placeholder and is then moved to the receiver's URL.
    """
    hook = await client.webhooks.create("https://hooks.example.com/placeholder", events)
    assert hook.secret is not None
    receiver = WebhookReceiver(hook.secret, tolerance=tolerance)
    receiver.connect(client)
    async with receiver.serve() as url:
        await client.webhooks.update(hook.id, url=url)
        yield receiver, hook


async def test_webhooks_list_by_offset_get_update_delete(dialect: Dialect) -> None:
    async with (
        FakeOEC(dialect=dialect, environments=1, webhooks=3, rate_limits=False) as fake,
        fake.client() as client,
    ):
        pages = [p async for p in client.webhooks.list(limit=2).pages()]
        assert [len(p) for p in pages] == [2, 1]
        assert [p.next_cursor for p in pages] == ["2", None]
        offsets = [r.query.get("offset") for r in fake.requests if r.path.endswith("/webhooks")]
        assert offsets == ["0", "2"]

        hook = await client.webhooks.create(
            "https://hooks.example.com/ci",
            ["deploy.completed"],
            description="CI",
            idempotency_key="hook-1",
        )
        replay = await client.webhooks.create(
            "https://hooks.example.com/ci", ["deploy.completed"], idempotency_key="hook-1"
        )
        assert replay.id == hook.id
        assert hook.secret is not None
        assert hook.secret not in repr(hook)
        fetched = await client.webhooks.get(hook.id)
        assert fetched.secret is None  # shown once, at creation
        updated = await client.webhooks.update(
            hook.id, events=["deploy.failed", "deploy.cancelled"], is_active=False
        )
        assert updated.events == (WebhookEventType.DEPLOY_FAILED, WebhookEventType.DEPLOY_CANCELLED)
        assert updated.is_active is False

        await client.webhooks.delete(hook.id)
        assert hook.id not in {h.id for h in await client.webhooks.list().collect()}


async def test_test_ping_reaches_the_receiver_and_rotation_changes_the_secret(
    dialect: Dialect,
) -> None:
    async with (
        FakeOEC(dialect=dialect, environments=1, webhooks=0, rate_limits=False) as fake,
        fake.client() as client,
        subscribed_receiver(client, ["deploy.completed"]) as (receiver, hook),
    ):
        pings: list[WebhookEvent] = []

        @receiver.on("ping")
        async def on_ping(event: WebhookEvent) -> None:
            pings.append(event)

        result = await client.webhooks.test(hook.id)
        assert result.success is True
        assert result.status_code == 200
        assert isinstance(pings[0], PingEvent)
        assert pings[0].webhook_id == hook.id

        rotated = await client.webhooks.rotate_secret(hook.id)
        refused = await client.webhooks.test(hook.id)  # signed with the new secret
        assert refused.success is False
        assert refused.status_code == 401
        receiver.set_secret(rotated.secret)
        assert (await client.webhooks.test(hook.id)).success is True
        assert len(pings) == 2
        assert receiver.rejected == {401: 1}


async def test_a_deploy_wait_is_finished_by_the_push_long_before_its_next_poll(
    dialect: Dialect,
) -> None:
    async with (
        # The task runs 0.5 s: the waiter's first look comes well before the push.
        FakeOEC(
            dialect=dialect,
            environments=2,
            stopped_fraction=0.0,
            task_duration=0.5,
            rate_limits=False,
        ) as fake,
        fake.client(poll=SLOW_POLL) as client,
        subscribed_receiver(client, ["deploy.completed", "deploy.failed"]) as (receiver, hook),
    ):
        env_id = running_environment(fake)
        action = await client.environments.deploy(env_id)

        # With 60 s between polls, only the push can end this wait within its 20 s deadline.
        final = await client.deployments.wait(action, timeout=20)

        assert final.status is TaskStatus.COMPLETED
        assert count(fake, "GET", f"/deployments/{action.task_id}") == 2  # first look + on push
        assert receiver.accepted >= 1
        deliveries = await client.webhooks.deliveries(hook.id).collect()
        assert deliveries[0].event is WebhookEventType.DEPLOY_COMPLETED
        assert deliveries[0].status == "delivered"


async def test_on_a_manual_clock_the_push_ends_the_wait_after_one_more_read(
    dialect: Dialect,
) -> None:
    # The manual clock's wall time is fixed in the past, so the timestamp check is off here.
    async with (
        FakeOEC(
            dialect=dialect,
            environments=2,
            stopped_fraction=0.0,
            clock=ManualClock(),
            rate_limits=False,
        ) as fake,
        fake.client(poll=SLOW_POLL) as client,
        subscribed_receiver(client, ["deploy.completed"], tolerance=None) as (receiver, _),
    ):
        seen: list[DeployEvent] = []

        @receiver.on("deploy.completed")
        async def completed(event: WebhookEvent) -> None:
            assert isinstance(event, DeployEvent)
            seen.append(event)

        env_id = running_environment(fake)
        action = await client.environments.deploy(env_id)
        outcome: list[TaskStatus | None] = []

        async def wait() -> None:
            final = await client.deployments.wait(action, timeout=20)
            outcome.append(final.status)

        async with anyio.create_task_group() as group:
            group.start_soon(wait)
            for _ in range(2000):  # until the waiter has looked once and gone to sleep
                if client.task_signals.sleeping:
                    break
                await anyio.sleep(0.005)
            assert count(fake, "GET", f"/deployments/{action.task_id}") == 1
            fake.advance(5.0)  # the task ends on the fake clock...
            assert await fake.flush_webhooks() >= 1  # ...and the fake pushes the event

        assert outcome == [TaskStatus.COMPLETED]
        assert count(fake, "GET", f"/deployments/{action.task_id}") == 2
        assert [e.task_id for e in seen] == [action.task_id]
        assert seen[0].environment_id == UUID(env_id)


async def test_create_and_wait_is_fed_by_the_push_too(dialect: Dialect) -> None:
    async with (
        FakeOEC(dialect=dialect, environments=1, task_duration=0.2, rate_limits=False) as fake,
        fake.client(poll=SLOW_POLL) as client,
        subscribed_receiver(client, ["deploy.completed"]),
    ):
        created = await client.environments.create_and_wait(fake.project_id, "pushed", timeout=20)
        assert created.succeeded


async def test_the_eleventh_webhook_change_in_a_minute_is_refused(dialect: Dialect) -> None:
    limits = RateLimitConfig(webhook_mutations_per_window=10, webhook_window=60.0)
    async with (
        FakeOEC(dialect=dialect, environments=1, webhooks=0, rate_limits=limits) as fake,
        fake.client(retry=0, poll=FAST_POLL) as client,
    ):
        hook = await client.webhooks.create("https://hooks.example.com/a", ["deploy.failed"])
        for index in range(8):
            await client.webhooks.update(hook.id, description=f"change {index}")
        await client.webhooks.delete(hook.id)  # the tenth change

        with pytest.raises(RateLimitError) as caught:
            await client.webhooks.create("https://hooks.example.com/b", ["deploy.failed"])

        assert caught.value.code == "webhook_mutation_rate_limit"
        assert caught.value.retry_after is not None
        assert caught.value.retry_after > 0
        assert (await client.webhooks.list().collect()) == []  # reads are not limited by it
