"""Authentication: headers, key tiers and the 401/403 codes."""

from __future__ import annotations

from oec_async.testing import FakeOEC

from .fake_support import Api, running_env


async def test_missing_auth_header_is_401_missing_auth(api: Api) -> None:
    reply = await api.get("/projects", auth=None)
    assert (reply.status, reply.error) == (401, "missing_auth")


async def test_unknown_key_is_401_invalid_key(api: Api) -> None:
    reply = await api.get("/projects", auth="oec_live_rw_" + "x" * 43)
    assert (reply.status, reply.error) == (401, "invalid_key")


async def test_malformed_authorization_is_401_invalid_key(api: Api) -> None:
    reply = await api.get("/projects", auth=None, headers={"Authorization": "Token abc"})
    assert (reply.status, reply.error) == (401, "invalid_key")


async def test_x_api_key_header_is_accepted(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.get("/projects", auth=None, headers={"X-API-Key": oec_fake.read_only_key})
    assert reply.status == 200


async def test_authorization_wins_over_x_api_key(api: Api) -> None:
    reply = await api.get(
        "/projects", auth="bogus", headers={"X-API-Key": api.fake.full_access_key}
    )
    assert reply.error == "invalid_key"


async def test_read_only_key_may_read(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.get(f"/environments/{oec_fake.environment_ids[0]}", auth="ro")
    assert reply.status == 200


async def test_read_only_key_on_a_write_is_403_read_only_key(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.post(f"/environments/{running_env(oec_fake)}/deploy", auth="ro")
    assert (reply.status, reply.error) == (403, "read_only_key")
    assert oec_fake.tasks == {}


async def test_keys_have_the_documented_format(oec_fake: FakeOEC) -> None:
    assert oec_fake.full_access_key.startswith("oec_live_rw_")
    assert oec_fake.read_only_key.startswith("oec_live_ro_")
    assert len(oec_fake.full_access_key) == len("oec_live_rw_") + 43


async def test_request_log_redacts_keys(api: Api, oec_fake: FakeOEC) -> None:
    await api.get("/projects", headers={"X-API-Key": "secret"})
    record = oec_fake.requests[-1]
    assert record.headers["Authorization"] == "<redacted>"
    assert record.headers["X-API-Key"] == "<redacted>"
    assert (record.method, record.path, record.status) == ("GET", "/api/public/v1/projects", 200)
