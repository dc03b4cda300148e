"""Models of environments: the environment, its health, logs, live metrics and creation."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from attrs import frozen

from .._enums import EnvironmentStatus
from .deployments import Deployment, LastDeploy

__all__ = [
    "ContainerMetrics",
    "CreatedEnvironment",
    "DiskUsage",
    "Environment",
    "EnvironmentMetrics",
    "EnvironmentStatusReport",
    "RuntimeLog",
    "TaskLog",
]


@frozen(kw_only=True)
class Environment:
    """An Odoo environment (a deployment target inside a project).

    Attributes:
        id: The environment id.
        name: Its name.
        status: Its lifecycle status.
        environment_type: ``development``, ``staging`` or ``production``, when the server says.
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
    environment_type: str | None = None
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
