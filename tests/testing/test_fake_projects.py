"""Projects CRUD and environment create / update / delete."""

from __future__ import annotations

import pytest

from oec_async.testing import FakeOEC, ManualClock

from .fake_support import Api, running_env

pytestmark = pytest.mark.oec_fake(clock=ManualClock, environments=3, stopped_fraction=0)


async def create_project(api: Api, **extra: object) -> dict[str, object]:
    body = {"name": "New ERP", "server_id": api.fake.server_ids[0], **extra}
    reply = await api.post("/projects", json=body)
    assert reply.status == 201, reply.body
    project: dict[str, object] = reply.body
    return project


async def test_create_project_is_201_with_defaults(api: Api) -> None:
    project = await create_project(api)
    assert (project["default_branch"], project["environment_count"]) == ("main", 0)
    assert project["id"] in api.fake.project_ids


async def test_create_project_validates_fields(api: Api) -> None:
    reply = await api.post("/projects", json={"name": "", "odoo_version": "17"})
    assert reply.status == 422
    assert {tuple(e["loc"]) for e in reply.body["detail"]} == {
        ("body", "name"),
        ("body", "server_id"),
        ("body", "odoo_version"),
    }


async def test_create_project_replays_with_x_idempotency_key(api: Api) -> None:
    headers = {"X-Idempotency-Key": "p-1"}
    first = await api.post(
        "/projects", json={"name": "A", "server_id": api.fake.server_ids[0]}, headers=headers
    )
    second = await api.post(
        "/projects", json={"name": "A", "server_id": api.fake.server_ids[0]}, headers=headers
    )
    assert (second.status, second.body) == (201, first.body)
    assert len(api.fake.project_ids) == 2


async def test_project_scoped_key_cannot_create_projects(api: Api, oec_fake: FakeOEC) -> None:
    key = oec_fake.create_api_key(project_id=oec_fake.project_id)
    reply = await api.post(
        "/projects", auth=key, json={"name": "x", "server_id": oec_fake.server_ids[0]}
    )
    assert (reply.status, reply.error) == (403, "org_scope_required")


async def test_update_project(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.patch(f"/projects/{oec_fake.project_id}", json={"name": "Renamed"})
    assert reply.body["name"] == "Renamed"


async def test_delete_project_needs_the_confirm_header(api: Api) -> None:
    project = await create_project(api)
    reply = await api.delete(f"/projects/{project['id']}")
    assert (reply.status, reply.error) == (400, "confirmation_required")


async def test_delete_empty_project_is_204(api: Api) -> None:
    project = await create_project(api)
    reply = await api.delete(f"/projects/{project['id']}", headers={"X-Confirm-Delete": "true"})
    assert reply.status == 204
    assert (await api.get(f"/projects/{project['id']}")).status == 404


async def test_delete_project_with_running_environments_is_409(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.delete(
        f"/projects/{oec_fake.project_id}", headers={"X-Confirm-Delete": "true"}
    )
    assert (reply.status, reply.error) == (409, "project_has_active_environments")


async def test_create_environment_is_deploying_with_a_first_deploy(
    api: Api, oec_fake: FakeOEC
) -> None:
    reply = await api.post(f"/projects/{oec_fake.project_id}/environments", json={"name": "qa"})
    assert (reply.status, reply.body["status"]) == (201, "deploying")
    env_id = reply.body["id"]
    status = (await api.get(f"/environments/{env_id}/status")).body
    assert status["last_deploy"]["id"] == oec_fake.tasks[env_id][0].id
    oec_fake.advance(1.0)
    assert oec_fake.environment_status(env_id) == "running"


async def test_create_environment_validates_sizes(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.post(
        f"/projects/{oec_fake.project_id}/environments",
        json={"name": "qa", "cpu_cores": 64, "ram_mb": 100},
    )
    assert reply.status == 422
    assert len(reply.body["detail"]) == 2


async def test_create_environment_ignores_server_id_and_reads_vm_id(
    api: Api, oec_fake: FakeOEC
) -> None:
    other = oec_fake.server_ids[1]
    reply = await api.post(
        f"/projects/{oec_fake.project_id}/environments", json={"name": "qa", "server_id": other}
    )
    assert reply.body["server_id"] != other
    reply = await api.post(
        f"/projects/{oec_fake.project_id}/environments", json={"name": "qb", "vm_id": other}
    )
    assert reply.body["server_id"] == other


async def test_update_environment_and_remove_domain(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    set_domain = await api.patch(f"/environments/{env_id}", json={"domain": "erp.example.com"})
    removed = await api.patch(f"/environments/{env_id}", json={"domain": "", "ram_mb": 4096})
    assert set_domain.body["custom_domain"] == "erp.example.com"
    assert (removed.body["custom_domain"], removed.body["ram_mb"]) == (None, 4096)


async def test_delete_environment_needs_the_confirm_header(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.delete(f"/environments/{running_env(oec_fake)}")
    assert (reply.status, reply.error) == (400, "confirmation_required")


async def test_deleted_environment_is_404_but_its_tasks_stay(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    reply = await api.delete(f"/environments/{env_id}", headers={"X-Confirm-Delete": "true"})
    assert reply.status == 202
    assert oec_fake.environment_status(env_id) == "destroying"
    oec_fake.advance(1.0)
    assert (await api.get(f"/environments/{env_id}")).status == 404
    assert (await api.get(reply.body["poll_url"].removeprefix("/api/public/v1"))).status == 200
    assert env_id not in oec_fake.environment_ids
