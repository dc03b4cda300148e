"""``client.org`` (and ``client.org.api_keys``) against aioresponses."""

from __future__ import annotations

from uuid import UUID

import pytest
from aioresponses import aioresponses
from resource_support import KEY_ID, STRICT, all_sent, mock, sent

from oec_async import ApiKey, Client, Organization, OrganizationUsage

ORG = {
    "id": KEY_ID,
    "name": "Acme",
    "slug": "acme",
    "plan": "pro",
    "max_environments": 100,
    "max_cpu_cores": 64,
    "max_ram_mb": 262144,
    "max_disk_gb": 2000,
}
USAGE = {"environments_running": 3, "cpu_used": 3.5, "ram_mb_used": 6144, "disk_gb_used": 30}


def test_the_shapes_fit_the_models_whole() -> None:
    assert STRICT.structure(ORG, Organization).plan == "pro"
    assert STRICT.structure(USAGE, OrganizationUsage).cpu_used == 3.5
    assert STRICT.structure({"id": KEY_ID, "name": "CI"}, ApiKey).name == "CI"


async def test_get_and_usage(mocked: aioresponses, client: Client) -> None:
    mock(mocked, client, "GET", "/org", payload=ORG)
    mock(mocked, client, "GET", "/org/usage", payload=USAGE)

    org = await client.org.get()
    usage = await client.org.usage()

    assert org.max_environments == 100
    assert usage.environments_running == 3


async def test_api_keys_come_as_one_page(mocked: aioresponses, client: Client) -> None:
    mock(
        mocked,
        client,
        "GET",
        "/org/api-keys",
        payload=[{"id": KEY_ID, "name": "CI", "key_prefix": "oec_live_rw_ab"}],
    )

    page = await client.org.api_keys.list()

    assert [k.id for k in page] == [UUID(KEY_ID)]
    assert page.next_cursor is None
    assert page.pagination.total == 1


async def test_revoke_needs_confirm(mocked: aioresponses, client: Client) -> None:
    with pytest.raises(ValueError, match="confirm=True"):
        await client.org.api_keys.revoke(KEY_ID)
    with pytest.raises(ValueError, match="key_id must be a UUID"):
        await client.org.api_keys.revoke("ci-key", confirm=True)
    assert all_sent(mocked) == 0


async def test_revoke_sends_a_delete(mocked: aioresponses, client: Client) -> None:
    mock(mocked, client, "DELETE", f"/org/api-keys/{KEY_ID}", status=204)

    await client.org.api_keys.revoke(KEY_ID, confirm=True)

    assert len(sent(mocked, client, "DELETE", f"/org/api-keys/{KEY_ID}")) == 1
