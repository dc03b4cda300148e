"""The central poller's pure timing rules: when to poll a task, when to sweep, what a sweep means."""

from __future__ import annotations

import math
from uuid import uuid4

import pytest

from oec_async import Deployment, EnvironmentStatus, PollPolicy, TaskStatus
from oec_async.fleet._schedule import (
    SAFETY_NET_INTERVALS,
    DurationEstimator,
    observed_duration,
    sweep_interval,
    task_poll_due,
)
from oec_async.fleet._watch import Watch

POLICY = PollPolicy(initial_interval=1.0, multiplier=2.0, max_interval=10.0, jitter=0.0)


def watch(registered_at: float = 100.0) -> Watch:
    return Watch(uuid4(), uuid4(), project_id=None, action="deploy", registered_at=registered_at)


def polled(w: Watch, at: float, *, progress: float | None, status: TaskStatus) -> Watch:
    w.polls += 1
    w.last_poll_at = at
    w.last = Deployment(id=w.task_id, status=status, progress_percent=progress)
    return w


def test_the_estimate_is_the_median_of_recent_durations() -> None:
    estimator = DurationEstimator(keep=3)
    for seconds in (1.0, 9.0, 2.0, 3.0):  # the first one falls out
        estimator.add(seconds)
    assert estimator.estimate == 3.0
    assert len(estimator) == 3


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    estimator = DurationEstimator()
    for seconds in (4.0, 1.0, 10.0, 2.0):
        estimator.add(seconds)
    assert estimator.estimate == 3.0


def test_there_is_no_estimate_before_a_task_ended() -> None:
    assert DurationEstimator().estimate is None


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_the_estimator_ignores_impossible_durations(bad: float) -> None:
    estimator = DurationEstimator()
    estimator.add(bad)
    assert estimator.estimate is None


def test_an_observed_duration_takes_the_middle_of_the_uncertain_interval() -> None:
    w = watch(registered_at=100.0)
    w.last_active_at = 104.0
    assert observed_duration(w, detected_at=106.0) == 5.0


def test_an_observed_duration_without_an_active_sighting_is_the_detection_time() -> None:
    assert observed_duration(watch(registered_at=100.0), detected_at=103.0) == 3.0


def test_the_first_poll_comes_after_the_initial_interval_when_nothing_is_known() -> None:
    assert task_poll_due(watch(), estimate=None, policy=POLICY) == 101.0


def test_the_first_poll_comes_when_tasks_of_this_run_usually_end() -> None:
    assert task_poll_due(watch(), estimate=42.0, policy=POLICY) == 142.0


def test_a_swept_task_waits_for_a_sweep_to_show_it_before_its_first_poll() -> None:
    w = watch()
    w.swept_since = 103.0
    assert task_poll_due(w, estimate=None, policy=POLICY, sweep_every=6.0) == 115.0
    assert task_poll_due(w, estimate=None, policy=POLICY, sweep_every=1.0) == 113.0


def test_a_swept_task_whose_status_tells_nothing_is_polled_as_usual() -> None:
    w = watch()
    w.env_status = EnvironmentStatus.RUNNING  # settled from the first sweep on
    assert task_poll_due(w, estimate=None, policy=POLICY, sweep_every=6.0) == 101.0


def test_a_hinted_task_is_due_at_once() -> None:
    w = watch()
    w.hinted = True
    assert task_poll_due(w, estimate=50.0, policy=POLICY) == -math.inf


def test_polls_back_off_without_progress_information() -> None:
    w = polled(watch(), 101.0, progress=None, status=TaskStatus.QUEUED)
    assert task_poll_due(w, estimate=None, policy=POLICY) == 102.0
    polled(w, 102.0, progress=None, status=TaskStatus.QUEUED)
    assert task_poll_due(w, estimate=None, policy=POLICY) == 104.0


def test_progress_predicts_the_end_of_a_running_task() -> None:
    # 40% done after 4 s: 6 s to go.
    w = polled(watch(), 104.0, progress=40.0, status=TaskStatus.RUNNING)
    assert task_poll_due(w, estimate=None, policy=POLICY) == pytest.approx(110.0)


def test_no_task_is_polled_more_often_than_half_the_initial_interval() -> None:
    w = polled(watch(), 110.0, progress=99.9, status=TaskStatus.RUNNING)
    assert task_poll_due(w, estimate=None, policy=POLICY) == 110.5


def test_no_wait_exceeds_the_max_interval() -> None:
    w = polled(watch(), 101.0, progress=0.1, status=TaskStatus.RUNNING)
    assert task_poll_due(w, estimate=None, policy=POLICY) == 111.0


def test_a_poll_before_the_expected_end_is_followed_by_one_at_the_expected_end() -> None:
    w = polled(watch(), 101.0, progress=None, status=TaskStatus.QUEUED)
    w.polls = 5  # the backoff alone would wait max_interval
    assert task_poll_due(w, estimate=4.0, policy=POLICY) == 104.0


