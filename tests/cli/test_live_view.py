"""The live view tells the truth: ETA within the budget, Ctrl-C, 429 lines, names, JSON times."""

from __future__ import annotations

import io
import json
import re

import pytest
from cli_support import ENVS, TASKS, Terminal

from oec_async.cli._eta import budget_seconds, eta_seconds
from oec_async.cli._fleet_view import FleetView
from oec_async.cli._output import Output
from oec_async.cli._started import StartedTasks
from oec_async.fleet import (
    FleetActionStarted,
    FleetEnvironmentFinished,
    FleetOutcome,
    FleetRateLimitWait,
    FleetReport,
    FleetRetry,
    OutcomeKind,
)


class SpentBudget:
    """A write budget of 20 per 60 s window whose next slot opens in ``wait`` seconds."""

    def __init__(self, wait: float = 40.0, paused: float = 0.0) -> None:
        self.wait = wait
        self.paused = paused

    def delay_for(self, bucket: str, slots: int = 1) -> float:
        return self.wait

    def bucket_limit(self, bucket: str) -> int:
        return 20

    def bucket_window(self, bucket: str) -> float:
        return 60.0

    def paused_for(self, bucket: str) -> float:
        return self.paused


def succeeded(index: int, elapsed: float = 1.0) -> FleetOutcome:
    return FleetOutcome(
        environment_id=ENVS[index], kind=OutcomeKind.SUCCEEDED, index=index, elapsed=elapsed
    )


# -- ETA ------------------------------------------------------------------------------------
def test_eta_is_the_pace_so_far_when_the_budget_is_free() -> None:
    eta = eta_seconds(elapsed=10.0, done=10, total=30, unsent=0, budget_wait=0.0, task_seconds=2.0)

    assert eta == 20.0


def test_eta_is_never_shorter_than_the_wait_for_the_budget() -> None:
    eta = eta_seconds(elapsed=1.0, done=10, total=60, unsent=40, budget_wait=40.7, task_seconds=2.0)

    assert eta == pytest.approx(42.7)  # the pace alone said 5 s


def test_eta_does_not_trust_the_pace_of_a_few_early_refusals() -> None:
    # 1 of 60 refused at once after 1 s: the pace says 59 s, the budget and tasks say 8 s.
    eta = eta_seconds(elapsed=1.0, done=1, total=60, unsent=20, budget_wait=6.0, task_seconds=2.0)

    assert eta == 8.0


def test_budget_seconds_adds_a_window_per_further_windowful_of_sends() -> None:
    # 45 unsent: the first 20 in 40 s, then two more windows for the other 25.
    assert budget_seconds(SpentBudget(wait=40.0), 45) == 40.0 + 2 * 60.0
    assert budget_seconds(SpentBudget(wait=40.0), 0) == 0.0


def test_the_view_eta_includes_the_budget_wait_for_environments_not_yet_sent() -> None:
    view = FleetView(Output(json_mode=False, stdout=io.StringIO()), "deploy", ENVS)
    view.tally.budget = SpentBudget(wait=40.0)
    view(FleetActionStarted(environment_id=ENVS[0], task_id=TASKS[0]))
    view(FleetEnvironmentFinished(outcome=succeeded(0)))

    eta = view.tally.eta()

    assert eta is not None
    assert eta >= 40.0


# -- Ctrl-C ---------------------------------------------------------------------------------
def interrupted_run(view: FleetView) -> None:
    """Three started, one finished, then Ctrl-C: the run ends the others ``cancelled``."""
    with view:
        for env, task in zip(ENVS, TASKS, strict=True):
            view(FleetActionStarted(environment_id=env, task_id=task))
        view(FleetEnvironmentFinished(outcome=succeeded(0)))
        for index in (1, 2):
            cancelled = FleetOutcome(
                environment_id=ENVS[index], kind=OutcomeKind.CANCELLED, index=index, started=True
            )
            view(FleetEnvironmentFinished(outcome=cancelled))
        raise KeyboardInterrupt


def test_after_ctrl_c_the_bar_keeps_its_count_and_nothing_is_in_flight() -> None:
    stdout = Terminal()
    view = FleetView(Output(json_mode=False, stdout=stdout), "deploy", ENVS)

    with pytest.raises(KeyboardInterrupt):
        interrupted_run(view)

    text = stdout.getvalue()
    assert re.findall(r"(\d+)/3", text)[-1] == "1"
    assert re.findall(r"(\d+) in flight", text)[-1] == "0"


