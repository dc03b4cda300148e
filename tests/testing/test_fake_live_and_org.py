"""Runtime logs and metrics (6 per minute per target), servers, organisation and API keys."""

from __future__ import annotations

import pytest

from oec_async.testing import FakeOEC, ManualClock

from .fake_support import Api, running_env, stopped_env

pytestmark = pytest.mark.oec_fake(clock=ManualClock, rate_limits=True)


async def test_runtime_logs_return_the_requested_lines(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.get(
        f"/environments/{running_env(oec_fake)}/runtime-logs",
        params={"lines": 5, "source": "postgres"},
    )
    assert (reply.body["lines"], reply.body["source"]) == (5, "postgres")
    assert len(reply.body["log"].splitlines()) == 5


async def test_runtime_logs_of_a_stopped_environment_are_404(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.get(f"/environments/{stopped_env(oec_fake)}/runtime-logs")
    assert reply.status == 404


async def test_seventh_runtime_log_call_in_a_minute_is_429_target_rate_limit(
    api: Api, oec_fake: FakeOEC
) -> None:
    env_id = running_env(oec_fake)
    for _ in range(6):
        assert (await api.get(f"/environments/{env_id}/runtime-logs")).status == 200
    reply = await api.get(f"/environments/{env_id}/runtime-logs")
    assert (reply.status, reply.error) == (429, "target_rate_limit")
    assert reply.body["detail"]["retry_after"] == 60
    oec_fake.advance(60)
    assert (await api.get(f"/environments/{env_id}/runtime-logs")).status == 200


async def test_metrics_of_a_running_environment(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.get(f"/environments/{running_env(oec_fake)}/metrics")
    assert reply.body["odoo"]["status"] == "running"
    assert {"allocated_gb", "database_bytes"} <= set(reply.body["disk"])


async def test_metrics_of_a_stopped_environment_have_no_containers(
    api: Api, oec_fake: FakeOEC
) -> None:
    reply = await api.get(f"/environments/{stopped_env(oec_fake)}/metrics")
    assert (reply.body["status"], reply.body["odoo"]) == ("stopped", None)


async def test_servers_are_cursor_paged_and_gettable(api: Api, oec_fake: FakeOEC) -> None:
    listing = await api.get("/servers")
    server_id = listing.body["data"][0]["id"]
    assert listing.body["pagination"]["total"] == 2
    assert (await api.get(f"/servers/{server_id}")).body["id"] == server_id
    assert (await api.get(f"/servers/{server_id}/metrics")).body["status"] == "healthy"


async def test_project_scoped_key_gets_404_for_a_server(api: Api, oec_fake: FakeOEC) -> None:
    key = oec_fake.create_api_key(project_id=oec_fake.project_id)
    assert (await api.get(f"/servers/{oec_fake.server_ids[0]}", auth=key)).status == 404


async def test_org_and_usage(api: Api, oec_fake: FakeOEC) -> None:
    org = (await api.get("/org")).body
    usage = (await api.get("/org/usage")).body
    assert org["plan"] == "pro"
    assert usage["environments_running"] == 9


async def test_api_keys_are_a_plain_array_without_secrets(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.get("/org/api-keys")
    assert [k["tier"] for k in reply.body] == ["full_access", "read_only"]
    assert oec_fake.full_access_key not in str(reply.body)


async def test_revoked_key_is_refused_at_once(api: Api, oec_fake: FakeOEC) -> None:
    extra = oec_fake.create_api_key(name="temp")
    keys = (await api.get("/org/api-keys")).body
    key_id = next(k["id"] for k in keys if k["name"] == "temp")
    assert (await api.delete(f"/org/api-keys/{key_id}")).status == 204
    assert (await api.get("/org", auth=extra)).error == "invalid_key"
