"""The fake server's health features: unhealthy_rate, scripted results, late crashes."""

from __future__ import annotations

import pytest

from oec_async.testing import FakeOEC, ManualClock


async def _deploy(fake: FakeOEC, env_id: str) -> None:
    async with fake.client() as client:
        await client.environments.deploy(env_id)
    fake.advance(1.0)


async def _health(fake: FakeOEC, env_id: str) -> tuple[str, bool | None, bool | None]:
    async with fake.client() as client:
        status = await client.environments.status(env_id)
    return str(status.status), status.container_running, status.http_ok


async def test_a_scripted_unhealthy_environment_answers_http_ok_false_after_its_deploy() -> None:
    async with FakeOEC(environments=2, stopped_fraction=0, clock=ManualClock()) as fake:
        env = fake.environment_ids[0]
        fake.script(env, "unhealthy")
        await _deploy(fake, env)
        assert await _health(fake, env) == ("running", True, False)


async def test_a_scripted_late_crash_turns_the_environment_to_error_after_the_delay() -> None:
    async with FakeOEC(
        environments=2, stopped_fraction=0, task_duration=1.0, clock=ManualClock()
    ) as fake:
        env = fake.environment_ids[0]
        fake.script(env, "unhealthy", after=5.0)
        await _deploy(fake, env)
        assert await _health(fake, env) == ("running", True, True)
        fake.advance(5.0)
        assert await _health(fake, env) == ("error", False, False)
        assert fake.environment_status(env) == "error"


async def test_a_scripted_failed_environment_fails_its_tasks() -> None:
    async with FakeOEC(environments=2, stopped_fraction=0, clock=ManualClock()) as fake:
        env = fake.environment_ids[0]
        fake.script(env, "failed")
        await _deploy(fake, env)
        assert fake.task_status(fake.tasks[env][-1].id) == "failed"


async def test_succeeded_overrides_the_rates() -> None:
    async with FakeOEC(
        environments=2,
        stopped_fraction=0,
        failure_rate=1.0,
        unhealthy_rate=1.0,
        clock=ManualClock(),
    ) as fake:
        env = fake.environment_ids[0]
        fake.script(env, "succeeded")
        await _deploy(fake, env)
        assert await _health(fake, env) == ("running", True, True)


async def test_unhealthy_rate_one_leaves_every_deployed_environment_unhealthy() -> None:
    async with FakeOEC(
        environments=3, stopped_fraction=0, unhealthy_rate=1.0, clock=ManualClock()
    ) as fake:
        for env in fake.environment_ids:
            await _deploy(fake, env)
        assert [(await _health(fake, env))[2] for env in fake.environment_ids] == [False] * 3


@pytest.mark.parametrize(
    ("result", "after"), [("exploded", None), ("failed", 1.0), ("unhealthy", -1.0)]
)
async def test_script_refuses_bad_arguments(result: str, after: float | None) -> None:
    async with FakeOEC(environments=1, stopped_fraction=0) as fake:
        with pytest.raises(ValueError, match=r"result|after"):
            fake.script(fake.environment_ids[0], result, after=after)  # type: ignore[arg-type]


def test_unhealthy_rate_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="unhealthy_rate"):
        FakeOEC(unhealthy_rate=1.5)
