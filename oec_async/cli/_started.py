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

    def label(self, environment_id: UUID) -> str:
        """How an environment is named on screen: its name when known, else its id."""
        return self._label(environment_id)

    def name(self, environment_id: UUID) -> str | None:
        """The environment's name, when known."""
        label = self._label(environment_id)
        return None if label == str(environment_id) else label

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

    def report(self, *, batch_id: str | None = None) -> None:
        """Say which tasks go on running on the server, and how to resume the run.

        Args:
            batch_id: The run's batch id: running the command again with it re-attaches to
                these tasks instead of starting new ones.
        """
        running = {env: task for env, task in self.tasks.items() if env not in self.finished}
        resume = f"re-run with --batch-id {batch_id} to resume" if batch_id else None
        if self._out.json_mode:
            self._out.json(
                {
                    "event": "interrupted",
                    "action": self._action,
                    "started": [
                        {
                            "environment_id": str(env),
                            "task_id": str(task) if task else None,
                            "finished": env not in running,
                        }
                        for env, task in self.tasks.items()
                    ],
                    "still_running": len(running),
                    "batch_id": batch_id,
                    "resume": resume,
                }
            )
            return
        if not self.tasks:
            self._out.message(f"interrupted before any {self._action} was sent")
        elif not running:
            self._out.message(
                f"interrupted: a {self._action} had been sent to {len(self.tasks)} "
                "environment(s); every one of them had finished"
            )
        else:
            self._out.message(
                f"interrupted: a {self._action} had been sent to {len(self.tasks)} "
                f"environment(s); {len(running)} still running go on on the server:"
            )
            for env, task in running.items():
                state = (
                    "task unknown  may be running (its request was in flight)"
                    if task is None
                    else f"task {task}  still running"
                )
                self._out.message(f"  {self._label(env)}  {state}")
        if resume is not None:
            self._out.message(resume)
