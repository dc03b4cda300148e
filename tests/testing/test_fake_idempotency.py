"""Idempotent replay: same key + same route within 24 h answers the first response again."""

from __future__ import annotations

import aiohttp
import pytest

from oec_async.testing import FakeOEC, ManualClock

from .fake_support import Api, running_env

pytestmark = pytest.mark.oec_fake(clock=ManualClock)


async def test_same_key_replays_the_first_answer_and_creates_nothing(
    api: Api, oec_fake: FakeOEC
) -> None:
    env_id = running_env(oec_fake)
    headers = {"Idempotency-Key": "k-1"}
    first = await api.post(f"/environments/{env_id}/deploy", headers=headers)
    second = await api.post(f"/environments/{env_id}/deploy", headers=headers)
    assert (second.status, second.body) == (first.status, first.body)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(oec_fake.tasks[env_id]) == 1
    assert oec_fake.anomalies.actions_while_active == 0


async def test_replay_survives_the_task_finishing(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    first = await api.post(f"/environments/{env_id}/deploy", headers={"Idempotency-Key": "k"})
    oec_fake.advance(3600)
    second = await api.post(f"/environments/{env_id}/deploy", headers={"Idempotency-Key": "k"})
    assert second.body == first.body


async def test_key_expires_after_24_hours(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    await api.post(f"/environments/{env_id}/deploy", headers={"Idempotency-Key": "k"})
    oec_fake.advance(24 * 3600)
    await api.post(f"/environments/{env_id}/deploy", headers={"Idempotency-Key": "k"})
    assert len(oec_fake.tasks[env_id]) == 2
    assert oec_fake.anomalies.duplicate_tasks_for_idempotency_key == 1


async def test_errors_are_not_cached(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    oec_fake.fail_next("POST", "/environments/{id}/deploy", status=503)
    failed = await api.post(f"/environments/{env_id}/deploy", headers={"Idempotency-Key": "k"})
    retried = await api.post(f"/environments/{env_id}/deploy", headers={"Idempotency-Key": "k"})
    assert (failed.status, retried.status) == (503, 202)


async def test_action_ignores_the_create_header_name(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    await api.post(f"/environments/{env_id}/deploy", headers={"X-Idempotency-Key": "k"})
    oec_fake.advance(1.0)
    await api.post(f"/environments/{env_id}/deploy", headers={"X-Idempotency-Key": "k"})
    assert len(oec_fake.tasks[env_id]) == 2
    assert oec_fake.anomalies.duplicate_tasks_for_idempotency_key == 1


async def test_same_key_on_another_route_is_a_new_request(api: Api, oec_fake: FakeOEC) -> None:
    first, second = oec_fake.environment_ids[:2]
    await api.post(f"/environments/{first}/deploy", headers={"Idempotency-Key": "k"})
    reply = await api.post(f"/environments/{second}/deploy", headers={"Idempotency-Key": "k"})
    assert reply.status == 202
    assert oec_fake.anomalies.duplicate_tasks_for_idempotency_key == 1


async def test_drop_after_action_then_retry_gets_the_same_task(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    oec_fake.fail_next("POST", "/environments/{id}/deploy", drop=True, after_action=True)
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.post(f"/environments/{env_id}/deploy", headers={"Idempotency-Key": "k"})
    assert len(oec_fake.tasks[env_id]) == 1  # the server acted before dropping
    retry = await api.post(f"/environments/{env_id}/deploy", headers={"Idempotency-Key": "k"})
    assert retry.status == 202
    assert retry.body["task_id"] == oec_fake.tasks[env_id][0].id
    assert len(oec_fake.tasks[env_id]) == 1
    assert oec_fake.anomalies.total == 0


async def test_drop_after_action_then_retry_without_key_is_a_409(
    api: Api, oec_fake: FakeOEC
) -> None:
    env_id = running_env(oec_fake)
    oec_fake.fail_next("POST", "/environments/{id}/deploy", drop=True, after_action=True)
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.post(f"/environments/{env_id}/deploy")
    retry = await api.post(f"/environments/{env_id}/deploy")
    assert retry.error == "task_in_progress"
    assert oec_fake.anomalies.actions_while_active == 1