def test_the_interrupt_message_lists_only_tasks_still_running_and_how_to_resume() -> None:
    stderr = io.StringIO()
    started = StartedTasks(Output(json_mode=False, stdout=io.StringIO(), stderr=stderr), "deploy")
    started.add(ENVS[0], TASKS[0])
    started.add(ENVS[1], TASKS[1])
    started.finish(ENVS[0])

    started.report(batch_id="rel-42")

    lines = stderr.getvalue().splitlines()
    assert lines == [
        "interrupted: a deploy had been sent to 2 environment(s); "
        "1 still running go on on the server:",
        f"  {ENVS[1]}  task {TASKS[1]}  still running",
        "re-run with --batch-id rel-42 to resume",
    ]


def test_the_interrupt_message_says_when_every_task_had_finished() -> None:
    stderr = io.StringIO()
    started = StartedTasks(Output(json_mode=False, stdout=io.StringIO(), stderr=stderr), "deploy")
    started.add(ENVS[0], TASKS[0])
    started.finish(ENVS[0])

    started.report()

    assert stderr.getvalue() == (
        "interrupted: a deploy had been sent to 1 environment(s); every one of them had finished\n"
    )


# -- 429s -----------------------------------------------------------------------------------
def test_one_line_per_429_and_the_counters_agree() -> None:
    stdout = io.StringIO()
    view = FleetView(Output(json_mode=False, stdout=stdout), "deploy", ENVS)
    view.tally.budget = SpentBudget(paused=16.0)

    with view:
        view(
            FleetRetry(
                environment_id=ENVS[0],
                method="POST",
                path="/environments/x/deploy",
                attempt=1,
                delay=0.0,
                reason="429 rate_limit_exceeded",
            )
        )
        for env in ENVS:  # every request of the bucket waits out the pause
            view(FleetRateLimitWait(environment_id=env, bucket="write", delay=16.0, reason="429"))

    lines = stdout.getvalue().splitlines()
    assert [line for line in lines if "429" in line] == [
        lines[0],
    ]
    assert lines[0].endswith(
        "429 from the server on POST /environments/x/deploy: write requests paused for 16.0s, "
        "then retry 1"
    )
    assert view.tally.status_line().plain.endswith("429s: 1 · retries: 1")


# -- names and JSON -------------------------------------------------------------------------
def test_json_events_carry_names_and_times_in_milliseconds() -> None:
    stdout = io.StringIO()
    view = FleetView(Output(json_mode=True, stdout=stdout), "deploy", ENVS, names={ENVS[0]: "shop"})

    view(FleetActionStarted(environment_id=ENVS[0], task_id=TASKS[0], elapsed=0.123456))
    view(FleetRateLimitWait(environment_id=ENVS[0], bucket="write", delay=1.98765, reason="budget"))
    view(FleetEnvironmentFinished(outcome=succeeded(0, elapsed=2.0004999)))

    started, wait, finished = (json.loads(line) for line in stdout.getvalue().splitlines())
    assert (started["name"], started["elapsed"]) == ("shop", 0.123)
    assert wait["delay"] == 1.988
    assert (finished["name"], finished["elapsed"]) == ("shop", 2.0)


def test_the_summary_of_a_timed_out_wait_says_the_tasks_go_on() -> None:
    stdout = io.StringIO()
    view = FleetView(Output(json_mode=False, stdout=stdout), "deploy", ENVS[:1])
    timed_out = FleetOutcome(
        environment_id=ENVS[0], kind=OutcomeKind.CANCELLED, index=0, started=True, elapsed=0.5
    )

    view.summary(FleetReport(action="deploy", outcomes=(timed_out,), elapsed=0.5, timed_out=True))

    text = stdout.getvalue()
    assert text == (
        "deploy: 1 timed out in 0.5s · the wait timed out; its task goes on on the server\n"
    )
    assert "cancelled" not in text


# -- rollout waves --------------------------------------------------------------------------
def test_the_status_line_names_the_wave_and_counts_its_bake_down() -> None:
    from oec_async.cli._rollouts import WaveLines
    from oec_async.fleet import WaveBaking, WaveStarted

    now = [100.0]
    view = FleetView(Output(json_mode=False, stdout=io.StringIO()), "deploy", ENVS)
    view.tally.clock = lambda: now[0]
    hook = WaveLines(view.out, view, view.label, tally=view.tally)

    hook(WaveStarted(wave=1, name="wave 2", waves=3, environment_ids=tuple(ENVS[1:])))
    assert "wave 2 (2 of 3)" in view.tally.status_line().plain
    hook(WaveBaking(wave=1, name="wave 2", seconds=30.0))
    now[0] += 12.0
    assert "wave 2 (2 of 3) baking: 18s left" in view.tally.status_line().plain
