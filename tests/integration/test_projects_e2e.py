"""``client.projects`` end to end against the fake server."""

from __future__ import annotations

from uuid import UUID

import pytest
from e2e_support import FAST_POLL

from oec_async import Client, ConflictError, NotFoundError, PermissionDeniedError, RateLimits
from oec_async.testing import Dialect, FakeOEC


async def test_projects_list_pages_get_create_update_and_delete(dialect: Dialect) -> None:
    async with (
        FakeOEC(dialect=dialect, projects=3, environments=2, rate_limits=False) as fake,
        fake.client(poll=FAST_POLL) as client,
    ):
        listed = await client.projects.list(limit=2).collect()
        assert [str(p.id) for p in listed] == fake.project_ids

        server_id = fake.server_ids[0]
        created = await client.projects.create(
            "erp-next", server_id=server_id, odoo_version="18.0", idempotency_key="proj-1"
        )
        again = await client.projects.create(
            "erp-next", server_id=server_id, idempotency_key="proj-1"
        )
        assert again.id == created.id  # the retried create was replayed, not repeated
        assert created.odoo_version == "18.0"
        assert created.environment_count == 0
        assert len(fake.project_ids) == 4

        updated = await client.projects.update(
            created.id, name="erp-renamed", git_provider="gitlab"
        )
        assert (await client.projects.get(created.id)).name == "erp-renamed"
        assert updated.git_provider == "gitlab"

        await client.projects.delete(created.id, confirm=True)
        with pytest.raises(NotFoundError):
            await client.projects.get(created.id)


async def test_a_project_with_running_environments_is_not_deleted(dialect: Dialect) -> None:
    async with (
        FakeOEC(dialect=dialect, environments=1, stopped_fraction=0.0, rate_limits=False) as fake,
        fake.client() as client,
    ):
        with pytest.raises(ConflictError):
            await client.projects.delete(fake.project_id, confirm=True)
        assert UUID(fake.project_id) in {p.id for p in await client.projects.list().collect()}


async def test_a_project_scoped_key_sees_one_project_and_cannot_create(dialect: Dialect) -> None:
    async with FakeOEC(dialect=dialect, projects=2, environments=2, rate_limits=False) as fake:
        scoped = fake.create_api_key(project_id=fake.project_ids[1])
        async with Client(scoped, base_url=fake.url, rate_limits=RateLimits.disabled()) as client:
            assert [str(p.id) for p in await client.projects.list().collect()] == [
                fake.project_ids[1]
            ]
            with pytest.raises(NotFoundError):
                await client.projects.get(fake.project_ids[0])
            with pytest.raises(PermissionDeniedError):
                await client.projects.create("x", server_id=fake.server_ids[0])
