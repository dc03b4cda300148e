"""Frozen models of the API's resources (core: environments, tasks, pages, rate limits).

Models hold data only: how they are read from JSON lives in ``_converter.py``. Every field but
the id may be missing or null in a response, so every other field defaults to ``None``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from attrs import field, frozen

from ._enums import EnvironmentStatus, TaskStatus

__all__ = [
    "ActionResult",
    "Deployment",
    "Environment",
    "EnvironmentStatusReport",
    "LastDeploy",
    "Page",
    "Pagination",
    "RateLimitSnapshot",
]

T = TypeVar("T")


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
class Environment:
    """An Odoo environment (a deployment target inside a project).

    Attributes:
        id: The environment id.
        name: Its name.
        status: Its lifecycle status.
        url: Where it is served.
        odoo_version: The Odoo version (``"17.0"``).
        branch: The Git branch it deploys.
        last_commit: The commit it runs.
        cpu_cores: CPU allocation.
        ram_mb: Memory allocation.
        disk_gb: Disk allocation.
        project_id: The project it belongs to.
        server_id: The server it runs on.
        custom_domain: Its custom domain, if any.
        custom_domain_verified: Whether that domain is verified.
        created_at: Creation time.
        updated_at: Last change.
    """

    id: UUID
    name: str | None = None
    status: EnvironmentStatus | None = None
    url: str | None = None
    odoo_version: str | None = None
    branch: str | None = None
    last_commit: str | None = None
    cpu_cores: float | None = None
    ram_mb: int | None = None
    disk_gb: int | None = None
    project_id: UUID | None = None
    server_id: UUID | None = None
    custom_domain: str | None = None
    custom_domain_verified: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@frozen(kw_only=True)
class LastDeploy:
    """The most recent deploy task of an environment, as ``status`` reports it.

    Attributes:
        id: The task id (wait on it with ``client.deployments.wait``).
        status: Its status.
        started_at: When it started.
        completed_at: When it finished.
    """

    id: UUID
    status: TaskStatus | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None


@frozen(kw_only=True)
class EnvironmentStatusReport:
    """Health of an environment (``GET /environments/{id}/status``).

    Attributes:
        environment_id: The environment.
        status: Its lifecycle status.
        url: Where it is served.
        container_running: Whether the Odoo container runs.
        db_ready: Whether the database answers.
        http_ok: Whether the site answers HTTP.
        last_deploy: The latest deploy task, or ``None`` if it never deployed.
    """

    environment_id: UUID | None = None
    status: EnvironmentStatus | None = None
    url: str | None = None
    container_running: bool | None = None
    db_ready: bool | None = None
    http_ok: bool | None = None
    last_deploy: LastDeploy | None = None


@frozen(kw_only=True)
class Pagination:
    """Where a page sits in its list.

    Attributes:
        has_more: Whether another page follows.
        next_cursor: The opaque cursor of the next page (``None`` on the last page).
        total: How many items the whole list holds, when the server says.
    """

    has_more: bool = False
    next_cursor: str | None = None
    total: int | None = None


@frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a list: its items and where to go next.

    Attributes:
        items: The items of this page, in server order.
        pagination: The cursor state after this page.
    """

    items: tuple[T, ...] = field(default=())
    pagination: Pagination = field(factory=Pagination)

    @property
    def next_cursor(self) -> str | None:
        """The cursor of the next page, or ``None`` when this is the last one.

        Same rule as the paginator: the list ends on ``has_more == false`` or an empty cursor.
        """
        return (self.pagination.next_cursor or None) if self.pagination.has_more else None

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __getitem__(self, index: int) -> T:
        return self.items[index]


@frozen(kw_only=True)
class RateLimitSnapshot:
    """The rate-limit headers of the most recent response.

    Attributes:
        limit: Requests allowed per window (``X-RateLimit-Limit``).
        remaining: Requests left in the current window (``X-RateLimit-Remaining``).
        window: Window length in seconds (``X-RateLimit-Window``).
        reset: Seconds until the window resets (``X-RateLimit-Reset``), when sent.
        bucket: ``"read"`` or ``"write"``: which budget the response counted against.
    """

    limit: int | None = None
    remaining: int | None = None
    window: float | None = None
    reset: float | None = None
    bucket: str = "read"
