"""The fake's domain records: projects, environments, servers, backups, webhooks, API keys.

Records are mutable (the fake updates them in place) and know how to render themselves as the
API's JSON objects. Anything that depends on time takes `now` from the fake clock.
"""

from __future__ import annotations

from typing import Final

import attrs

from ._clock import FakeClock, isoformat
from ._errors import JSONObject
from ._tasks import TaskRecord

# Environment status while an action of each type runs (None: unchanged until it ends).
_STATUS_WHILE: Final[dict[str, str | None]] = {
    "deploy": "deploying",
    "restart": "deploying",
    "start": "deploying",
    "quick-update": "deploying",
    "restore": "deploying",
    "destroy": "destroying",
    "stop": None,
}
_STATUS_AFTER_SUCCESS: Final[dict[str, str]] = {"stop": "stopped", "destroy": "deleted"}
# "failed" here stands for the dialect's status of a failed deploy (`failed_status`).
_STATUS_AFTER_FAILURE: Final[dict[str, str | None]] = {
    "deploy": "failed",
    "quick-update": "failed",
    "restart": "error",
    "start": "error",
    "restore": "error",
    "destroy": "error",
    "stop": None,
}


@attrs.define(kw_only=True)
class Project:
    """A project (a Git repository deployed as environments)."""

    id: str
    name: str
    server_id: str | None
    created_at: float
    odoo_version: str | None = "17.0"
    git_repo_url: str | None = None
    default_branch: str | None = "main"
    git_provider: str | None = "github"
    deleted: bool = False

    def to_json(self, clock: FakeClock, environment_count: int) -> JSONObject:
        """Return the Project object."""
        return {
            "id": self.id,
            "name": self.name,
            "odoo_version": self.odoo_version,
            "git_repo_url": self.git_repo_url,
            "default_branch": self.default_branch,
            "environment_count": environment_count,
            "server_id": self.server_id,
            "created_at": isoformat(clock.to_wall(self.created_at)),
            "git_provider": self.git_provider,
        }


@attrs.define(kw_only=True)
class Environment:
    """An environment; its status is derived from `base_status` and its latest action task."""

    id: str
    name: str
    project_id: str
    server_id: str | None
    created_at: float
    updated_at: float
    base_status: str = "running"
    last_action: TaskRecord | None = None
    environment_type: str = "development"
    odoo_version: str = "17.0"
    branch: str = "main"
    last_commit: str = "0000000"
    cpu_cores: float = 1.0
    ram_mb: int = 2048
    disk_gb: int = 10
    custom_domain: str | None = None
    failed_status: str = "failed"
    """The status a failed deploy leaves (the dialect's: ``failed`` in the docs, ``error`` live)."""
    tasks: list[TaskRecord] = attrs.Factory(list)
    """Action tasks, oldest first (seeded history included; backup tasks excluded)."""

    def status_at(self, now: float) -> str:
        """Return the environment status at `now`."""
        task = self.last_action
        if task is None:
            return self.base_status
        if task.is_active(now):
            return _STATUS_WHILE.get(task.type) or self.base_status
        if task.cancelled_at is not None:
            return self.base_status
        if task.fails:
            after = _STATUS_AFTER_FAILURE.get(task.type) or self.base_status
            return self.failed_status if after == "failed" else after
        if task.crashed_at(now):
            return "error"
        return _STATUS_AFTER_SUCCESS.get(task.type, "running")

    def health_at(self, now: float) -> tuple[bool, bool, bool]:
        """Return `(container_running, db_ready, http_ok)` at `now`."""
        status = self.status_at(now)
        up = status == "running"
        task = self.last_action
        sick = task is not None and task.unhealthy_at(now)
        return up, up or status == "deploying", up and not sick

    def settle(self, now: float) -> None:
        """Fold the finished latest action into `base_status` before a new one starts."""
        self.base_status = self.status_at(now)
        self.last_action = None

    @property
    def url(self) -> str:
        """The environment's public URL."""
        return f"https://{self.custom_domain or self.name + '.apps.oec.sh'}"

    def to_json(self, clock: FakeClock, now: float) -> JSONObject:
        """Return the Environment object at `now`."""
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status_at(now),
            "url": self.url,
            "odoo_version": self.odoo_version,
            "branch": self.branch,
            "last_commit": self.last_commit,
            "cpu_cores": self.cpu_cores,
            "ram_mb": self.ram_mb,
            "disk_gb": self.disk_gb,
            "project_id": self.project_id,
            "server_id": self.server_id,
            "custom_domain": self.custom_domain,
            "custom_domain_verified": None if self.custom_domain is None else False,
            "environment_type": self.environment_type,
            "created_at": isoformat(clock.to_wall(self.created_at)),
            "updated_at": isoformat(clock.to_wall(self.updated_at)),
        }


@attrs.define(kw_only=True)
class Server:
    """A server (VM) environments run on."""

    id: str
    name: str
    created_at: float
    provider: str = "hetzner"
    region: str = "fsn1"
    cpu_cores: int = 8
    ram_mb: int = 32768
    disk_gb: int = 320

    def to_json(self, clock: FakeClock, environment_count: int) -> JSONObject:
        """Return the Server object."""
        return {
            "id": self.id,
            "name": self.name,
            "provider": self.provider,
            "region": self.region,
            "cpu_cores": self.cpu_cores,
            "ram_mb": self.ram_mb,
            "disk_gb": self.disk_gb,
            "environment_count": environment_count,
            "qualification_status": "qualified",
            "last_checked_at": isoformat(clock.to_wall(self.created_at)),
        }


@attrs.define(kw_only=True)
class ApiKeyRecord:
    """An API key: its secret value, tier and scope."""

    id: str
    name: str
    key: str
    created_at: float
    project_id: str | None = None
    revoked: bool = False

    @property
    def read_only(self) -> bool:
        """True for a read-only (`oec_live_ro_`) key."""
        return self.key.startswith("oec_live_ro_")

    def to_json(self, clock: FakeClock) -> JSONObject:
        """Return the API-key listing entry (never the secret)."""
        return {
            "id": self.id,
            "name": self.name,
            "key_prefix": self.key[:16],
            "tier": "read_only" if self.read_only else "full_access",
            "scope": "project" if self.project_id else "organization",
            "project_id": self.project_id,
            "created_at": isoformat(clock.to_wall(self.created_at)),
            "expires_at": None,
        }
