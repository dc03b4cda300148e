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
)
from ._eta import Budget
from ._fleet_report import event_json, outcome_text, print_summary
from ._output import Output, status_style
from ._render import seconds, show
from ._started import StartedTasks
from ._tally import RunTally
from ._task_view import TaskView

__all__ = ["FleetView"]

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
        yield self._view.tally.status_line()


class _EtaColumn(ProgressColumn):
    """The time left by :meth:`RunTally.eta`: the pace so far, or the rate budget's floor."""

    def __init__(self, tally: RunTally) -> None:
        super().__init__()
        self._tally = tally

    def render(self, task: Task) -> Text:
        eta = self._tally.eta()
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
        self.started = StartedTasks(out, action, self.label)
        """Environments whose action was accepted (or attached to), with their task."""
        self.tally = RunTally(self.total, self.started, budget=budget)
        """The run's counts, waits and ETA."""
        self._last_line = self.tally.t0
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
        if self.tally.budget is None:
            self.tally.budget = client.governor
        if self.batch_id is None:
            self.batch_id = run.batch_id
        self.tally.t0 = time.monotonic()
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
                _EtaColumn(self.tally),
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
            self.tally.stopped = True
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
        self.tally.sent(event)
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
        already = self.tally.waits(event.bucket, event.delay)
        if event.reason == "429":
            return  # a wait for the pause a 429 set: that 429 had its line (see _retry)
        if not already and event.delay >= MIN_SHOWN_WAIT and self._progress is None:
            self._line(f"rate budget: {event.bucket}s paced, next slot in {event.delay:.1f}s")

    def _retry(self, event: FleetRetry) -> None:
        paused = self.tally.retried(event)
        if paused is None:
            self._line(
                f"retry {event.attempt} of {event.method} {event.path} in "
                f"{event.delay:.1f}s: {event.reason}",
                style="yellow",
            )
            return
        self._line(  # one line says both the 429 and its retry
            f"429 from the server on {event.method} {event.path}: "
            f"{bucket_for(event.method)} requests paused for {paused:.1f}s, "
            f"then retry {event.attempt}",
            style="yellow",
        )

    def _finished(self, outcome: FleetOutcome) -> None:
        if not self.tally.ended(outcome):
            return  # the run is stopping (Ctrl-C, --timeout): the summary says what was left
        if self._bar is not None and self._progress is not None:
            self._progress.update(self._bar, completed=self.tally.done)
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
        counter = f"[{self.tally.done:>{width}}/{self.total}]"
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
        tally = self.tally
        eta = tally.eta()
        left = f", ETA {seconds(eta)}" if eta is not None else ""
        self._line(
            f"progress: {tally.done}/{self.total} finished, {tally.in_flight} in flight, "
            f"elapsed {seconds(tally.elapsed)}{left}"
        )

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
        self.tally.stopped = True
        report = self.run.report if self.run is not None else None
        if report is not None:
            self.started.absorb(report)
            self.summary(report)
        self.started.report(batch_id=self.batch_id)
