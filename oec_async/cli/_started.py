"""What a command had started, to say so after Ctrl-C (the tasks keep running server-side)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from ..fleet import FleetReport, OutcomeKind
from ._output import Output

__all__ = ["StartedTasks"]


class StartedTasks:
    """The environments an action was accepted for (or attached to), with their tasks.

    Args:
        out: Where :meth:`report` writes.
        action: The action (``deploy``...).
        label: How an environment is named on screen.
    """

    def __init__(self, out: Output, action: str, label: Callable[[UUID], str] = str) -> None:
        self._out = out
        self._action = action
        self._label = label
        self.tasks: dict[UUID, UUID | None] = {}
        self.finished: set[UUID] = set()

    def add(self, environment_id: UUID, task_id: UUID | None) -> None:
        """Record that ``environment_id`` has a task of ours (or one we attached to)."""
        self.tasks[environment_id] = task_id

    def finish(self, environment_id: UUID) -> None:
        """Record that ``environment_id``'s part is over."""
        self.finished.add(environment_id)

    def absorb(self, report: FleetReport) -> None:
        """Take what a (cancelled) run's report knows: started includes sends not yet answered."""
        for outcome in report.outcomes:
            if not outcome.started:
                continue
            self.tasks[outcome.environment_id] = outcome.task_id or self.tasks.get(
                outcome.environment_id
            )
            if outcome.kind not in (OutcomeKind.CANCELLED, OutcomeKind.NOT_STARTED):
                self.finished.add(outcome.environment_id)

    @property
    def in_flight(self) -> int:
        """Started and not finished."""
        return len(self.tasks.keys() - self.finished)

    def report(self) -> None:
        """Say which environments had been started, and which of them were still running."""
        if self._out.json_mode:
            self._out.json(
                {
                    "event": "interrupted",
                    "action": self._action,
                    "started": [
                        {
                            "environment_id": str(env),
                            "task_id": str(task) if task else None,
                            "finished": env in self.finished,
                        }
                        for env, task in self.tasks.items()
                    ],
                }
            )
            return
        if not self.tasks:
            self._out.message(f"interrupted before any {self._action} was sent")
            return
        self._out.message(
            f"interrupted: a {self._action} had been sent to {len(self.tasks)} environment(s); "
            "tasks still running go on on the server:"
        )
        for env, task in self.tasks.items():
            if env in self.finished:
                state = f"task {task}  finished"
            elif task is None:
                state = "task unknown  may be running (its request was in flight)"
            else:
                state = f"task {task}  still running"
            self._out.message(f"  {self._label(env)}  {state}")
