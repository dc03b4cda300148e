"""``client.backups`` end to end against the fake: page-number paging, create, download, restore."""

from __future__ import annotations

import pytest
from e2e_support import FAST_POLL, running_environment

from oec_async import BackupStatus, BadRequestError, ConflictError, RetentionType, TaskStatus
from oec_async.testing import Dialect, FakeOEC


async def test_list_pages_through_every_backup_by_page_number(dialect: Dialect) -> None:
    async with (
        FakeOEC(
            dialect=dialect, environments=1, backups_per_environment=5, rate_limits=False
        ) as fake,
        fake.client() as client,
    ):
        env_id = fake.environment_ids[0]

        pages = [page async for page in client.backups.list(env_id, page_size=2).pages()]

        assert [len(p) for p in pages] == [2, 2, 1]
        assert [p.next_cursor for p in pages] == ["2", "3", None]
        assert len({b.id for p in pages for b in p}) == 5
        sent = [r.query.get("page") for r in fake.requests if r.path.endswith("/backups")]
        assert sent == ["1", "2", "3"]
        completed = await client.backups.list(env_id, status=BackupStatus.COMPLETED).collect()
        assert len(completed) == 5


async def test_create_wait_get_download_and_restore(dialect: Dialect) -> None:
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
        env_id = running_environment(fake)

        backup = await client.backups.create(
            env_id, retention_type=RetentionType.WEEKLY, notes="before the upgrade"
        )
        assert backup.status is BackupStatus.PENDING
        assert backup.task_id is not None
        with pytest.raises(ConflictError):
            await client.backups.create(env_id)  # one backup at a time
        with pytest.raises(BadRequestError, match="COMPLETED"):
            await client.backups.download_urls(backup.id)

        task = await client.deployments.wait(backup.task_id, timeout=20)
        assert task.status is TaskStatus.COMPLETED
        done = await client.backups.get(backup.id)
        assert done.status is BackupStatus.COMPLETED
        assert done.notes == "before the upgrade"
        assert done.environment_snapshot is not None
        assert done.environment_snapshot.environment is not None
        assert str(done.environment_snapshot.environment.id) == env_id

        links = await client.backups.download_urls(backup.id, expires_in=900)
        assert links.expires_in == 900
        assert links.database_url is not None
        assert links.database_url.startswith("https://")

        with pytest.raises(ValueError, match="confirm=True"):
            await client.backups.restore(backup.id)
        action = await client.backups.restore(backup.id, confirm=True)
        assert action.backup_id == backup.id
        restored = await client.deployments.wait(action, timeout=20)
        assert restored.status is TaskStatus.COMPLETED
        assert fake.anomalies.total == 0
