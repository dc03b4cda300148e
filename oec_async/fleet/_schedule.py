"""Pure timing rules of the central poller: when to poll a task, when to sweep a project.

Nothing here sends a request or reads a clock: every rule is a function of what has been seen,
so it is tested with plain values.

The model: a project sweep (``GET /projects/{id}/environments``) is one read that shows every
environment's status. While an environment is ``deploying`` its task is active; once a sweep
shows it settled again, one task poll confirms the end and fetches the terminal Deployment.
Tasks no sweep covers are polled on their own, timed by how long tasks of the same action have
taken so far in this run and by the progress the last poll showed.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Final

from .._config import PollPolicy
from .._enums import TaskStatus
from ._watch import MAX_POLL_FAILURES, Watch

__all__ = [
    "MAX_POLL_FAILURES",
    "RELAXED_MAX_INTERVALS",
    "RELAXED_SWEEP_FRACTION",
    "SWEEP_MIN_WATCHES",
    "DurationEstimator",
    "observed_duration",
    "sweep_interval",
    "task_poll_due",
]

SWEEP_MIN_WATCHES: Final = 4
"""A project is swept while it holds at least this many followed tasks (else tasks are polled)."""
SWEEP_FRACTION: Final = 0.05
"""A sweep every 5% of the expected task duration: the end of a task is seen that late at most."""
RELAXED_SWEEP_FRACTION: Final = 0.5
"""While nothing waits on a task's end (more environments are still being started and none
waits for a ``max_parallel`` place, or the last task cannot be over yet), a sweep every half
task duration is enough: seeing an end sooner would change nothing but the moment its outcome
is reported."""
RELAXED_MAX_INTERVALS: Final = 3
"""A relaxed sweep interval may reach three times the poll policy's ``max_interval``."""
SWEEP_BUDGET_SHARE: Final = 0.25
"""Sweeps of one project use at most a quarter of the read budget."""
SAFETY_NET_INTERVALS: Final = 16
"""Before any task ended, a task sweeps follow is polled on its own after 16 max intervals."""


class DurationEstimator:
    """The typical duration of one action's tasks in this run: the median of recent ones."""

    def __init__(self, keep: int = 25) -> None:
        self._samples: deque[float] = deque(maxlen=keep)

    def add(self, seconds: float) -> None:
        """Record one observed duration (negative or non-finite values are ignored)."""
        if math.isfinite(seconds) and seconds >= 0:
            self._samples.append(seconds)

    @property
    def estimate(self) -> float | None:
        """The median of the recorded durations, or ``None`` before the first one."""
        if not self._samples:
            return None
        # Not statistics.median: that module (fractions, decimal) costs more to import than this.
        ordered = sorted(self._samples)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2

    @property
    def shortest(self) -> float | None:
        """The shortest recorded duration, or ``None`` before the first one."""
        return min(self._samples) if self._samples else None

    def __len__(self) -> int:
        return len(self._samples)


def observed_duration(watch: Watch, detected_at: float) -> float:
    """How long ``watch``'s task took, as well as the reads can tell.

    The end lies between the last read that saw the task active and the read that saw it over;
    the middle of that interval is the best guess.
    """
    seen_active = watch.last_active_at
    end = detected_at if seen_active is None else (seen_active + detected_at) / 2
    return max(0.0, end - watch.registered_at)


def _backoff(step: int, policy: PollPolicy) -> float:
    return min(policy.max_interval, policy.initial_interval * policy.multiplier ** min(step, 64))


def task_poll_due(
    watch: Watch,
    *,
    estimate: float | None,
    policy: PollPolicy,
    sweep_every: float | None = None,
) -> float:
    """When ``watch``'s task should next be polled on its own (an absolute time).

    Args:
        watch: The task.
        estimate: The typical duration of its action in this run, if known.
        policy: The poll policy (its intervals bound every wait).
        sweep_every: The sweep interval of its project, when that project is being swept. Once
            a sweep has seen the task under way (``tracked``), a poll of its own is only a
            safety net in case the environment's status stops telling. Until a sweep has
            shown the environment at all, its first poll waits for one.
    """
    base = watch.last_poll_at if watch.last_poll_at is not None else watch.registered_at
    if watch.hinted:
        return -math.inf
    if watch.failures:
        return base + _backoff(watch.failures - 1, policy)
    if sweep_every is not None and watch.tracked:
        # Sweeps see this task's end; a poll of its own only guards against an environment
        # status that stops telling (stuck ``deploying``): after twice the usual duration, or
        # a long while when none is known yet, and ever rarer.
        gap = 2 * estimate if estimate is not None else SAFETY_NET_INTERVALS * policy.max_interval
        return max(base, watch.registered_at) + gap * (1 << min(watch.polls, 16))
    if watch.polls == 0:
        first = base + (estimate if estimate is not None else policy.initial_interval)
        if sweep_every is None or watch.env_status is not None:
            return first
        # No sweep has shown this environment since the task began: wait for one (it tells
        # more, for every task at once), but not forever if sweeps fail.
        swept_from = max(base, watch.swept_since or base)
        return max(first, swept_from + max(2 * sweep_every, policy.max_interval))
    gap = _backoff(watch.polls - 1, policy)
    last = watch.last
    progress = last.progress_percent if last is not None else None
    if (
        last is not None
        and last.status is TaskStatus.RUNNING
        and progress is not None
        and 0 < progress < 100
    ):
        elapsed = base - watch.registered_at
        gap = elapsed * (100 - progress) / progress
    if estimate is not None and base < watch.registered_at + estimate:
        gap = min(gap, watch.registered_at + estimate - base)
    low = policy.initial_interval / 2
    return base + min(max(gap, low), policy.max_interval)


def sweep_interval(
    estimate: float | None,
    policy: PollPolicy,
    *,
    read_limit: int | None,
    read_window: float | None,
    age: float = 0.0,
    relaxed: bool = False,
) -> float:
    """Seconds between two sweeps of one project.

    Args:
        estimate: The typical task duration in this run, if known.
        policy: The poll policy: ``initial_interval`` and ``max_interval`` bound the result.
        read_limit: The read budget per window, or ``None`` when reads are not paced.
        read_window: The budget's window.
        age: How long the oldest followed task has run. Before any task has ended, tasks
            last at least that long: it stands in for the estimate, so sweeps slow down
            as the wait grows instead of staying at the initial interval.
        relaxed: Nothing waits on a task's end yet (see ``RELAXED_SWEEP_FRACTION``).
    """
    basis = estimate if estimate is not None else age
    if relaxed:
        longest = RELAXED_MAX_INTERVALS * policy.max_interval
        interval = min(max(basis * RELAXED_SWEEP_FRACTION, policy.initial_interval), longest)
    else:
        interval = min(max(basis * SWEEP_FRACTION, policy.initial_interval), policy.max_interval)
    if read_limit and read_window:
        interval = max(interval, read_window / (read_limit * SWEEP_BUDGET_SHARE))
    return interval
