"""Following one task on screen: a progress bar, plain lines, or JSON lines."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from .._models import Deployment
from ._output import Output
from ._render import as_json, seconds, show

__all__ = ["TaskView"]


class TaskView:
    """Shows one task's progress as it changes.

    On a terminal: a bar of ``progress_percent`` with the status and current step. Elsewhere:
    one timestamped line per change, or one JSON object per change with ``--json``.

    Args:
        out: The output.
        label: What the task is, e.g. ``"deploy env-001"``.
    """

    def __init__(self, out: Output, label: str) -> None:
        self._out = out
        self._label = label
        self._progress: Progress | None = None
        self._bar: TaskID | None = None

    def __enter__(self) -> Self:
        if self._out.live:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                TextColumn("{task.fields[step]}"),
                console=self._out.console,
            )
            self._progress.start()
            self._bar = self._progress.add_task(self._label, total=100, step="")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the bar (it stays on screen as it was)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def update(self, deployment: Deployment) -> None:
        """Show a new state of the task."""
        if self._out.json_mode:
            self._out.json({"event": "status", **as_json(deployment)})
            return
        self.show(
            show(deployment.status),
            deployment.progress_percent,
            deployment.current_step,
            terminal=deployment.is_terminal,
        )

    def show(
        self, status: str, percent: float | None, step: str | None, *, terminal: bool = False
    ) -> None:
        """Show a status, progress and step on the bar or as a line (not in JSON mode)."""
        if self._progress is not None and self._bar is not None:
            done = 100.0 if status == "completed" else (percent or 0.0)
            self._progress.update(
                self._bar, completed=done, description=f"{self._label} [{status}]", step=step or ""
            )
        elif not terminal:  # finish() reports the end
            shown = "-" if percent is None else f"{percent:.0f}%"
            self._out.line(f"{self._label}: {status} {shown} {step or ''}".rstrip())

    def finish(self, deployment: Deployment) -> None:
        """Stop the bar and say how the task ended."""
        self.stop()
        if self._out.json_mode:
            return
        took = seconds(deployment.duration_seconds)
        if deployment.succeeded:
            self._out.line(f"{self._label}: completed in {took}", style="green")
        else:
            reason = f": {deployment.error_message}" if deployment.error_message else ""
            self._out.line(f"{self._label}: {show(deployment.status)}{reason}", style="red")
