"""``client.servers`` against aioresponses."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses
from resource_support import SERVER_ID, STRICT, all_sent, mock, params, sent

from oec_async import Client, NotFoundError, RateLimitError, Server, ServerMetrics

SERVER = {
    "id": SERVER_ID,
    "name": "srv-01",
    "provider": "hetzner",
    "region": "fsn1",
    "cpu_cores": 8,
    "ram_mb": 32768,
    "disk_gb": 320,
    "environment_count": 4,
    "qualification_status": "qualified",
    "last_checked_at": "2026-10-05T12:00:00Z",
}
# The MCP server's fixture (oec-api.md 5.8).
METRICS = {
    "server_id": SERVER_ID,
    "status": "healthy",
    "cpu_percent": 12.5,
    "memory_percent": 40,
    "container_count": 4,
    "containers_running": 4,
    "queried_at": "2026-10-05T12:00:00Z",
}


def test_the_shapes_fit_the_models_whole() -> None:
    assert STRICT.structure(SERVER, Server).cpu_cores == 8.0
    assert STRICT.structure(METRICS, ServerMetrics).containers_running == 4


async def test_list_follows_cursors(mocked: aioresponses, client: Client) -> None:
    mock(
        mocked,
        client,
        "GET",
        "/servers",
        payload={
            "data": [SERVER],
            "pagination": {"has_more": True, "next_cursor": "n", "total": 2},
        },
    )
    mock(
        mocked,
        client,
        "GET",
        "/servers",
        payload={
            "data": [{**SERVER, "name": "srv-02"}],
            "pagination": {"has_more": False, "total": 2},
        },
    )

    servers = await client.servers.list(limit=1).collect()

    assert [s.name for s in servers] == ["srv-01", "srv-02"]
    assert [params(c) for c in sent(mocked, client, "GET", "/servers")] == [
        {"limit": 1},
        {"limit": 1, "cursor": "n"},
    ]


async def test_get_and_metrics(mocked: aioresponses, client: Client) -> None:
    mock(mocked, client, "GET", f"/servers/{SERVER_ID}", payload=SERVER)
    mock(mocked, client, "GET", f"/servers/{SERVER_ID}/metrics", payload=METRICS)

    server = await client.servers.get(SERVER_ID)
    metrics = await client.servers.metrics(SERVER_ID)

    assert server.qualification_status == "qualified"
    assert metrics.cpu_percent == 12.5
    assert metrics.status == "healthy"


async def test_a_shared_server_is_not_found(mocked: aioresponses, client: Client) -> None:
    mock(
        mocked,
        client,
        "GET",
        f"/servers/{SERVER_ID}/metrics",
        status=404,
        payload={"detail": {"error": "not_found", "message": "Resource not found."}},
    )
    with pytest.raises(NotFoundError):
        await client.servers.metrics(SERVER_ID)


async def test_the_per_server_limit_is_surfaced_not_retried(
    mocked: aioresponses, client: Client
) -> None:
    path = f"/servers/{SERVER_ID}/metrics"
    mock(
        mocked,
        client,
        "GET",
        path,
        status=429,
        repeat=True,
        payload={"detail": {"error": "target_rate_limit", "message": "6/min", "retry_after": 9}},
    )
    with pytest.raises(RateLimitError) as caught:
        await client.servers.metrics(SERVER_ID)
    assert caught.value.retry_after == 9
    assert len(sent(mocked, client, "GET", path)) == 1


async def test_ids_are_checked_before_any_request(mocked: aioresponses, client: Client) -> None:
    with pytest.raises(ValueError, match="server_id must be a UUID"):
        await client.servers.get("srv-01")
    with pytest.raises(ValueError, match="limit"):
        _ = client.servers.list(limit=0)
    assert all_sent(mocked) == 0
