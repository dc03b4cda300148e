"""Models of tasks: the answer to an action, a task's progress, an environment's last deploy."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from attrs import frozen

from .._enums import TaskStatus

__all__ = ["ActionResult", "Deployment", "LastDeploy"]


@frozen(kw_only=True)
class ActionResult:
    """The immediate (202) answer to an action: the task to follow.

    Attributes:
        task_id: The task created (or replayed, for a repeated idempotency key).
        status: The initial status, ``queued`` in practice.
        environment_id: The environment the action runs on.
        poll_url: Host-relative URL of the task (``/api/public/v1/deployments/{task_id}``).
        backup_id: For a restore, the backup being restored.
    """

    task_id: UUID
    status: TaskStatus | None = None
    environment_id: UUID | None = None
    poll_url: str | None = None
    backup_id: UUID | None = None


@frozen(kw_only=True)
class Deployment:
    """A task (deploy, restart, start, stop, backup, destroy) and its progress.

    Attributes:
        id: The task id.
        type: The kind of task (``deploy``, ``restart``...).
        status: Where the task is; see :attr:`is_terminal`.
        environment_id: The environment it runs on.
        progress_percent: 0-100, when the server reports it.
        current_step: The step being executed.
        steps_completed: Steps done so far.
        total_steps: Steps in all.
        created_at: When the task was created, when the server says.
        started_at: When a worker started it; ``None`` for a task that never ran.
        completed_at: When it finished.
        duration_seconds: How long it ran.
        error_message: Why it failed.
    """

    id: UUID
    type: str | None = None
    status: TaskStatus | None = None
    environment_id: UUID | None = None
    progress_percent: float | None = None
    current_step: str | None = None
    steps_completed: int | None = None
    total_steps: int | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    duration_seconds: float | None = None
    error_message: str | None = None

    @property
    def is_terminal(self) -> bool:
        """Whether the task has finished (completed, failed or cancelled)."""
        return self.status is not None and self.status.is_terminal

    @property
    def succeeded(self) -> bool:
        """Whether the task finished with ``completed``."""
        return self.status is TaskStatus.COMPLETED


@frozen(kw_only=True)
class LastDeploy:
    """The most recent deploy task of an environment, as ``status`` reports it.

    Attributes:
        id: The task id (wait on it with ``client.deployments.wait``).
        type: The kind of task (``deploy``), when the server says.
        status: Its status.
        started_at: When it started.
        completed_at: When it finished.
    """

    id: UUID
    type: str | None = None
    status: TaskStatus | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
