"""The output modes on their own: a terminal gets live progress, anything else plain lines."""

from __future__ import annotations

import io
import json

from cli_support import CONTROL_SEQUENCE, ENVS, TASKS, TIMESTAMP, Terminal

from oec_async import Deployment, TaskStatus
from oec_async.cli._fleet_report import exit_code_of
from oec_async.cli._fleet_view import FleetView
from oec_async.cli._output import Output
from oec_async.fleet import (
    FleetActionStarted,
    FleetEnvironmentFinished,
    FleetOutcome,
    FleetRateLimitWait,
    FleetReport,
    FleetRetry,
    OutcomeKind,
)


def outcomes() -> list[FleetOutcome]:
    done = Deployment(id=TASKS[0], status=TaskStatus.COMPLETED, duration_seconds=3.2)
    failed = Deployment(
        id=TASKS[1], status=TaskStatus.FAILED, duration_seconds=2.0, error_message="Disk full."
    )
    return [
        FleetOutcome(environment_id=ENVS[0], kind=OutcomeKind.SUCCEEDED, index=0, deployment=done),
        FleetOutcome(environment_id=ENVS[1], kind=OutcomeKind.FAILED, index=1, deployment=failed),
        FleetOutcome(environment_id=ENVS[2], kind=OutcomeKind.NOT_STARTED, index=2),
    ]


def play(view: FleetView) -> FleetReport:
    with view:
        for env, task in zip(ENVS[:2], TASKS, strict=False):
            view(FleetActionStarted(environment_id=env, task_id=task))
        view(FleetRateLimitWait(environment_id=ENVS[2], bucket="write", delay=1.5, reason="budget"))
        view(
            FleetRetry(
                environment_id=None, method="GET", path="/x", attempt=1, delay=0.5, reason="503"
            )
        )
        for outcome in outcomes():
            view(FleetEnvironmentFinished(outcome=outcome))
    report = FleetReport(action="deploy", outcomes=tuple(outcomes()), elapsed=4.0)
    view.summary(report)
    return report


def test_plain_output_is_timestamped_lines_without_control_sequences() -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    out = Output(json_mode=False, stdout=stdout, stderr=stderr)

    play(FleetView(out, "deploy", ENVS, names={ENVS[0]: "shop"}))

    text = stdout.getvalue()
    assert not CONTROL_SEQUENCE.search(text)
    progress = text.split("\n\n")[0].splitlines()
    assert all(TIMESTAMP.match(line) for line in progress)
    assert progress[0].endswith(f"shop started task {TASKS[0]}")
    assert progress[2].endswith("rate budget: writes paced, next slot in 1.5s")
    assert progress[3].endswith("retry 1 of GET /x in 0.5s: 503")
    assert progress[4].endswith("[1/3] shop succeeded in 3.2s")
    assert progress[5].endswith(f"[2/3] {ENVS[1]} failed in 2.0s: Disk full.")
    assert len(progress) == 6  # not_started has no line of its own: the summary lists it
    assert f"{ENVS[2]}  not_started  -" in text
    assert text.endswith("deploy: 1 succeeded, 1 failed, 1 not_started in 4.0s\n")


def test_a_terminal_gets_a_live_bar_and_the_status_line() -> None:
    stdout = Terminal()
    out = Output(json_mode=False, stdout=stdout)

    play(FleetView(out, "deploy", ENVS))

    text = stdout.getvalue()
    assert "\x1b[" in text  # colour and cursor movement
    assert "2/3" in text  # the environment never started is not counted as done
    assert "429s: 0 · retries: 1" in text
    assert "[2/3]" in text


def test_json_output_is_one_event_per_line_then_the_summary() -> None:
    stdout = io.StringIO()

    play(FleetView(Output(json_mode=True, stdout=stdout), "deploy", ENVS))

    events = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert [e["event"] for e in events] == [
        "started",
        "started",
        "rate_limit_wait",
        "retry",
        "finished",
        "finished",
        "finished",
        "summary",
    ]
    assert events[5]["error"] == "Disk full."
    assert events[-1]["counts"]["not_started"] == 1


def test_one_environment_on_a_terminal_shows_its_task_bar() -> None:
    stdout = Terminal()
    view = FleetView(Output(json_mode=False, stdout=stdout), "restart", ENVS[:1])

    with view:
        view(FleetActionStarted(environment_id=ENVS[0], task_id=TASKS[0]))
        view(FleetEnvironmentFinished(outcome=outcomes()[0]))

    assert f"restart {ENVS[0]}: completed in 3.2s" in stdout.getvalue()


def test_exit_code_of_a_report() -> None:
    ok = FleetReport(action="deploy", outcomes=tuple(outcomes()[:1]))
    failed = FleetReport(action="deploy", outcomes=tuple(outcomes()))
    timed_out = FleetReport(action="deploy", outcomes=tuple(outcomes()), timed_out=True)

    assert (exit_code_of(ok), exit_code_of(failed), exit_code_of(timed_out)) == (0, 1, 4)


def test_the_cli_package_is_the_only_one_importing_click_or_rich() -> None:
    import pathlib

    import oec_async

    root = pathlib.Path(oec_async.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.parent.name != "cli"
        and any(
            line.startswith(("import click", "from click", "import rich", "from rich"))
            for line in path.read_text().splitlines()
        )
    ]
    assert offenders == []
