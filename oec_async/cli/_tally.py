"""What a fleet run's view knows so far: the one owner of its counts, waits and the ETA."""

from __future__ import annotations

import time
from collections.abc import Callable
from statistics import fmean
from typing import Final
from uuid import UUID

from rich.text import Text

from .._ratelimit import bucket_for
from ..fleet import FleetActionStarted, FleetOutcome, FleetRetry, OutcomeKind
from ._eta import Budget, budget_seconds, eta_seconds
from ._output import status_style
from ._started import StartedTasks

__all__ = ["UNFINISHED", "RunTally"]

UNFINISHED: Final = frozenset({OutcomeKind.CANCELLED, OutcomeKind.NOT_STARTED})
"""Outcomes of a run that stopped early: not counted as done (the summary lists them)."""


class RunTally:
    """Counts a fleet run's progress from its events, and answers what the screen shows.

    Args:
        total: Environments in the run.
        started: The environments whose action was accepted, with their tasks.
        budget: The client's rate governor, for the ETA and 429 pauses (``None``: not known).
        clock: Monotonic seconds.
    """

    def __init__(
        self,
        total: int,
        started: StartedTasks,
        *,
        budget: Budget | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.started = started
        self.budget = budget
        self.clock = clock
        self.t0 = clock()
        self.finished: list[FleetOutcome] = []
        """Every outcome, in the order they came (a stopped run's last ones included)."""
        self.done = 0
        """Environments that finished (a stopped run's leftovers are not counted)."""
        self.retries = 0
        self.refusals = 0
        """429 answers: each has its line."""
        self.reattached: set[UUID] = set()
        """Environments whose task a re-run (same batch id) re-attached to."""
        self.stopped = False
        """The run stopped early (Ctrl-C, ``--timeout``): nothing is in flight any more."""
        self.wave: str | None = None
        """The rollout wave under way (``"wave 2 (2 of 3)"``), for the status line."""
        self.baking_until: float | None = None
        """When the current wave's bake ends (this clock), while it bakes."""
        self._sent_at: dict[UUID, float] = {}
        self._task_seconds: list[float] = []
        self._waiting_until: dict[str, float] = {}

    # -- rollout waves ----------------------------------------------------------------------
    def wave_started(self, name: str, index: int, waves: int) -> None:
        """A rollout wave starts: the status line names it."""
        self.wave = f"{name} ({index + 1} of {waves})"
        self.baking_until = None

    def wave_baking(self, seconds: float) -> None:
        """The wave's environments finished: the status line counts its bake down."""
        self.baking_until = self.clock() + seconds

    def wave_finished(self) -> None:
        """The wave ended (baked, or halted): no countdown any more."""
        self.baking_until = None

    # -- events ---------------------------------------------------------------------------
    def sent(self, event: FleetActionStarted) -> None:
        """An environment's action was accepted (or attached to)."""
        self.started.add(event.environment_id, event.task_id)
        self._sent_at.setdefault(event.environment_id, event.elapsed)

    def waits(self, bucket: str, seconds: float) -> bool:
        """Requests of ``bucket`` wait ``seconds``; whether the bucket was already waiting."""
        now = self.clock()
        until = self._waiting_until.get(bucket, 0.0)
        self._waiting_until[bucket] = max(until, now + seconds)
        return now < until

    def retried(self, event: FleetRetry) -> float | None:
        """A retry: for a 429, the seconds its bucket is paused (else ``None``)."""
        self.retries += 1
        if not event.reason.startswith("429"):
            return None
        # A 429 pauses its whole bucket (the governor holds the pause); the retry goes out
        # when it ends.
        self.refusals += 1
        bucket = bucket_for(event.method)
        paused = max(
            self.budget.paused_for(bucket) if self.budget is not None else 0.0, event.delay
        )
        self.waits(bucket, paused)
        return paused

    def ended(self, outcome: FleetOutcome) -> bool:
        """An environment's outcome; whether it counts as done (not left by a stopped run)."""
        self.finished.append(outcome)
        if outcome.kind in UNFINISHED:
            self.stopped = True
            return False
        self.done += 1
        sent_at = self._sent_at.get(outcome.environment_id)
        if sent_at is not None:
            self._task_seconds.append(max(0.0, outcome.elapsed - sent_at))
        if outcome.reattached:
            self.reattached.add(outcome.environment_id)
        self.started.finish(outcome.environment_id)
        return True

    # -- answers --------------------------------------------------------------------------
    @property
    def elapsed(self) -> float:
        """Seconds since the run started."""
        return self.clock() - self.t0

    @property
    def in_flight(self) -> int:
        """Environments started and not finished (0 once the run has stopped)."""
        return 0 if self.stopped else self.started.in_flight

    def eta(self) -> float | None:
        """Seconds left: the pace so far, never less than the rate budget allows.

        ``None`` while there is nothing to go on, and once the run has stopped.
        """
        if self.stopped:
            return None
        seen = self.started.tasks.keys() | {o.environment_id for o in self.finished}
        unsent = self.total - len(seen)
        wait = budget_seconds(self.budget, unsent) if self.budget is not None else 0.0
        return eta_seconds(
            elapsed=self.elapsed,
            done=self.done,
            total=self.total,
            unsent=unsent,
            budget_wait=wait,
            task_seconds=fmean(self._task_seconds) if self._task_seconds else None,
        )

    def status_line(self) -> Text:
        """The live status line: in flight, results so far, budget waits, 429s and retries."""
        now = self.clock()
        counts = dict.fromkeys(OutcomeKind, 0)
        for outcome in self.finished:
            counts[outcome.kind] += 1
        line = Text(f"  {self.in_flight} in flight")
        if self.wave is not None and not self.stopped:
            line.append(f" · {self.wave}", style="bold")
            if self.baking_until is not None and self.baking_until > now:
                line.append(f" baking: {self.baking_until - now:.0f}s left", style="cyan")
        for kind, n in counts.items():
            if n:
                line.append(" · ")
                line.append(f"{n} {kind.value}", style=status_style(kind.value))
        if self.reattached:
            line.append(f" · {len(self.reattached)} re-attached", style="cyan")
        if not self.stopped:
            for bucket, until in sorted(self._waiting_until.items()):
                if until > now:
                    line.append(" · ")
                    line.append(f"{bucket} budget: next slot in {until - now:.1f}s", style="cyan")
        line.append(f" · 429s: {self.refusals} · retries: {self.retries}", style="dim")
        return line
