"""Seeded data and the environment read routes."""

from __future__ import annotations

import uuid

import pytest

from oec_async.testing import FakeOEC

from .fake_support import Api, running_env


@pytest.mark.oec_fake(environments=20, stopped_fraction=0.25)
async def test_seeded_environments_are_mostly_running_some_stopped(oec_fake: FakeOEC) -> None:
    statuses = [oec_fake.environment_status(e) for e in oec_fake.environment_ids]
    assert statuses.count("stopped") == 5
    assert statuses.count("running") == 15


async def test_seeded_ids_are_uuids_and_deterministic(oec_fake: FakeOEC) -> None:
    again = FakeOEC(environments=len(oec_fake.environment_ids))
    assert again.environment_ids == oec_fake.environment_ids
    assert all(uuid.UUID(e).version == 4 for e in oec_fake.environment_ids)


async def test_a_different_seed_gives_different_ids(oec_fake: FakeOEC) -> None:
    assert FakeOEC(seed=1).environment_ids != oec_fake.environment_ids


async def test_get_environment_returns_the_documented_fields(api: Api, oec_fake: FakeOEC) -> None:
    env_id = oec_fake.environment_ids[0]
    reply = await api.get(f"/environments/{env_id}")
    assert reply.status == 200
    assert reply.body["id"] == env_id
    assert reply.body["name"] == "env-001"
    assert reply.body["project_id"] == oec_fake.project_id
    assert reply.body["created_at"].endswith("Z")
    assert {"status", "url", "branch", "server_id", "cpu_cores", "ram_mb"} <= set(reply.body)


async def test_non_uuid_id_is_422_with_fastapi_detail(api: Api) -> None:
    reply = await api.get("/environments/not-a-uuid")
    assert reply.status == 422
    assert reply.body["detail"][0]["loc"] == ["path", "env_id"]
    assert reply.body["detail"][0]["type"] == "uuid_parsing"


async def test_unknown_environment_is_404_not_found(api: Api) -> None:
    reply = await api.get(f"/environments/{uuid.uuid4()}")
    assert (reply.status, reply.error) == (404, "not_found")


async def test_unknown_route_is_404_json(api: Api) -> None:
    reply = await api.get("/nothing/here")
    assert (reply.status, reply.error) == (404, "not_found")


async def test_project_environments_are_a_plain_array_oldest_first(
    api: Api, oec_fake: FakeOEC
) -> None:
    reply = await api.get(f"/projects/{oec_fake.project_id}/environments")
    assert isinstance(reply.body, list)
    assert [e["id"] for e in reply.body] == oec_fake.environment_ids


async def test_status_filter_is_case_insensitive(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.get(
        f"/projects/{oec_fake.project_id}/environments", params={"status": "STOPPED"}
    )
    assert [e["status"] for e in reply.body] == ["stopped"]


@pytest.mark.oec_fake(projects=2, environments=4)
async def test_environments_are_spread_over_projects(api: Api, oec_fake: FakeOEC) -> None:
    second = oec_fake.project_ids[1]
    reply = await api.get(f"/projects/{second}/environments")
    assert [e["name"] for e in reply.body] == ["env-002", "env-004"]


async def test_status_endpoint_reports_health_and_last_deploy(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    reply = await api.get(f"/environments/{env_id}/status")
    assert reply.body["status"] == "running"
    assert reply.body["container_running"] is True
    assert reply.body["last_deploy"]["status"] == "completed"


async def test_get_task_of_seeded_history(api: Api, oec_fake: FakeOEC) -> None:
    env_id = oec_fake.environment_ids[0]
    listing = await api.get(f"/environments/{env_id}/deployments")
    task_id = listing.body["data"][0]["id"]
    reply = await api.get(f"/deployments/{task_id}")
    assert reply.body["id"] == task_id
    assert reply.body["status"] == "completed"


async def test_unknown_task_is_404(api: Api) -> None:
    reply = await api.get(f"/deployments/{uuid.uuid4()}")
    assert reply.status == 404


@pytest.mark.oec_fake(projects=2, environments=2)
async def test_project_scoped_key_sees_only_its_project(api: Api, oec_fake: FakeOEC) -> None:
    key = oec_fake.create_api_key(project_id=oec_fake.project_ids[0])
    mine = await api.get(f"/environments/{oec_fake.environment_ids[0]}", auth=key)
    other = await api.get(f"/environments/{oec_fake.environment_ids[1]}", auth=key)
    assert (mine.status, other.status) == (200, 404)
