"""`oec deploy|restart|start|stop ENV...` (with --wait) and `oec fleet deploy`: the fleet engine."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import CONTROL_SEQUENCE, TIMESTAMP, Oec, ThreadedFake

from oec_async.testing import FakeOEC


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true"
        time.sleep(0.02)


def events(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_deploy_several_streams_events_and_one_outcome_each(oec: Oec, fake: FakeOEC) -> None:
    targets = fake.environment_ids[:3]

    result = oec("--json", "deploy", *targets)

    assert result.exit_code == 0, result.output
    lines = events(result.stdout)
    finished = [e for e in lines if e["event"] == "finished"]
    assert sorted(str(e["environment_id"]) for e in finished) == sorted(targets)
    assert all(e["kind"] == "succeeded" for e in finished)
    assert {str(e["environment_id"]) for e in lines if e["event"] == "started"} == set(targets)
    summary = lines[-1]
    assert summary["event"] == "summary"
    assert summary["counts"] == {**dict.fromkeys(summary["counts"], 0), "succeeded": 3}


def test_failed_environment_exits_1_with_its_error_in_the_summary(
    oec: Oec, served: ThreadedFake, fake: FakeOEC
) -> None:
    bad, good = fake.environment_ids[:2]
    served.call(fake.set_environment_behaviour, bad, fail=True, error_message="Disk full.")

    result = oec("restart", bad, good)

    assert result.exit_code == 1
    assert not CONTROL_SEQUENCE.search(result.output)
    out = result.stdout
    assert "env-001 failed in " in out  # environments given by id are shown by name
    assert "Disk full." in out
    assert "env-002 succeeded in " in out
    assert [line.split()[:2] for line in out.splitlines() if line.startswith("env-001")] == [
        ["env-001", "failed"]
    ]  # the summary table lists the failure with its message
    assert "restart: 1 succeeded, 1 failed in " in out


def test_one_environment_shows_its_task_progress(oec: Oec, fake: FakeOEC) -> None:
    env_id = fake.environment_ids[0]

    result = oec("deploy", env_id)

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert all(TIMESTAMP.match(line) for line in lines[:-1])
    [task] = fake.tasks[env_id]
    assert f"deploy env-001: started task {task.id}" in lines[0]
    assert any("deploy env-001: completed in " in line for line in lines)
    assert lines[-1].startswith("deploy: 1 succeeded in ")


def test_fleet_deploy_targets_the_running_environments_by_name(
    oec: Oec, served: ThreadedFake, fake: FakeOEC
) -> None:
    stopped, *running = fake.environment_ids
    served.call(fake.set_environment_status, stopped, "stopped")

    result = oec("fleet", "deploy", "--project", fake.project_id)

    assert result.exit_code == 0, result.output
    assert stopped not in fake.tasks
    for index, env_id in enumerate(running, start=2):
        [task] = fake.tasks[env_id]
        assert f" env-{index:03d} started task {task.id}\n" in result.stdout
        assert f" env-{index:03d} succeeded in " in result.stdout
    assert f"deploy: {len(running)} succeeded in " in result.stdout


def test_batch_id_resumes_the_tasks_it_started(oec: Oec, fake: FakeOEC) -> None:
    env_ids = fake.environment_ids[:2]
    first = oec("--json", "deploy", *env_ids, "--no-wait", "--batch-id", "release-42")

    again = oec("--json", "deploy", *env_ids, "--batch-id", "release-42")

    assert first.exit_code == again.exit_code == 0
    for env_id in env_ids:
        [task] = fake.tasks[env_id]  # the second run attached instead of deploying twice
        started = [e for e in events(again.stdout) if e["event"] == "started"]
        assert {str(e["task_id"]) for e in started if e["environment_id"] == env_id} == {task.id}
    assert fake.anomalies.duplicate_tasks_for_idempotency_key == 0


def test_read_only_key_exits_3(oec: Oec, fake: FakeOEC) -> None:
    result = oec("deploy", *fake.environment_ids[:2], key=fake.read_only_key)

    assert result.exit_code == 3
    assert "403 read_only_key" in result.stdout
    assert fake.read_only_key not in result.output


def test_overall_timeout_exits_4(oec: Oec, served: ThreadedFake, fake: FakeOEC) -> None:
    env_ids = fake.environment_ids[:2]
    for env_id in env_ids:
        served.call(fake.set_environment_behaviour, env_id, duration=30.0)

    result = oec("--json", "deploy", *env_ids, "--timeout", "0.5")

    assert result.exit_code == 4
    assert events(result.stdout)[-1]["timed_out"] is True


@pytest.mark.parametrize(("policy", "code"), [("skip", 0), ("fail", 1), ("attach", 0)])
def test_conflict_policies_with_wait(oec: Oec, fake: FakeOEC, policy: str, code: int) -> None:
    env_id = fake.environment_ids[0]
    oec("restart", env_id, "--no-wait")

    result = oec("--json", "deploy", env_id, "--on-conflict", policy)

    assert result.exit_code == code, result.output
    [finished] = [e for e in events(result.stdout) if e["event"] == "finished"]
    assert finished["attached"] is (policy == "attach")
    assert len(fake.tasks[env_id]) == 1


def test_wait_then_retry_runs_our_action_after_the_running_task(oec: Oec, fake: FakeOEC) -> None:
    env_id = fake.environment_ids[0]
    oec("restart", env_id, "--no-wait")

    result = oec("--json", "deploy", env_id, "--on-conflict", "wait-then-retry")

    assert result.exit_code == 0, result.output
    assert [task.type for task in fake.tasks[env_id]] == ["restart", "deploy"]
    [finished] = [e for e in events(result.stdout) if e["event"] == "finished"]
    assert finished["task_id"] == fake.tasks[env_id][1].id


def test_a_timed_out_wait_says_the_task_goes_on_not_that_it_was_cancelled(
    oec: Oec, served: ThreadedFake, fake: FakeOEC
) -> None:
    env_id = fake.environment_ids[0]
    served.call(fake.set_environment_behaviour, env_id, duration=30.0)

    result = oec("deploy", env_id, "--timeout", "0.3")

    assert result.exit_code == 4
    assert "the wait timed out; its task goes on on the server" in result.stdout
    assert "cancelled" not in result.output


def test_a_refused_key_on_one_environment_is_one_clean_error(oec: Oec, fake: FakeOEC) -> None:
    result = oec("deploy", fake.environment_ids[0], key=fake.read_only_key)

    assert result.exit_code == 3
    assert "403 read_only_key" in result.stdout
    assert "fleet:" not in result.output
    assert ".:" not in result.output


def test_a_timed_out_task_wait_says_the_task_goes_on(
    oec: Oec, served: ThreadedFake, fake: FakeOEC
) -> None:
    env_id = fake.environment_ids[0]
    served.call(fake.set_environment_behaviour, env_id, duration=30.0)
    [started] = events(oec("--json", "deploy", env_id, "--no-wait").stdout)

    result = oec("deployments", "wait", str(started["task_id"]), "--timeout", "0.3")

    assert result.exit_code == 4
    assert result.stderr.rstrip().endswith("the wait timed out; the task goes on on the server")


def test_a_rerun_with_the_batch_id_says_it_reattached(
    oec: Oec, served: ThreadedFake, fake: FakeOEC
) -> None:
    env_ids = fake.environment_ids[:2]
    first = oec("--json", "deploy", *env_ids, "--no-wait", "--batch-id", "rel-42")
    for task_id in (str(e["task_id"]) for e in events(first.stdout)):
        # The re-attach is told by the task having begun before the re-run sent its POST.
        wait_until(lambda task=task_id: served.call(fake.task_status, task) != "queued")

    again = oec("deploy", *env_ids, "--batch-id", "rel-42")

    assert first.exit_code == again.exit_code == 0, again.output
    for index in (1, 2):
        assert f"env-00{index} succeeded in " in again.stdout
    assert again.stdout.count("(re-attached, batch rel-42)") == 2
    assert again.stdout.rstrip().endswith("· 2 re-attached (batch rel-42)")


def test_json_events_name_the_environments_given_by_id(oec: Oec, fake: FakeOEC) -> None:
    result = oec("--json", "deploy", *fake.environment_ids[:2])

    lines = events(result.stdout)
    assert {e["name"] for e in lines if e["event"] in ("started", "finished")} == {
        "env-001",
        "env-002",
    }
    assert lines[0] == {
        "event": "run_started",
        "action": "deploy",
        "environments": 2,
        "batch_id": None,
    }


def test_report_writes_the_runs_html_page(oec: Oec, fake: FakeOEC, tmp_path: Path) -> None:
    page = tmp_path / "run.html"

    result = oec("deploy", *fake.environment_ids[:2], "--report", str(page))

    assert result.exit_code == 0, result.output
    assert result.stderr == f"report: {page.resolve()}\n"
    text = page.read_text(encoding="utf-8")
    assert ">env-001</text>" in text
    assert ">env-002</text>" in text


def test_report_needs_wait(oec: Oec, fake: FakeOEC, tmp_path: Path) -> None:
    result = oec("deploy", fake.environment_ids[0], "--no-wait", "--report", str(tmp_path / "r"))

    assert result.exit_code == 2
    assert "--report needs --wait" in result.stderr
    assert fake.environment_ids[0] not in fake.tasks


def test_a_429_is_one_line_and_one_count(oec: Oec, served: ThreadedFake, fake: FakeOEC) -> None:
    served.call(
        fake.fail_next,
        "POST",
        "/environments/{id}/deploy",
        status=429,
        headers={"Retry-After": "1"},
    )

    result = oec("deploy", *fake.environment_ids[:2])

    assert result.exit_code == 0, result.output
    [line] = [line for line in result.stdout.splitlines() if "429" in line]
    assert re.search(
        r" 429 from the server on POST /environments/[0-9a-f-]+/deploy: write requests paused "
        r"for \d\.\ds, then retry 1$",
        line,
    ), line
    assert "retry 1 of" not in result.stdout
