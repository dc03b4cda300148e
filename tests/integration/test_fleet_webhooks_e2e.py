"""A fleet run fed by webhook pushes against one without: the same finish, far fewer reads."""

from __future__ import annotations

from contextlib import AsyncExitStack

from oec_async import PollPolicy
from oec_async.testing import Dialect, FakeOEC
from oec_async.webhooks import WebhookReceiver

ENVIRONMENTS = 20
EAGER_POLL = PollPolicy(initial_interval=0.05, multiplier=1.5, max_interval=0.2, jitter=0.0)
"""Without pushes, finishing soon after the tasks end takes frequent reads."""
FALLBACK_POLL = PollPolicy(initial_interval=30.0, max_interval=30.0, jitter=0.0)
"""With pushes, polling is only the fallback: it would not look again within the test."""


async def fleet_reads(*, pushed: bool, dialect: Dialect) -> tuple[int, bool]:
    """Deploy every environment of a fresh fake; return (GETs sent during the run, all ok)."""
    poll = FALLBACK_POLL if pushed else EAGER_POLL
    async with AsyncExitStack() as stack:
        fake = await stack.enter_async_context(
            FakeOEC(
                dialect=dialect,
                environments=ENVIRONMENTS,
                projects=4,
                stopped_fraction=0.0,
                task_duration=0.5,
                rate_limits=False,
                webhooks=0,
            )
        )
        client = await stack.enter_async_context(fake.client(poll=poll))
        if pushed:
            hook = await client.webhooks.create(
                "https://hooks.example.com/placeholder", ["deploy.completed", "deploy.failed"]
            )
            assert hook.secret is not None
            receiver = WebhookReceiver(hook.secret)
            receiver.connect(client)
            url = await stack.enter_async_context(receiver.serve())
            await client.webhooks.update(hook.id, url=url)
        fake.reset_stats()

        report = await client.fleet.deploy(
            fake.environment_ids, max_parallel=ENVIRONMENTS, timeout=20
        )

        reads = sum(1 for r in fake.requests if r.method == "GET")
        return reads, report.ok and not report.timed_out


async def test_a_fleet_fed_by_webhooks_makes_far_fewer_reads(dialect: Dialect) -> None:
    polled_reads, polled_ok = await fleet_reads(pushed=False, dialect=dialect)
    pushed_reads, pushed_ok = await fleet_reads(pushed=True, dialect=dialect)

    assert polled_ok
    assert pushed_ok  # within 20 s although its fallback poll is 30 s: the pushes ended it
    assert pushed_reads * 2 <= polled_reads, (pushed_reads, polled_reads)
    # About one confirming read per environment, plus a few to map environments to projects.
    assert pushed_reads <= ENVIRONMENTS + 8, pushed_reads
