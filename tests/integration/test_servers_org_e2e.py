"""``client.servers`` and ``client.org`` end to end against the fake."""

from __future__ import annotations

from uuid import UUID

import pytest

from oec_async import AuthenticationError, Client, RateLimits
from oec_async.testing import Dialect, FakeOEC


async def test_servers_list_get_and_metrics(dialect: Dialect) -> None:
    async with (
        FakeOEC(dialect=dialect, environments=3, rate_limits=False) as fake,
        fake.client() as client,
    ):
        servers = await client.servers.list(limit=1).collect()
        assert [str(s.id) for s in servers] == fake.server_ids

        server = await client.servers.get(servers[0].id)
        metrics = await client.servers.metrics(servers[0].id)

        assert server.environment_count == 3
        assert metrics.server_id == servers[0].id
        assert metrics.containers_running is not None


async def test_org_usage_and_api_keys_list_and_revoke(dialect: Dialect) -> None:
    async with (
        FakeOEC(dialect=dialect, environments=2, stopped_fraction=0.0, rate_limits=False) as fake,
        fake.client() as client,
    ):
        org = await client.org.get()
        usage = await client.org.usage()
        assert str(org.id) == fake.organization["id"]
        assert usage.environments_running == 2

        spare = fake.create_api_key(name="spare")
        keys = await client.org.api_keys.list().collect()
        spare_id = next(k.id for k in keys if k.name == "spare")
        assert all(spare not in repr(k) for k in keys)

        await client.org.api_keys.revoke(spare_id, confirm=True)

        assert spare_id not in {k.id for k in await client.org.api_keys.list().collect()}
        async with Client(spare, base_url=fake.url, rate_limits=RateLimits.disabled()) as revoked:
            with pytest.raises(AuthenticationError):
                await revoked.org.get()
        assert isinstance(spare_id, UUID)
