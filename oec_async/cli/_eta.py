"""How long a fleet run has left: its pace so far, but never less than the rate budget allows.

A run's progress rate alone promises too much while the write budget is spent: ten environments
finished in the first seconds say nothing about the forty whose deploys must wait for the next
windows. The estimate is therefore the larger of the pace so far and the budget's floor: the
time until the budget lets the remaining actions out, plus the time a task takes once sent.
"""

from __future__ import annotations

import math
from typing import Final, Protocol

__all__ = ["Budget", "budget_seconds", "eta_seconds"]

WRITE: Final = "write"


class Budget(Protocol):
    """What the estimate asks the rate governor (``RateGovernor`` answers it)."""

    def delay_for(self, bucket: str, slots: int = 1) -> float: ...

    def bucket_limit(self, bucket: str) -> int: ...

    def bucket_window(self, bucket: str) -> float: ...

    def paused_for(self, bucket: str) -> float: ...


def budget_seconds(budget: Budget, unsent: int, bucket: str = WRITE) -> float:
    """Seconds until ``unsent`` more requests of ``bucket`` could all have gone out.

    The governor answers for up to one window's worth of slots; each further full window's
    worth costs one more window.
    """
    if unsent <= 0:
        return 0.0
    limit = max(1, budget.bucket_limit(bucket))
    first = min(unsent, limit)
    later_windows = math.ceil((unsent - first) / limit)
    return budget.delay_for(bucket, first) + later_windows * budget.bucket_window(bucket)


def eta_seconds(
    *,
    elapsed: float,
    done: int,
    total: int,
    unsent: int,
    budget_wait: float,
    task_seconds: float | None,
) -> float | None:
    """The time left, or ``None`` while there is nothing to estimate from.

    The pace so far is trusted once a tenth of the run (at least 3 environments) has finished;
    before that, a few quick refusals would promise far too much, and the budget's floor alone
    speaks.

    Args:
        elapsed: Seconds since the run started.
        done: Environments with an outcome.
        total: Environments in the run.
        unsent: Environments whose action is not sent yet.
        budget_wait: Seconds until the budget lets the last unsent action out
            (:func:`budget_seconds`).
        task_seconds: How long an environment takes from its send to its outcome, on average
            so far (``None`` before the first one finished).
    """
    if done >= total:
        return 0.0
    pace = elapsed / done * (total - done) if done else None
    floor = None
    if unsent > 0 and (budget_wait > 0 or task_seconds is not None):
        floor = budget_wait + (task_seconds or 0.0)
    if pace is not None and (done >= max(3, total // 10) or floor is None):
        return max(pace, floor or 0.0)
    return floor
