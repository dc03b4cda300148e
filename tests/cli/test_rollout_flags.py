"""`oec deploy ... --waves ... --plan`: rollouts from the command line."""

from __future__ import annotations

import json

from cli_support import Oec, ThreadedFake

from oec_async.testing import FakeOEC


def events(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_plan_prints_the_waves_and_sends_no_write(oec: Oec, fake: FakeOEC) -> None:
    result = oec("deploy", *fake.environment_ids, "--waves", "1,50%,100%", "--plan")

    assert result.exit_code == 0, result.output
    assert "canary: 1 environment(s)" in result.stdout
    assert "wave 2:" in result.stdout
    assert "5 write(s)" in result.stdout
    assert all(r.method == "GET" for r in fake.requests)


def test_a_rollout_reports_each_wave_and_halts_on_a_failing_canary(
    oec: Oec, served: ThreadedFake, fake: FakeOEC
) -> None:
    canary = fake.environment_ids[0]
    served.call(fake.script, canary, "failed")

    result = oec("--json", "deploy", *fake.environment_ids, "--waves", "1,100%")

    assert result.exit_code == 1
    lines = events(result.stdout)
    kinds = [e["event"] for e in lines]
    assert kinds.count("wave_started") == 1
    assert "halted" in kinds
    halted = next(e for e in lines if e["event"] == "halted")
    assert halted["wave"] == 0
    assert sum(1 for r in fake.requests if r.method == "POST") == 1


def test_waves_show_as_lines(oec: Oec, fake: FakeOEC) -> None:
    result = oec("restart", *fake.environment_ids, "--waves", "2", "--bake", "0.05")

    assert result.exit_code == 0, result.output
    assert "canary" not in result.stdout
    assert "wave 1 (1 of 3): 2 environment(s)" in result.stdout
    assert "wave 1: every environment finished; baking " in result.stdout
    assert "wave 3 done: 1 succeeded, baked" in result.stdout


def test_pausing_between_waves_off_a_terminal_needs_yes(oec: Oec, fake: FakeOEC) -> None:
    refused = oec("deploy", *fake.environment_ids, "--waves", "1,100%", "--pause-between-waves")
    assert refused.exit_code == 2
    assert "--yes" in refused.output
    assert fake.requests == []

    agreed = oec(
        "deploy", *fake.environment_ids, "--waves", "1,100%", "--pause-between-waves", "--yes"
    )
    assert agreed.exit_code == 0, agreed.output
    assert "wave 2 of 2: 4 environments. Continue? yes (--yes)" in agreed.stdout


def test_rollout_options_need_waves(oec: Oec, fake: FakeOEC) -> None:
    result = oec("deploy", *fake.environment_ids, "--bake", "10")

    assert result.exit_code == 2
    assert "--bake needs --waves" in result.output


def test_a_bad_wave_size_is_refused(oec: Oec, fake: FakeOEC) -> None:
    result = oec("deploy", *fake.environment_ids, "--waves", "1,ten")

    assert result.exit_code == 2
    assert "'ten' is neither a number nor a percentage" in result.output
