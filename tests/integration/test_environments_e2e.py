"""``client.environments`` create/update/delete/logs/metrics end to end against the fake."""

from __future__ import annotations

from uuid import UUID

import pytest
from e2e_support import FAST_POLL, count, running_environment

from oec_async import EnvironmentStatus, NotFoundError, RateLimitError, TaskStatus
from oec_async.testing import Dialect, FakeOEC, RateLimitConfig


async def test_create_and_wait_deploys_on_the_chosen_server(dialect: Dialect) -> None:
    async with (
        FakeOEC(dialect=dialect, environments=1, task_duration=0.1, rate_limits=False) as fake,
        fake.client(poll=FAST_POLL) as client,
    ):
        other_server = fake.server_ids[1]  # not the project's own server

        created = await client.environments.create_and_wait(
            fake.project_id,
            "feature-x",
            server_id=other_server,
            ram_mb=4096,
            timeout=20,
            idempotency_key="create-feature-x",
        )

        assert created.succeeded
        assert created.deployment.type == "deploy"
        assert created.environment.status is EnvironmentStatus.RUNNING
        assert created.environment.server_id == UUID(other_server)
        assert created.environment.ram_mb == 4096
        replay = await client.environments.create(
            fake.project_id, "feature-x", idempotency_key="create-feature-x"
        )
        assert replay.id == created.environment.id
        assert fake.anomalies.duplicate_creates_for_idempotency_key == 0

        log = await client.environments.logs(created.environment.id, task_id=created.deployment.id)
        assert log.task_id == created.deployment.id
        assert "completed" in log.log


async def test_update_then_delete_and_wait_for_the_destroy_task(dialect: Dialect) -> None:
    async with (
        FakeOEC(
            dialect=dialect,
            environments=2,
            stopped_fraction=0.0,
            task_duration=0.1,
            rate_limits=False,
        ) as fake,
        fake.client(poll=FAST_POLL) as client,
    ):
        env_id = fake.environment_ids[0]

        updated = await client.environments.update(
            env_id, name="renamed", domain="erp.example.com", cpu_cores=2
        )
        assert (updated.name, updated.custom_domain, updated.cpu_cores) == (
            "renamed",
            "erp.example.com",
            2.0,
        )
        cleared = await client.environments.update(env_id, domain="")
        assert cleared.custom_domain is None

        with pytest.raises(ValueError, match="confirm=True"):
            await client.environments.delete(env_id)
        action = await client.environments.delete(env_id, confirm=True)
        final = await client.deployments.wait(action, timeout=20)

        assert final.status is TaskStatus.COMPLETED
        assert final.type == "destroy"
        with pytest.raises(NotFoundError):
            await client.environments.get(env_id)
        assert count(fake, "DELETE", f"/environments/{env_id}") == 1


async def test_runtime_logs_and_metrics_surface_their_per_environment_limit(
    dialect: Dialect,
) -> None:
    limits = RateLimitConfig(target_calls_per_window=6, target_window=60.0)
    async with (
        FakeOEC(dialect=dialect, environments=2, stopped_fraction=0.0, rate_limits=limits) as fake,
        fake.client(poll=FAST_POLL) as client,
    ):
        env_id = running_environment(fake)
        log = await client.environments.runtime_logs(env_id, source="postgres", lines=3)
        assert log.source == "postgres"
        assert log.lines is not None
        assert log.lines <= 3
        metrics = await client.environments.metrics(env_id)
        assert metrics.status is EnvironmentStatus.RUNNING
        assert metrics.disk is not None
        for _ in range(5):  # six metrics calls in all: the route's limit per environment
            await client.environments.metrics(env_id)

        with pytest.raises(RateLimitError) as caught:
            await client.environments.metrics(env_id)

        assert caught.value.code == "target_rate_limit"
        assert caught.value.retry_after is not None
        assert caught.value.retry_after > 0
        assert count(fake, "GET", f"/environments/{env_id}/metrics") == 7  # 6 + 1, no retry
        # The limit is the environment's: the key's reads go on at once.
        assert (await client.environments.get(env_id)).id == UUID(env_id)
        assert fake.anomalies.requests_before_retry_after == 0
