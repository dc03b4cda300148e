"""`oec deploy|restart|start|stop ENV... --no-wait`: start tasks and print their ids."""

from __future__ import annotations

import json

import pytest
from cli_support import Oec

from oec_async.testing import FakeOEC


def events(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_no_wait_starts_one_task_per_environment_and_prints_its_id(oec: Oec, fake: FakeOEC) -> None:
    targets = fake.environment_ids[:2]

    result = oec("--json", "deploy", *targets, "--no-wait")

    assert result.exit_code == 0
    lines = events(result.stdout)
    assert [line["environment_id"] for line in lines] == targets
    assert {line["event"] for line in lines} == {"started"}
    for line in lines:
        [task] = fake.tasks[str(line["environment_id"])]
        assert line["task_id"] == task.id
        assert task.type == "deploy"


@pytest.mark.parametrize(
    ("policy", "kind", "code"),
    [("attach", "attached", 0), ("skip", "skipped", 0), ("fail", "conflicted", 1)],
)
def test_no_wait_conflict_policies(
    oec: Oec, fake: FakeOEC, policy: str, kind: str, code: int
) -> None:
    env_id = fake.environment_ids[0]
    first = events(oec("--json", "restart", env_id, "--no-wait").stdout)[0]

    result = oec("--json", "deploy", env_id, "--no-wait", "--on-conflict", policy)

    assert result.exit_code == code
    [line] = events(result.stdout)
    assert line["event"] == kind
    assert line["task_id"] == first["task_id"]
    assert len(fake.tasks[env_id]) == 1


def test_no_wait_human_output_names_the_environment_and_its_task(oec: Oec, fake: FakeOEC) -> None:
    env_id = fake.environment_ids[0]

    result = oec("stop", env_id, "--no-wait")

    assert result.exit_code == 0
    [task] = fake.tasks[env_id]
    assert result.stdout.endswith(f"env-001 stop started task {task.id}\n")


def test_refused_environment_fails_but_the_others_still_start(oec: Oec, fake: FakeOEC) -> None:
    running, other = fake.environment_ids[:2]

    result = oec("--json", "start", running, "--no-wait")  # start needs a stopped environment
    assert result.exit_code == 1
    [line] = events(result.stdout)
    assert line["event"] == "errored"
    assert "409 environment_not_stopped" in str(line["error"])

    assert oec("restart", running, other, "--no-wait").exit_code == 0


def test_read_only_key_exits_3(oec: Oec, fake: FakeOEC) -> None:
    result = oec("deploy", fake.environment_ids[0], "--no-wait", key=fake.read_only_key)

    assert result.exit_code == 3
    assert "403 read_only_key" in result.stderr
    assert fake.read_only_key not in result.output


def test_same_environment_twice_is_a_usage_error(oec: Oec, fake: FakeOEC) -> None:
    env_id = fake.environment_ids[0]

    result = oec("deploy", env_id, env_id, "--no-wait")

    assert result.exit_code == 2
    assert f"environment {env_id} is given twice" in result.stderr
    assert fake.tasks == {}


def test_wait_then_retry_needs_wait(oec: Oec, fake: FakeOEC) -> None:
    result = oec("deploy", fake.environment_ids[0], "--no-wait", "--on-conflict", "wait-then-retry")

    assert result.exit_code == 2
    assert fake.tasks == {}


def test_unknown_conflict_policy_is_a_usage_error(oec: Oec, fake: FakeOEC) -> None:
    result = oec("deploy", fake.environment_ids[0], "--on-conflict", "ignore")

    assert result.exit_code == 2
    assert "Invalid value for '--on-conflict'" in result.stderr
