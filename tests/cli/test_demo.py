"""`oec demo`: a fleet deploy on the bundled fake server, time-compressed for the tests."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import CONTROL_SEQUENCE
from click.testing import CliRunner

from oec_async.cli import cli

FAST = {"OEC_DEMO_TIME_SCALE": "0.1"}


def test_demo_deploys_every_environment_and_prints_a_summary() -> None:
    result = CliRunner().invoke(
        cli, ["demo", "--environments", "10", "--failure-rate", "0", "--seed", "3"], env=FAST
    )

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Fake OEC server on 127.0.0.1: 10 environments" in out
    assert out.count(" succeeded") >= 10  # one line per environment, then the summary
    assert "deploy: 10 succeeded in " in out
    assert "0 rate-limited (429)" in out
    assert not CONTROL_SEQUENCE.search(result.output)


def test_demo_json_reports_failures_and_exits_1() -> None:
    result = CliRunner().invoke(
        cli,
        # --fail-rate: the old name of --failure-rate still works
        ["demo", "--environments", "10", "--fail-rate", "1", "--json", "--max-parallel", "4"],
        env=FAST,
    )

    assert result.exit_code == 1
    events = [json.loads(line) for line in result.stdout.splitlines()]
    finished = [e for e in events if e["event"] == "finished"]
    assert len(finished) == 10
    assert len({e["environment_id"] for e in finished}) == 10
    assert all(e["kind"] == "failed" and e["error"] for e in finished)
    [summary] = [e for e in events if e["event"] == "summary"]
    assert summary["counts"]["failed"] == 10
    assert summary["ok"] is False
    assert summary["rate_limited"] == 0
    assert summary["writes"] == 10  # one POST each; the two busy ones answer 409 and are attached


def test_demo_paces_writes_to_the_budget_without_429s() -> None:
    # Every deploy may start at once (45 > 20 writes a window), so the write budget must run dry
    # whatever the machine's speed (with the default max_parallel, a slow run could spread the
    # deploys over enough windows never to wait). At time scale 0.1 the window is 0.2 s, and a
    # loaded machine in asyncio debug mode sends fewer than 20 POSTs in that: 0.5 gives it 1 s.
    result = CliRunner().invoke(
        cli,
        ["demo", "--environments", "45", "--fail-rate", "0", "--json", "--max-parallel", "45"],
        env={"OEC_DEMO_TIME_SCALE": "0.5"},
    )

    events = [json.loads(line) for line in result.stdout.splitlines()]
    [summary] = [e for e in events if e["event"] == "summary"]
    assert summary["rate_limited"] == 0
    assert any(e["event"] == "rate_limit_wait" and e["bucket"] == "write" for e in events)
    assert sum(e["event"] == "finished" for e in events) == 45
    assert result.exit_code == (0 if summary["ok"] else 1)


def test_demo_waves_passes_the_canary_and_halts_the_second_wave() -> None:
    result = CliRunner().invoke(
        cli, ["demo", "--waves", "--environments", "30", "--seed", "5"], env=FAST
    )

    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "canary done: 1 succeeded" in out
    assert "healthy" in out
    assert "rollout halted in wave 2" in out
    assert "unhealthy: http_ok is false" in out
    assert "wave 3 (" not in out


def test_demo_help_shows_only_the_failure_rate_spelling() -> None:
    result = CliRunner().invoke(cli, ["demo", "--help"])

    assert "--failure-rate" in result.stdout
    assert "--fail-rate" not in result.stdout


def test_demo_writes_a_picture_of_the_run_and_prints_its_path(tmp_path: Path) -> None:
    page = tmp_path / "demo.html"

    result = CliRunner().invoke(
        cli,
        ["demo", "--environments", "5", "--fail-rate", "0", "--report", str(page)],
        env=FAST,
    )

    assert result.stdout.rstrip().endswith(f"A picture of this run: {page.resolve()}")
    text = page.read_text(encoding="utf-8")
    assert text.count('<g class="row"') == 5
