"""The record the central poller keeps for each task it follows."""

from __future__ import annotations

from uuid import UUID

from .._enums import EnvironmentStatus
from .._models import Deployment

__all__ = ["Watch"]


class Watch:
    """One followed task: what has been seen of it, and when to look again.

    Attributes:
        task_id: The task.
        environment_id: Its environment.
        project_id: The environment's project, once known (enables project sweeps).
        action: The action that started it, when it is ours (``None`` when attached).
        registered_at: When following began (for our task: when the 202 arrived).
        polls: Task polls answered so far.
        last_poll_at: When the last task poll was sent.
        last: The last Deployment a task poll returned.
        last_active_at: The last time any read showed the task still active.
        first_env_status: The environment status of the first sweep after registration.
        env_status: The latest environment status a sweep showed.
        swept_since: When sweeps of its project began to cover it (``None``: not swept).
        tracked: A sweep showed the environment in a transitional status since registration,
            so its leaving that status will be seen by sweeps.
        hinted: News (a sweep, a webhook) says the task may be over: confirm it soon.
        in_flight: A task poll is being sent.
        failures: Consecutive task polls that failed.
        result: The terminal Deployment, once seen.
        error: Why following failed for good (a 404, repeated errors).
        version: Bumped on every change that moves its next poll (for the scheduler's heap).
    """

    __slots__ = (
        "action",
        "env_status",
        "environment_id",
        "error",
        "failures",
        "first_env_status",
        "hinted",
        "in_flight",
        "last",
        "last_active_at",
        "last_poll_at",
        "polls",
        "project_id",
        "registered_at",
        "result",
        "swept_since",
        "task_id",
        "tracked",
        "version",
    )

    def __init__(
        self,
        task_id: UUID,
        environment_id: UUID,
        *,
        project_id: UUID | None,
        action: str | None,
        registered_at: float,
    ) -> None:
        self.task_id = task_id
        self.environment_id = environment_id
        self.project_id = project_id
        self.action = action
        self.registered_at = registered_at
        self.polls = 0
        self.last_poll_at: float | None = None
        self.last: Deployment | None = None
        self.last_active_at: float | None = None
        self.first_env_status: EnvironmentStatus | None = None
        self.env_status: EnvironmentStatus | None = None
        self.swept_since: float | None = None
        self.tracked = False
        self.hinted = False
        self.in_flight = False
        self.failures = 0
        self.result: Deployment | None = None
        self.error: Exception | None = None
        self.version = 0

    @property
    def done(self) -> bool:
        """Whether following is over (a terminal Deployment, or an error)."""
        return self.result is not None or self.error is not None

    def __repr__(self) -> str:
        state = "done" if self.done else "hinted" if self.hinted else f"{self.polls} polls"
        return f"<Watch task={self.task_id} env={self.environment_id} {state}>"
