"""The SDK against both dialects of the fake: every gap of the docs vs the live API, end to end.

Each test runs twice (the ``dialect`` fixture). Where the two APIs answer differently the test
says what the SDK gives in each; everywhere else it proves the SDK reads both the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from e2e_support import FAST_POLL

from oec_async import (
    BackupStatus,
    BackupType,
    Client,
    EnvironmentStatus,
    NotFoundError,
    OutcomeKind,
    UnprocessableEntityError,
    WebhookEventType,
)
from oec_async.testing import Dialect, ErrorStyle, FakeOEC, ManualClock

FAILED_STATUS = {"docs": EnvironmentStatus.FAILED, "live": EnvironmentStatus.ERROR}
RUNNING_BACKUP = {"docs": BackupStatus.RUNNING, "live": BackupStatus.IN_PROGRESS}
UPLOADING_BACKUP = {"docs": BackupStatus.RUNNING, "live": BackupStatus.UPLOADING}


@asynccontextmanager
async def on_fake(
    dialect: Dialect, *, error_style: ErrorStyle = "detail", manual: bool = False
) -> AsyncIterator[tuple[FakeOEC, Client]]:
    async with (
        FakeOEC(
            dialect=dialect,
            environments=4,
            projects=1,
            stopped_fraction=0.0,
            backups_per_environment=2,
            task_duration=10.0 if manual else 0.05,
            rate_limits=False,
            error_style=error_style,
            clock=ManualClock() if manual else None,
        ) as fake,
        fake.client(poll=FAST_POLL) as client,
    ):
        yield fake, client


async def test_a_failed_fleet_deploy_leaves_statuses_that_the_status_filter_finds(
    dialect: Dialect,
) -> None:
    async with on_fake(dialect) as (fake, client):
        failing = fake.environment_ids[:2]
        for env_id in failing:
            fake.set_environment_behaviour(env_id, fail=True)

        report = await client.fleet.deploy(fake.environment_ids, timeout=20)

        assert report.counts[OutcomeKind.FAILED] == 2
        assert report.counts[OutcomeKind.SUCCEEDED] == 2
        wanted = FAILED_STATUS[dialect]
        found = await client.environments.list(fake.project_id, status=wanted).collect()
        assert sorted(str(env.id) for env in found) == sorted(failing)
        assert all(env.status is wanted and env.status.is_terminal for env in found)


async def test_backup_statuses_are_known_members_in_both_dialects(dialect: Dialect) -> None:
    async with on_fake(dialect, manual=True) as (fake, client):
        env_id = fake.environment_ids[0]
        created = await client.backups.create(env_id)
        seen = [created.status]
        for step in (3.0, 3.0, 3.0, 1.0):  # queued 1 s, three steps of 3 s
            fake.advance(step)
            seen.append((await client.backups.get(created.id)).status)

        assert seen == [
            BackupStatus.PENDING,
            RUNNING_BACKUP[dialect],
            RUNNING_BACKUP[dialect],
            UPLOADING_BACKUP[dialect],
            BackupStatus.COMPLETED,
        ]
        assert all(status.is_known for status in seen)
        assert [status.is_terminal for status in seen] == [False] * 4 + [True]


async def test_the_backup_status_filter_takes_the_dialects_member(dialect: Dialect) -> None:
    async with on_fake(dialect, manual=True) as (fake, client):
        env_id = fake.environment_ids[0]
        created = await client.backups.create(env_id)
        fake.advance(2.0)

        running = await client.backups.list(env_id, status=RUNNING_BACKUP[dialect]).collect()

        assert [b.id for b in running] == [created.id]


async def test_an_expired_backup_reads_as_expired_live_and_is_gone_in_the_docs(
    dialect: Dialect,
) -> None:
    async with on_fake(dialect) as (fake, client):
        env_id = fake.environment_ids[0]
        oldest = (await client.backups.list(env_id).collect())[-1]
        fake.expire_backup(str(oldest.id))

        if dialect == "live":
            expired = await client.backups.get(oldest.id)
            assert expired.status is BackupStatus.EXPIRED
            assert expired.status.is_terminal
        else:
            with pytest.raises(NotFoundError):
                await client.backups.get(oldest.id)


async def test_a_restore_answers_the_same_and_takes_a_safety_backup_live_only(
    dialect: Dialect,
) -> None:
    async with on_fake(dialect) as (fake, client):
        env_id = fake.environment_ids[0]
        newest = (await client.backups.list(env_id).collect())[0]

        action = await client.backups.restore(newest.id, confirm=True)
        done = await client.deployments.wait(action, timeout=20)

        assert action.backup_id == newest.id
        assert done.succeeded
        safety = await client.backups.list(env_id, backup_type=BackupType.PRE_RESTORE).collect()
        if dialect == "live":
            assert len(safety) == 1
            assert safety[0].status is BackupStatus.COMPLETED
        else:
            assert safety == []


async def test_a_seeded_storage_configuration_can_take_a_backup(dialect: Dialect) -> None:
    async with on_fake(dialect) as (fake, client):
        offsite = fake.storage_config_ids[1]

        backup = await client.backups.create(fake.environment_ids[0], storage_config_id=offsite)

        assert fake.backup_storage_config(str(backup.id)) == offsite


async def test_an_unknown_storage_configuration_is_not_found_in_either_body(
    dialect: Dialect,
) -> None:
    async with on_fake(dialect) as (fake, client):
        with pytest.raises(NotFoundError, match="Storage configuration not found") as caught:
            await client.backups.create(fake.environment_ids[0], storage_config_id=uuid.uuid4())

        assert caught.value.code == ("not_found" if dialect == "docs" else None)


async def test_a_webhook_on_all_twelve_events_is_live_only(dialect: Dialect) -> None:
    every = [e for e in WebhookEventType if e is not WebhookEventType.PING]
    async with on_fake(dialect) as (_, client):
        if dialect == "live":
            hook = await client.webhooks.create("https://hooks.example.com/all", every)
            assert len(hook.events) == 12
        else:
            with pytest.raises(UnprocessableEntityError) as caught:
                await client.webhooks.create("https://hooks.example.com/all", every)
            assert [e.name for e in caught.value.field_errors] == ["events"]


@pytest.mark.parametrize("domain", ["*.erp.example.com", "erp.example.com"])
async def test_a_wildcard_domain_is_live_only(dialect: Dialect, domain: str) -> None:
    async with on_fake(dialect) as (fake, client):
        env_id = fake.environment_ids[0]
        if dialect == "live" or not domain.startswith("*"):
            updated = await client.environments.update(env_id, domain=domain)
            assert updated.custom_domain == domain
        else:
            with pytest.raises(UnprocessableEntityError) as caught:
                await client.environments.update(env_id, domain=domain)
            assert [e.name for e in caught.value.field_errors] == ["domain"]


@pytest.mark.parametrize("style", ["detail", "top_level"])
async def test_a_422_names_the_same_field_whichever_shape_it_comes_in(
    dialect: Dialect, style: ErrorStyle
) -> None:
    async with on_fake(dialect, error_style=style) as (fake, client):
        with pytest.raises(UnprocessableEntityError) as caught:
            # The SDK lets a numeric top-level domain through; no API version takes it.
            await client.environments.update(fake.environment_ids[0], domain="erp.example.123")

        (error,) = caught.value.field_errors
        assert error.name == "domain"
        docs_envelope = dialect == "docs" and style == "top_level"
        assert error.field == ("domain" if docs_envelope else "body.domain")
        assert error.type == (None if docs_envelope else "string_pattern_mismatch")


async def test_unknown_statuses_are_tolerated(dialect: Dialect) -> None:
    async with on_fake(dialect) as (fake, client):
        env_id = fake.environment_ids[0]
        fake.set_environment_status(env_id, "hibernating")

        env = await client.environments.get(env_id)
        listed = await client.environments.list(fake.project_id).collect()

        assert (env.status, env.status.is_known, env.status.is_terminal) == (
            "hibernating",
            False,
            False,
        )
        assert "hibernating" in {e.status for e in listed}
