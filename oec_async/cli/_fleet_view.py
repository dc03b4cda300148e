"""Showing a fleet run: live progress, plain timestamped lines, or JSON events; then a summary.

On a terminal: an overall bar with the ETA, a status line (in flight, results so far, rate-budget
waits, 429s, retries), and one line per environment as it finishes. One environment gets a bar of
its task's ``progress_percent`` and step instead. Elsewhere: one timestamped line per started and
finished environment, per rate-budget pause and per retry, and a progress line every few seconds.
``--json``: one object per event, then a ``summary`` object (see ``_fleet_report``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from statistics import fmean
from types import TracebackType
from typing import Final, Self
from uuid import UUID

import anyio
from rich.console import RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from .._client import Client
from .._exceptions import APIError
from .._ratelimit import bucket_for
from ..fleet import (
    FleetActionStarted,
    FleetEnvironmentFinished,
    FleetEvent,
    FleetOutcome,
    FleetRateLimitWait,
    FleetReport,
    FleetRetry,
    FleetRun,
    FleetRunFinished,
    OutcomeKind,
)
from ._eta import Budget, budget_seconds, eta_seconds
from ._fleet_report import event_json, outcome_text, print_summary
from ._output import Output, status_style
from ._render import seconds, show
from ._started import StartedTasks
from ._task_view import TaskView

__all__ = ["FleetView"]

_UNFINISHED: Final = frozenset({OutcomeKind.CANCELLED, OutcomeKind.NOT_STARTED})
"""Outcomes of a run that stopped early: no line of their own, the summary lists them."""
HEARTBEAT: Final = 5.0
"""Seconds between plain progress lines when nothing else was printed."""
MIN_SHOWN_WAIT: Final = 0.2
"""Shorter rate-budget waits get no line of their own."""


class _Progress(Progress):
    """The overall bar with the view's status line under it."""

    def __init__(self, view: FleetView, *columns: str | ProgressColumn) -> None:
        self._view = view  # before Progress.__init__, which may render already
        super().__init__(*columns, console=view.out.console)

    def get_renderables(self) -> Iterable[RenderableType]:
        yield from super().get_renderables()
        yield self._view.status_line()


class _EtaColumn(ProgressColumn):
    """The time left by :meth:`FleetView.eta`: the pace so far, or the rate budget's floor."""

    def __init__(self, view: FleetView) -> None:
        super().__init__()
        self._view = view

    def render(self, task: Task) -> Text:
        eta = self._view.eta()
        return Text("-:--" if eta is None else seconds(eta), style="progress.remaining")


