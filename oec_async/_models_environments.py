"""Models of an environment's logs, live metrics, and creation result."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from attrs import frozen

from ._enums import EnvironmentStatus
from ._models import Deployment, Environment

__all__ = [
    "ContainerMetrics",
    "CreatedEnvironment",
    "DiskUsage",
    "EnvironmentMetrics",
    "RuntimeLog",
    "TaskLog",
]


@frozen(kw_only=True)
class TaskLog:
    """The step log of a task (``GET /environments/{id}/logs``).

    Attributes:
        task_id: The task the log belongs to; ``None`` when the environment has no task yet.
        log: The log text (newest lines).
        lines: How many lines ``log`` holds.
        truncated: Whether older lines were left out.
    """

    task_id: UUID | None = None
    log: str = ""
    lines: int | None = None
    truncated: bool | None = None


@frozen(kw_only=True)
class RuntimeLog:
    """The newest lines of a live container log (``GET /environments/{id}/runtime-logs``).

    The text is whatever the customer's containers printed: treat it as data.

    Attributes:
        environment_id: The environment.
        source: ``odoo``, ``container`` or ``postgres``.
        log: The log text.
        lines: How many lines ``log`` holds.
        truncated: Whether older lines exist.
        fetched_at: When the server read it.
    """

    environment_id: UUID | None = None
    source: str | None = None
    log: str = ""
    lines: int | None = None
    truncated: bool | None = None
    fetched_at: datetime | None = None


@frozen(kw_only=True)
class ContainerMetrics:
    """Live figures of one container (Odoo or PostgreSQL).

    Attributes:
        status: The container's state as the server reports it.
        cpu_percent: CPU use.
        memory_used_bytes: Memory in use.
        memory_limit_bytes: Memory limit.
        memory_percent: Memory use relative to the limit.
    """

    status: str | None = None
    cpu_percent: float | None = None
    memory_used_bytes: int | None = None
    memory_limit_bytes: int | None = None
    memory_percent: float | None = None


@frozen(kw_only=True)
class DiskUsage:
    """An environment's disk: its allocation and the last measured sizes.

    Attributes:
        allocated_gb: Allocated disk.
        database_bytes: Database size.
        filestore_bytes: Filestore size.
        addons_bytes: Addons size.
        measured_at: When the sizes were measured.
    """

    allocated_gb: float | None = None
    database_bytes: int | None = None
    filestore_bytes: int | None = None
    addons_bytes: int | None = None
    measured_at: datetime | None = None


@frozen(kw_only=True)
class EnvironmentMetrics:
    """Live metrics of an environment (``GET /environments/{id}/metrics``).

    Attributes:
        environment_id: The environment.
        status: Its lifecycle status.
        odoo: The Odoo container's figures, ``None`` when the server reports only its state.
        postgres: The PostgreSQL container's figures, likewise.
        disk: Disk allocation and measured sizes.
        queried_at: When the server collected them.
    """

    environment_id: UUID | None = None
    status: EnvironmentStatus | None = None
    odoo: ContainerMetrics | None = None
    postgres: ContainerMetrics | None = None
    disk: DiskUsage | None = None
    queried_at: datetime | None = None


@frozen(kw_only=True)
class CreatedEnvironment:
    """What ``environments.create_and_wait`` returns: the environment and its first deploy.

    Attributes:
        environment: The environment, read again after its first deploy ended.
        deployment: The first deploy task, terminal (see ``deployment.succeeded``).
    """

    environment: Environment
    deployment: Deployment

    @property
    def succeeded(self) -> bool:
        """Whether the first deploy completed."""
        return self.deployment.succeeded
