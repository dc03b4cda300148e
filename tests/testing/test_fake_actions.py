"""Actions: the 202 answer and the rules that refuse an action with 409."""

from __future__ import annotations

import uuid

import pytest

from oec_async.testing import FakeOEC, ManualClock

from .fake_support import Api, running_env, stopped_env

pytestmark = pytest.mark.oec_fake(clock=ManualClock)


@pytest.mark.parametrize("action", ["deploy", "restart", "stop", "quick-update"])
async def test_action_on_running_env_is_202_queued(
    api: Api, oec_fake: FakeOEC, action: str
) -> None:
    env_id = running_env(oec_fake)
    body = {"mode": "pull_restart"} if action == "quick-update" else None
    reply = await api.post(f"/environments/{env_id}/{action}", json=body)
    assert reply.status == 202
    task_id = reply.body["task_id"]
    assert reply.body == {
        "task_id": task_id,
        "status": "queued",
        "environment_id": env_id,
        "poll_url": f"/api/public/v1/deployments/{task_id}",
    }
    assert [t.type for t in oec_fake.tasks[env_id]] == [action]


async def test_start_on_stopped_env_is_202(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.post(f"/environments/{stopped_env(oec_fake)}/start")
    assert reply.status == 202


async def test_start_on_running_env_is_409_environment_not_stopped(
    api: Api, oec_fake: FakeOEC
) -> None:
    reply = await api.post(f"/environments/{running_env(oec_fake)}/start")
    assert (reply.status, reply.error) == (409, "environment_not_stopped")


@pytest.mark.parametrize("action", ["deploy", "restart", "stop"])
async def test_action_on_stopped_env_is_409_environment_not_running(
    api: Api, oec_fake: FakeOEC, action: str
) -> None:
    reply = await api.post(f"/environments/{stopped_env(oec_fake)}/{action}")
    assert (reply.status, reply.error) == (409, "environment_not_running")


@pytest.mark.parametrize("status", ["error", "failed"])
async def test_deploy_is_allowed_from_error_and_failed(
    api: Api, oec_fake: FakeOEC, status: str
) -> None:
    env_id = running_env(oec_fake)
    oec_fake.set_environment_status(env_id, status)
    reply = await api.post(f"/environments/{env_id}/deploy")
    assert reply.status == 202


async def test_second_action_while_active_is_409_with_running_task_id(
    api: Api, oec_fake: FakeOEC
) -> None:
    env_id = running_env(oec_fake)
    first = await api.post(f"/environments/{env_id}/deploy")
    second = await api.post(f"/environments/{env_id}/restart")
    assert (second.status, second.error) == (409, "task_in_progress")
    assert second.body["detail"]["task_id"] == first.body["task_id"]
    assert oec_fake.anomalies.actions_while_active == 1


async def test_action_after_the_task_ends_is_accepted(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    await api.post(f"/environments/{env_id}/deploy")
    oec_fake.advance(1.0)
    reply = await api.post(f"/environments/{env_id}/restart")
    assert reply.status == 202


async def test_action_on_unknown_env_is_404(api: Api) -> None:
    reply = await api.post(f"/environments/{uuid.uuid4()}/deploy")
    assert reply.status == 404


async def test_action_on_non_uuid_is_422(api: Api) -> None:
    reply = await api.post("/environments/env-001/deploy")
    assert reply.status == 422


async def test_deploy_rejects_bad_module_names(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.post(
        f"/environments/{running_env(oec_fake)}/deploy", json={"update_modules": ["Bad-Name"]}
    )
    assert reply.status == 422
    assert reply.body["detail"][0]["loc"] == ["body", "update_modules"]


async def test_quick_update_needs_modules_for_update_specific(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.post(
        f"/environments/{running_env(oec_fake)}/quick-update", json={"mode": "update_specific"}
    )
    assert reply.status == 422


async def test_quick_update_needs_a_mode(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.post(f"/environments/{running_env(oec_fake)}/quick-update", json={})
    assert reply.status == 422


async def test_malformed_json_body_is_400(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.post(
        f"/environments/{running_env(oec_fake)}/deploy",
        data="{nope",
        headers={"Content-Type": "application/json"},
    )
    assert (reply.status, reply.error) == (400, "invalid_json")