def test_failed_polls_back_off() -> None:
    w = watch()
    w.last_poll_at = 101.0
    w.failures = 3
    assert task_poll_due(w, estimate=None, policy=POLICY) == 105.0


def test_a_task_sweeps_follow_is_polled_only_as_a_rare_safety_net() -> None:
    w = watch()
    w.tracked = True
    first = task_poll_due(w, estimate=None, policy=POLICY, sweep_every=0.5)
    assert first == 100.0 + SAFETY_NET_INTERVALS * 10.0
    assert task_poll_due(w, estimate=5.0, policy=POLICY, sweep_every=0.5) == 110.0
    w.polls, w.last_poll_at = 1, first
    later = task_poll_due(w, estimate=None, policy=POLICY, sweep_every=0.5)
    assert later == first + 2 * SAFETY_NET_INTERVALS * 10.0


def test_tracking_counts_only_while_the_project_is_swept() -> None:
    w = watch()
    w.tracked = True
    assert task_poll_due(w, estimate=None, policy=POLICY, sweep_every=None) == 101.0


def test_sweeps_start_at_the_initial_interval() -> None:
    assert sweep_interval(None, POLICY, read_limit=None, read_window=None) == 1.0


def test_sweeps_come_every_twentieth_of_a_task() -> None:
    assert sweep_interval(100.0, POLICY, read_limit=None, read_window=None) == 5.0


def test_sweeps_stay_within_the_poll_policy() -> None:
    assert sweep_interval(1.0, POLICY, read_limit=None, read_window=None) == 1.0
    assert sweep_interval(10_000.0, POLICY, read_limit=None, read_window=None) == 10.0


def test_sweeps_use_at_most_a_quarter_of_the_read_budget() -> None:
    # 12 reads a minute: a quarter is 3, one sweep every 20 s at most.
    assert sweep_interval(None, POLICY, read_limit=12, read_window=60.0) == 20.0


def test_a_transitional_status_tracks_the_task() -> None:
    w = watch()
    assert w.see_environment_status(EnvironmentStatus.DEPLOYING, sent_at=101.0) is False
    assert w.tracked
    assert w.last_active_at == 101.0


def test_settled_after_deploying_means_the_task_may_be_over() -> None:
    w = watch()
    w.see_environment_status(EnvironmentStatus.DEPLOYING, sent_at=101.0)
    assert w.see_environment_status(EnvironmentStatus.RUNNING, sent_at=102.0) is True


def test_an_unchanged_settled_status_says_nothing() -> None:
    w = watch()
    assert w.see_environment_status(EnvironmentStatus.RUNNING, sent_at=101.0) is False
    assert w.see_environment_status(EnvironmentStatus.RUNNING, sent_at=102.0) is False
    assert not w.tracked


def test_a_changed_settled_status_means_the_task_may_be_over() -> None:
    # A stop never shows a transitional status: running turns into stopped.
    w = watch()
    w.see_environment_status(EnvironmentStatus.RUNNING, sent_at=101.0)
    assert w.see_environment_status(EnvironmentStatus.STOPPED, sent_at=102.0) is True


def test_a_sweep_sent_before_the_task_began_says_nothing() -> None:
    w = watch(registered_at=100.0)
    assert w.see_environment_status(EnvironmentStatus.DEPLOYING, sent_at=99.0) is False
    assert not w.tracked
    assert w.env_status is None


def test_an_unknown_status_counts_as_transitional() -> None:
    w = watch()
    w.see_environment_status(EnvironmentStatus("rebuilding"), sent_at=101.0)
    assert w.tracked


def test_before_any_task_ended_sweeps_slow_down_as_the_wait_grows() -> None:
    assert sweep_interval(None, POLICY, read_limit=None, read_window=None, age=5.0) == 1.0
    assert sweep_interval(None, POLICY, read_limit=None, read_window=None, age=60.0) == 3.0
    assert sweep_interval(30.0, POLICY, read_limit=None, read_window=None, age=600.0) == 1.5


def test_relaxed_sweeps_come_every_half_task() -> None:
    assert sweep_interval(20.0, POLICY, read_limit=None, read_window=None, relaxed=True) == 10.0


def test_relaxed_sweeps_stay_within_three_max_intervals() -> None:
    relaxed = sweep_interval(600.0, POLICY, read_limit=None, read_window=None, relaxed=True)
    assert relaxed == 30.0


def test_relaxed_sweeps_still_respect_the_read_budget() -> None:
    relaxed = sweep_interval(1.0, POLICY, read_limit=12, read_window=60.0, relaxed=True)
    assert relaxed == 20.0


def test_the_estimator_knows_the_shortest_duration() -> None:
    estimator = DurationEstimator()
    assert estimator.shortest is None
    for seconds in (3.0, 1.5, 2.0):
        estimator.add(seconds)
    assert estimator.shortest == 1.5
