"""Cursor paging of deployments (and its validation)."""

from __future__ import annotations

import pytest

from oec_async.testing import FakeOEC

from .fake_support import Api


async def collect(api: Api, env_id: str, limit: int) -> list[str]:
    ids: list[str] = []
    params: dict[str, str | int] = {"limit": limit}
    while True:
        reply = await api.get(f"/environments/{env_id}/deployments", params=params)
        assert reply.status == 200, reply.body
        ids += [task["id"] for task in reply.body["data"]]
        if not reply.body["pagination"]["has_more"]:
            assert reply.body["pagination"]["next_cursor"] is None
            return ids
        params["cursor"] = reply.body["pagination"]["next_cursor"]


@pytest.mark.oec_fake(environments=1, deployments_per_environment=1000, backups_per_environment=0)
async def test_1000_deployments_page_exactly_once_newest_first(api: Api, oec_fake: FakeOEC) -> None:
    env_id = oec_fake.environment_ids[0]
    ids = await collect(api, env_id, 100)
    assert len(ids) == len(set(ids)) == 1000
    created = [oec_fake.task(i).created_at for i in ids]
    assert created == sorted(created, reverse=True)


@pytest.mark.oec_fake(environments=1, deployments_per_environment=45)
async def test_default_limit_is_20_and_total_is_reported(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.get(f"/environments/{oec_fake.environment_ids[0]}/deployments")
    assert len(reply.body["data"]) == 20
    assert reply.body["pagination"]["total"] == 45
    assert reply.body["pagination"]["has_more"] is True


@pytest.mark.oec_fake(environments=1, deployments_per_environment=30, task_duration=0)
async def test_new_tasks_do_not_shift_the_next_page(api: Api, oec_fake: FakeOEC) -> None:
    env_id = oec_fake.environment_ids[0]
    first = await api.get(f"/environments/{env_id}/deployments", params={"limit": 10})
    await api.post(f"/environments/{env_id}/deploy")  # a new task at the head of the list
    cursor = first.body["pagination"]["next_cursor"]
    second = await api.get(
        f"/environments/{env_id}/deployments", params={"limit": 10, "cursor": cursor}
    )
    first_ids = {t["id"] for t in first.body["data"]}
    assert not first_ids & {t["id"] for t in second.body["data"]}


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
async def test_limit_outside_1_to_100_is_422(api: Api, oec_fake: FakeOEC, limit: str) -> None:
    reply = await api.get(
        f"/environments/{oec_fake.environment_ids[0]}/deployments", params={"limit": limit}
    )
    assert reply.status == 422
    assert reply.body["detail"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize("cursor", ["garbage!", "e30", "eyJhZnRlciI6MSwicG9zIjotMX0"])
async def test_bad_cursor_is_422(api: Api, oec_fake: FakeOEC, cursor: str) -> None:
    reply = await api.get(
        f"/environments/{oec_fake.environment_ids[0]}/deployments", params={"cursor": cursor}
    )
    assert reply.status == 422
    assert reply.body["detail"][0]["loc"] == ["query", "cursor"]


@pytest.mark.oec_fake(projects=3)
async def test_projects_are_cursor_paged(api: Api, oec_fake: FakeOEC) -> None:
    first = await api.get("/projects", params={"limit": 2})
    rest = await api.get("/projects", params={"cursor": first.body["pagination"]["next_cursor"]})
    ids = [p["id"] for p in first.body["data"] + rest.body["data"]]
    assert ids == oec_fake.project_ids
