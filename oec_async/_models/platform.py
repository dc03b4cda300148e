"""Models of the platform: servers, the organisation, its usage, API keys and rate limits."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from attrs import frozen

__all__ = [
    "ApiKey",
    "Organization",
    "OrganizationUsage",
    "RateLimitSnapshot",
    "Server",
    "ServerMetrics",
]


@frozen(kw_only=True)
class Server:
    """A server (VM) environments run on.

    Attributes:
        id: The server id.
        name: Its name.
        provider: The hosting provider.
        region: The provider's region.
        cpu_cores: CPU cores.
        ram_mb: Memory.
        disk_gb: Disk.
        environment_count: Environments on it.
        qualification_status: Its readiness for deploys.
        last_checked_at: When that was last checked.
    """

    id: UUID
    name: str | None = None
    provider: str | None = None
    region: str | None = None
    cpu_cores: float | None = None
    ram_mb: int | None = None
    disk_gb: int | None = None
    environment_count: int | None = None
    qualification_status: str | None = None
    last_checked_at: datetime | None = None


@frozen(kw_only=True)
class ServerMetrics:
    """Live figures of a server (``GET /servers/{id}/metrics``).

    Attributes:
        server_id: The server.
        status: Its health (``healthy``...).
        cpu_percent: CPU use.
        memory_percent: Memory use.
        memory_used_bytes: Memory in use.
        memory_total_bytes: Memory in all.
        disk_percent: Disk use.
        disk_used_bytes: Disk in use.
        disk_total_bytes: Disk in all.
        network_rx_bytes_per_second: Inbound traffic.
        network_tx_bytes_per_second: Outbound traffic.
        container_count: Containers on it.
        containers_running: Containers running.
        queried_at: When the figures were collected.
    """

    server_id: UUID | None = None
    status: str | None = None
    cpu_percent: float | None = None
    memory_percent: float | None = None
    memory_used_bytes: int | None = None
    memory_total_bytes: int | None = None
    disk_percent: float | None = None
    disk_used_bytes: int | None = None
    disk_total_bytes: int | None = None
    network_rx_bytes_per_second: float | None = None
    network_tx_bytes_per_second: float | None = None
    container_count: int | None = None
    containers_running: int | None = None
    queried_at: datetime | None = None


@frozen(kw_only=True)
class Organization:
    """The organisation the API key belongs to, with its plan and limits.

    Attributes:
        id: The organisation id.
        name: Its name.
        slug: Its short name.
        plan: Its plan (``starter``, ``pro``...).
        max_environments: Environments allowed.
        max_cpu_cores: CPU cores allowed.
        max_ram_mb: Memory allowed.
        max_disk_gb: Disk allowed.
    """

    id: UUID
    name: str | None = None
    slug: str | None = None
    plan: str | None = None
    max_environments: int | None = None
    max_cpu_cores: float | None = None
    max_ram_mb: int | None = None
    max_disk_gb: int | None = None


@frozen(kw_only=True)
class OrganizationUsage:
    """What the organisation uses now (``GET /org/usage``).

    Attributes:
        environments_running: Environments running.
        cpu_used: CPU cores allocated.
        ram_mb_used: Memory allocated.
        disk_gb_used: Disk allocated.
    """

    environments_running: int | None = None
    cpu_used: float | None = None
    ram_mb_used: int | None = None
    disk_gb_used: float | None = None


@frozen(kw_only=True)
class ApiKey:
    """An active API key of the organisation (never its secret value).

    Attributes:
        id: The key id (revoke it with ``client.org.api_keys.revoke``).
        name: Its name.
        key_prefix: The visible start of the key.
        tier: ``full_access`` or ``read_only``.
        scope: ``organization`` or ``project``.
        project_id: The project of a project-scoped key.
        created_at: Creation time.
        expires_at: Expiry, or ``None`` for none.
        last_used_at: Last use.
    """

    id: UUID
    name: str | None = None
    key_prefix: str | None = None
    tier: str | None = None
    scope: str | None = None
    project_id: UUID | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    last_used_at: datetime | None = None


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
