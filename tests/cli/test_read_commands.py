"""`oec environments ...` and `oec deployments ...` against the fake server."""

from __future__ import annotations

import json

from cli_support import CONTROL_SEQUENCE, Oec, ThreadedFake

from oec_async.testing import FakeOEC

MISSING = "00000000-0000-4000-8000-000000000000"


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_environments_list_prints_a_table_of_the_project(oec: Oec, fake: FakeOEC) -> None:
    result = oec("environments", "list", "--project", fake.project_id)

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "STATUS", "BRANCH", "ODOO", "URL"]
    assert [line.split()[0] for line in lines[1:]] == fake.environment_ids
    assert not CONTROL_SEQUENCE.search(result.stdout)


def test_environments_list_json_is_one_object_per_line(oec: Oec, fake: FakeOEC) -> None:
    result = oec("--json", "environments", "list", "--project", fake.project_id)

    assert result.exit_code == 0
    assert [obj["id"] for obj in json_lines(result.stdout)] == fake.environment_ids


def test_environments_list_filters_by_status(oec: Oec, fake: FakeOEC) -> None:
    result = oec("environments", "list", "--project", fake.project_id, "--status", "stopped")

    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == []


def test_environments_get_shows_every_field_and_json_after_the_command(
    oec: Oec, fake: FakeOEC
) -> None:
    env_id = fake.environment_ids[0]
    human = oec("environments", "get", env_id)
    machine = oec("environments", "get", env_id, "--json")

    assert human.exit_code == machine.exit_code == 0
    assert human.stdout.splitlines()[0].split() == ["id", env_id]
    assert "status           running" in human.stdout
    assert json.loads(machine.stdout)["name"] == "env-001"


def test_environments_status_reports_health_and_last_deploy(oec: Oec, fake: FakeOEC) -> None:
    result = oec("environments", "status", fake.environment_ids[0], "--json")

    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["container_running"] is True
    assert report["last_deploy"]["status"] == "completed"


def test_deployments_list_limits_and_says_there_is_more(oec: Oec, fake: FakeOEC) -> None:
    result = oec("deployments", "list", fake.environment_ids[0], "--limit", "2")

    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 3  # header + 2
    assert "showing the newest 2 of 3" in result.stderr


def test_deployments_list_all_follows_every_page(oec: Oec, fake: FakeOEC) -> None:
    result = oec("--json", "deployments", "list", fake.environment_ids[0], "--all")

    assert result.exit_code == 0
    tasks = json_lines(result.stdout)
    assert len(tasks) == 3
    assert {task["environment_id"] for task in tasks} == {fake.environment_ids[0]}


def test_deployments_get_and_wait_on_a_task(oec: Oec, fake: FakeOEC) -> None:
    listed = json_lines(oec("--json", "deployments", "list", fake.environment_ids[0]).stdout)
    task_id = str(listed[0]["id"])

    got = oec("deployments", "get", task_id, "--json")
    waited = oec("deployments", "wait", task_id)

    assert json.loads(got.stdout)["id"] == task_id
    assert waited.exit_code == 0
    assert "completed in" in waited.stdout


def test_non_uuid_id_is_a_usage_error(oec: Oec) -> None:
    result = oec("environments", "get", "env-001")

    assert result.exit_code == 2
    assert "'env-001' is not a valid UUID" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_environment_prints_one_line_with_status_and_code(oec: Oec) -> None:
    result = oec("environments", "get", MISSING)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: GET /environments/{MISSING} -> 404 not_found: Environment not found."
    ]


def test_unknown_key_exits_3_without_printing_the_key(oec: Oec, fake: FakeOEC) -> None:
    bad_key = "oec_live_rw_" + "x" * 43
    result = oec("environments", "get", fake.environment_ids[0], key=bad_key)

    assert result.exit_code == 3
    assert "401 invalid_key" in result.stderr
    assert bad_key not in result.output


def test_missing_key_exits_3(oec: Oec, fake: FakeOEC) -> None:
    result = oec("environments", "get", fake.environment_ids[0], OEC_API_KEY="")

    assert result.exit_code == 3
    assert result.stderr == "error: no API key: set OEC_API_KEY (or pass --api-key)\n"


def test_api_key_flag_works_and_warns_about_shell_history(oec: Oec, fake: FakeOEC) -> None:
    result = oec(
        "environments",
        "get",
        fake.environment_ids[0],
        "--api-key",
        fake.full_access_key,
        OEC_API_KEY="",
    )

    assert result.exit_code == 0
    assert "may end up in your shell history" in result.stderr
    assert fake.full_access_key not in result.output


def test_insecure_base_url_is_a_usage_error(oec: Oec, fake: FakeOEC) -> None:
    result = oec(
        "environments", "get", fake.environment_ids[0], "--base-url", "http://api.example.com"
    )

    assert result.exit_code == 2
    assert "plain http" in result.stderr


def test_wait_timeout_exits_4(oec: Oec, served: ThreadedFake, fake: FakeOEC) -> None:
    env_id = fake.environment_ids[1]
    served.call(fake.set_environment_behaviour, env_id, duration=30.0)
    started = oec("--json", "deploy", env_id, "--no-wait")
    task_id = json.loads(started.stdout.splitlines()[-1])["task_id"]

    result = oec("deployments", "wait", task_id, "--timeout", "0.3")

    assert result.exit_code == 4
    assert f"task {task_id} not finished after 0.3s" in result.stderr


def test_debug_shows_the_traceback(oec: Oec) -> None:
    result = oec("--debug", "environments", "get", MISSING)

    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert "NotFoundError" in result.stderr


def test_deployments_list_limit_across_pages_says_nothing_when_all_are_shown(
    oec: Oec, fake: FakeOEC
) -> None:
    env_id = fake.environment_ids[0]

    exact = oec("deployments", "list", env_id, "--limit", "3")
    more = oec("--json", "deployments", "list", env_id, "--limit", "1")

    assert len(exact.stdout.splitlines()) == 4
    assert exact.stderr == ""
    assert len(more.stdout.splitlines()) == 1
