"""Task lifecycle on a manual clock, and the environment status that follows it."""

from __future__ import annotations

import pytest

from oec_async.testing import FakeOEC, ManualClock

from .fake_support import Api, running_env, stopped_env

pytestmark = pytest.mark.oec_fake(clock=ManualClock, task_duration=10.0)


async def deploy(api: Api, env_id: str, action: str = "deploy") -> str:
    reply = await api.post(f"/environments/{env_id}/{action}")
    assert reply.status == 202, reply.body
    task_id: str = reply.body["task_id"]
    return task_id


async def test_task_is_queued_then_running_then_completed(api: Api, oec_fake: FakeOEC) -> None:
    task_id = await deploy(api, running_env(oec_fake))
    seen = []
    for _ in range(3):
        seen.append((await api.get(f"/deployments/{task_id}")).body["status"])
        oec_fake.advance(5.0)
    assert seen == ["queued", "running", "completed"]


async def test_running_task_reports_progress_and_step(api: Api, oec_fake: FakeOEC) -> None:
    task_id = await deploy(api, running_env(oec_fake))
    oec_fake.advance(5.5)  # 1 s queued, then half of the 9 s run
    body = (await api.get(f"/deployments/{task_id}")).body
    assert body["progress_percent"] == 50.0
    assert (body["steps_completed"], body["total_steps"]) == (2, 5)
    assert body["current_step"] == "migrate_database"
    assert body["started_at"] is not None
    assert body["completed_at"] is None


async def test_completed_task_has_times_and_duration(api: Api, oec_fake: FakeOEC) -> None:
    task_id = await deploy(api, running_env(oec_fake))
    oec_fake.advance(10.0)
    body = (await api.get(f"/deployments/{task_id}")).body
    assert body["progress_percent"] == 100
    assert body["steps_completed"] == body["total_steps"]
    assert body["completed_at"] is not None
    assert body["duration_seconds"] == 9.0
    assert body["error_message"] is None


async def test_environment_is_deploying_during_a_deploy_then_running(
    api: Api, oec_fake: FakeOEC
) -> None:
    env_id = running_env(oec_fake)
    await deploy(api, env_id)
    during = (await api.get(f"/environments/{env_id}")).body["status"]
    oec_fake.advance(10.0)
    after = (await api.get(f"/environments/{env_id}")).body["status"]
    assert (during, after) == ("deploying", "running")


async def test_environment_is_stopped_after_stop(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    await deploy(api, env_id, "stop")
    oec_fake.advance(10.0)
    assert oec_fake.environment_status(env_id) == "stopped"


async def test_environment_is_running_after_start(api: Api, oec_fake: FakeOEC) -> None:
    env_id = stopped_env(oec_fake)
    await deploy(api, env_id, "start")
    assert oec_fake.environment_status(env_id) == "deploying"
    oec_fake.advance(10.0)
    assert oec_fake.environment_status(env_id) == "running"


async def test_forced_failure_fails_the_task_with_a_message(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    oec_fake.set_environment_behaviour(env_id, fail=True, error_message="boom")
    task_id = await deploy(api, env_id)
    oec_fake.advance(10.0)
    body = (await api.get(f"/deployments/{task_id}")).body
    assert (body["status"], body["error_message"]) == ("failed", "boom")
    assert body["steps_completed"] < body["total_steps"]


@pytest.mark.parametrize(
    "status",
    [
        pytest.param(
            "failed",
            marks=pytest.mark.oec_fake(clock=ManualClock, task_duration=10.0, dialect="docs"),
            id="docs",
        ),
        pytest.param(
            "error",
            marks=pytest.mark.oec_fake(clock=ManualClock, task_duration=10.0, dialect="live"),
            id="live",
        ),
    ],
)
async def test_failed_deploy_leaves_the_dialects_failure_status(
    api: Api, oec_fake: FakeOEC, status: str
) -> None:
    env_id = running_env(oec_fake)
    oec_fake.set_environment_behaviour(env_id, fail=True)
    await deploy(api, env_id)
    oec_fake.advance(10.0)
    assert oec_fake.environment_status(env_id) == status


async def test_per_environment_duration_override(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    oec_fake.set_environment_behaviour(env_id, duration=100.0)
    task_id = await deploy(api, env_id)
    oec_fake.advance(50.0)
    assert oec_fake.task_status(task_id) == "running"


@pytest.mark.oec_fake(clock=ManualClock, failure_rate=1.0, task_duration=1.0)
async def test_failure_rate_one_fails_every_task(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    task_id = await deploy(api, env_id)
    oec_fake.advance(1.0)
    assert oec_fake.task_status(task_id) == "failed"


@pytest.mark.oec_fake(clock=ManualClock, task_duration=0.0)
async def test_zero_duration_task_is_completed_at_once(api: Api, oec_fake: FakeOEC) -> None:
    task_id = await deploy(api, running_env(oec_fake))
    assert (await api.get(f"/deployments/{task_id}")).body["status"] == "completed"


async def test_task_log_grows_with_progress(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    await deploy(api, env_id)
    early = (await api.get(f"/environments/{env_id}/logs")).body
    oec_fake.advance(10.0)
    late = (await api.get(f"/environments/{env_id}/logs")).body
    assert early["lines"] < late["lines"]
    assert late["log"].endswith("completed")


@pytest.mark.oec_fake(task_duration=0.05)
async def test_real_clock_task_completes_by_polling(api: Api, oec_fake: FakeOEC) -> None:
    """The docs' loop: POST deploy, GET the poll_url until a terminal status."""
    import asyncio

    reply = await api.post(f"/environments/{running_env(oec_fake)}/deploy")
    poll_path = reply.body["poll_url"].removeprefix("/api/public/v1")
    status = "queued"
    for _ in range(100):
        status = (await api.get(poll_path)).body["status"]
        if status in ("completed", "failed", "cancelled"):
            break
        await asyncio.sleep(0.01)
    assert status == "completed"


async def test_cancelled_task_is_terminal_and_env_keeps_its_status(
    api: Api, oec_fake: FakeOEC
) -> None:
    env_id = running_env(oec_fake)
    task_id = await deploy(api, env_id)
    oec_fake.advance(5.0)
    oec_fake.cancel_task(task_id)
    body = (await api.get(f"/deployments/{task_id}")).body
    assert (body["status"], body["current_step"]) == ("cancelled", "cancelled")
    assert body["completed_at"] is not None
    assert oec_fake.environment_status(env_id) == "running"
    assert (await api.post(f"/environments/{env_id}/restart")).status == 202


async def test_cancel_before_start_never_ran(api: Api, oec_fake: FakeOEC) -> None:
    task_id = await deploy(api, running_env(oec_fake))
    oec_fake.cancel_task(task_id)
    body = (await api.get(f"/deployments/{task_id}")).body
    assert (body["status"], body["started_at"], body["duration_seconds"]) == (
        "cancelled",
        None,
        None,
    )


async def test_cancel_of_a_finished_task_is_refused(api: Api, oec_fake: FakeOEC) -> None:
    task_id = await deploy(api, running_env(oec_fake))
    oec_fake.advance(10.0)
    with pytest.raises(ValueError, match="already ended"):
        oec_fake.cancel_task(task_id)