class FleetView:
    """Follows a fleet run's events (use the instance as the run's ``on_event`` hook).

    Args:
        out: The output.
        action: The action (``deploy``...).
        environment_ids: The environments of the run, in order.
        names: Environment names to show instead of ids, when known.
        batch_id: The run's batch id: a re-run re-attaches to its tasks, and says so.
        budget: The client's rate governor, for the ETA (``follow`` takes the client's).
    """

    def __init__(
        self,
        out: Output,
        action: str,
        environment_ids: Sequence[UUID],
        *,
        names: Mapping[UUID, str] | None = None,
        batch_id: str | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.out = out
        self.action = action
        self.total = len(environment_ids)
        self.names = dict(names or {})
        self.batch_id = batch_id
        self.budget = budget
        self.started = StartedTasks(out, action, self.label)
        """Environments whose action was accepted (or attached to), with their task."""
        self.finished: list[FleetOutcome] = []
        """Every outcome, in the order they came (a stopped run's last ones included)."""
        self.done = 0
        """Environments that finished (the bar's count; a stopped run's leftovers are not)."""
        self.retries = 0
        self.refusals = 0
        """429 answers: each has its line."""
        self.reattached: set[UUID] = set()
        """Environments whose task a re-run (same batch id) re-attached to."""
        self.stopped = False
        """The run stopped early (Ctrl-C, ``--timeout``): nothing is in flight any more."""
        self._sent_at: dict[UUID, float] = {}
        self._task_seconds: list[float] = []
        self._waiting_until: dict[str, float] = {}
        self._t0 = time.monotonic()
        self._last_line = self._t0
        self._single: TaskView | None = None
        self._single_task: UUID | None = None
        self._task_news: anyio.Event | None = None
        self._follow_scope: anyio.CancelScope | None = None
        self._progress: _Progress | None = None
        self._bar: TaskID | None = None
        self.run: FleetRun | None = None
        """The run shown, once started (its report says what a cancelled run had started)."""
        if self.total == 1 and not out.json_mode:
            self._single = TaskView(out, f"{action} {self.label(environment_ids[0])}")

    async def follow(self, client: Client, run: FleetRun) -> FleetReport:
        """Run ``run`` (created with this view as its ``on_event``) while showing it.

        Returns:
            The run's report.
        """
        self.run = run
        if self.budget is None:
            self.budget = client.governor
        if self.batch_id is None:
            self.batch_id = run.batch_id
        self._t0 = time.monotonic()
        with self:
            if self._single is None:
                return await run
            self._task_news = anyio.Event()
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._follow_single_task, client, self._single)
                report = await run
                tg.cancel_scope.cancel()
            return report

    async def _follow_single_task(self, client: Client, view: TaskView) -> None:
        """Poll the one environment's task for the progress bar, until cancelled.

        The fleet engine follows tasks with as few reads as it can (project sweeps show status,
        not progress), so one environment's bar gets its own watch of the task: a handful of
        reads. Seeing the end, it tells the run (``task_signals``), as a webhook would. A
        failed read only stops the bar; the run's outcome does not depend on it.
        """
        while self._task_news is not None:
            await self._task_news.wait()
            self._task_news = anyio.Event()
            task_id = self._single_task
            if task_id is None:
                continue
            with anyio.CancelScope() as scope:
                self._follow_scope = scope
                try:
                    async for deployment in client.deployments.watch(task_id):
                        view.show(
                            show(deployment.status),
                            deployment.progress_percent,
                            deployment.current_step,
                            terminal=deployment.is_terminal,
                        )
                        if deployment.is_terminal:  # the run confirms it now, not at its next look
                            client.task_signals.notify(task_id)
                except APIError:
                    return

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Stop the live display while the terminal is needed for something else (a question
        between rollout waves), and bring it back after."""
        progress = self._progress
        if progress is None:
            yield
            return
        progress.stop()
        try:
            yield
        finally:
            progress.start()

    def label(self, environment_id: UUID) -> str:
        """How an environment is named on screen."""
        return self.names.get(environment_id) or str(environment_id)

    # -- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> Self:
        if self._single is not None:
            self._single.__enter__()
        elif self.out.live:
            self._progress = _Progress(
                self,
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("elapsed"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                _EtaColumn(self),
            )
            self._progress.start()
            self._bar = self._progress.add_task(self.action, total=self.total)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:  # Ctrl-C or an error: the bar's last picture says so
            self.stopped = True
        if self._single is not None:
            self._single.__exit__(exc_type, exc, tb)
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    # -- events ---------------------------------------------------------------------------
    def __call__(self, event: FleetEvent) -> None:
        """Show one event of the run."""
        if isinstance(event, FleetEnvironmentFinished):
            self._learn_name(event.outcome)
        if self.out.json_mode and not isinstance(event, FleetRunFinished):  # the summary says it
            self.out.json(event_json(event, self.names))
        if isinstance(event, FleetActionStarted):
            self._action_started(event)
        elif isinstance(event, FleetRateLimitWait):
            self._rate_limit_wait(event)
        elif isinstance(event, FleetRetry):
            self._retry(event)
        elif isinstance(event, FleetEnvironmentFinished):
            self._finished(event.outcome)
        self._heartbeat()

    def _learn_name(self, outcome: FleetOutcome) -> None:
        if outcome.name:
            self.names.setdefault(outcome.environment_id, outcome.name)

    def _action_started(self, event: FleetActionStarted) -> None:
        self.started.add(event.environment_id, event.task_id)
        self._sent_at.setdefault(event.environment_id, event.elapsed)
        if self._single is not None:  # follow this task now (wait_then_retry: the new one)
            self._single_task = event.task_id
            if self._follow_scope is not None:
                self._follow_scope.cancel()
            if self._task_news is not None:
                self._task_news.set()
        if self.out.live:
            return
        how = "attached to running task" if event.attached else "started task"
        self._line(f"{self._prefix(event.environment_id)} {how} {event.task_id}")

    def _rate_limit_wait(self, event: FleetRateLimitWait) -> None:
        now = time.monotonic()
        already = now < self._waiting_until.get(event.bucket, 0.0)
        self._waiting_until[event.bucket] = max(
            self._waiting_until.get(event.bucket, 0.0), now + event.delay
        )
        if event.reason == "429":
            return  # a wait for the pause a 429 set: that 429 had its line (see _retry)
        if not already and event.delay >= MIN_SHOWN_WAIT and self._progress is None:
            self._line(f"rate budget: {event.bucket}s paced, next slot in {event.delay:.1f}s")

    def _retry(self, event: FleetRetry) -> None:
        self.retries += 1
        if not event.reason.startswith("429"):
            self._line(
                f"retry {event.attempt} of {event.method} {event.path} in "
                f"{event.delay:.1f}s: {event.reason}",
                style="yellow",
            )
            return
        # A 429 pauses its whole bucket (the governor holds the pause), and the retry goes
        # out when the pause ends: one line says both.
        self.refusals += 1
        bucket = bucket_for(event.method)
        paused = self.budget.paused_for(bucket) if self.budget is not None else 0.0
        paused = max(paused, event.delay)
        now = time.monotonic()
        self._waiting_until[bucket] = max(self._waiting_until.get(bucket, 0.0), now + paused)
        self._line(
            f"429 from the server on {event.method} {event.path}: {bucket} requests paused "
            f"for {paused:.1f}s, then retry {event.attempt}",
            style="yellow",
        )

    def _finished(self, outcome: FleetOutcome) -> None:
        self.finished.append(outcome)
        if outcome.kind in _UNFINISHED:
            self.stopped = True
            return  # the run is stopping (Ctrl-C, --timeout): the summary says what was left
        self.done += 1
        sent_at = self._sent_at.get(outcome.environment_id)
        if sent_at is not None:
            self._task_seconds.append(max(0.0, outcome.elapsed - sent_at))
        if outcome.reattached:
            self.reattached.add(outcome.environment_id)
        if self._bar is not None and self._progress is not None:
            self._progress.update(self._bar, completed=self.done)
        self.started.finish(outcome.environment_id)
        if self.out.json_mode:
            return
        text = outcome_text(outcome, batch_id=self.batch_id)
        if self._single is not None:
            if outcome.deployment is not None and outcome.deployment.is_terminal:
                self._single.finish(outcome.deployment)
            else:
                self._single.stop()
                label = f"{self.action} {self.label(outcome.environment_id)}"
                self._line(f"{label}: {text}", style=status_style(outcome.kind.value))
            return
        width = len(str(self.total))
        counter = f"[{self.done:>{width}}/{self.total}]"
        self._line(
            f"{counter} {self.label(outcome.environment_id)} {text}",
            style=status_style(outcome.kind.value),
        )

    def _prefix(self, environment_id: UUID) -> str:
        if self._single is not None:
            return f"{self.action} {self.label(environment_id)}:"
        return self.label(environment_id)

    def _line(self, text: str, *, style: str = "") -> None:
        if self.out.json_mode:
            return
        self._last_line = time.monotonic()
        if self._progress is not None:
            self._progress.console.print(Text(text, style=style))
        else:
            self.out.line(text, style=style)

    def _heartbeat(self) -> None:
        if self.out.live or self.out.json_mode or self._single is not None:
            return
        now = time.monotonic()
        if now - self._last_line < HEARTBEAT:
            return
        eta = self.eta()
        left = f", ETA {seconds(eta)}" if eta is not None and not self.stopped else ""
        self._line(
            f"progress: {self.done}/{self.total} finished, {self.in_flight} in flight, "
            f"elapsed {seconds(now - self._t0)}{left}"
        )

    # -- what the status line says --------------------------------------------------------
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
            elapsed=time.monotonic() - self._t0,
            done=self.done,
            total=self.total,
            unsent=unsent,
            budget_wait=wait,
            task_seconds=fmean(self._task_seconds) if self._task_seconds else None,
        )

    def status_line(self) -> Text:
        """The live status line: in flight, results so far, budget waits, 429s and retries."""
        now = time.monotonic()
        counts = dict.fromkeys(OutcomeKind, 0)
        for outcome in self.finished:
            counts[outcome.kind] += 1
        line = Text(f"  {self.in_flight} in flight")
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

    # -- the end --------------------------------------------------------------------------
    def summary(
        self,
        report: FleetReport,
        *,
        totals: Sequence[str] = (),
        extra: Mapping[str, object] | None = None,
    ) -> None:
        """Print the summary (tables and totals), or the JSON ``summary`` object.

        Args:
            report: The run's report.
            totals: More totals for the last line (human output).
            extra: More fields for the JSON summary.
        """
        for outcome in report.outcomes:
            self._learn_name(outcome)
        print_summary(self.out, report, self.label, totals=totals, extra=extra)

    def report_interrupt(self) -> None:
        """After Ctrl-C: the summary so far, then which tasks go on running on the server."""
        self.stopped = True
        report = self.run.report if self.run is not None else None
        if report is not None:
            self.started.absorb(report)
            self.summary(report)
        self.started.report(batch_id=self.batch_id)
