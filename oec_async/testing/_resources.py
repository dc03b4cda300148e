"""Backup and webhook records (the secondary resources of the fake)."""

from __future__ import annotations

from typing import Final

import attrs

from ._clock import FakeClock, isoformat
from ._errors import JSONObject
from ._tasks import TaskRecord

_BACKUP_STATUS: Final = {
    "queued": "pending",
    "running": "running",
    "completed": "completed",
    "failed": "failed",
    "cancelled": "cancelled",
}

WEBHOOK_EVENTS: Final = (
    "deploy.started",
    "deploy.completed",
    "deploy.failed",
    "deploy.cancelled",
    "environment.created",
    "environment.deleted",
    "environment.status_changed",
    "environment.ready",
    "automation_rule.triggered",
    "automation_rule.completed",
    "automation_rule.failed",
    "monitoring.alert",
)
WEBHOOK_FORMATS: Final = ("raw", "slack", "teams", "discord")


@attrs.define(kw_only=True)
class Backup:
    """A backup; its status follows its `backup` task."""

    id: str
    environment_id: str
    task: TaskRecord
    created_at: float
    snapshot: JSONObject
    backup_type: str = "scheduled"
    retention_type: str = "daily"
    include_filestore: bool = True
    notes: str | None = None
    database_size: int = 432_198_144
    filestore_size: int = 211_345_920

    def status_at(self, now: float) -> str:
        """Return `pending`, `running`, `completed`, `failed` or `cancelled` at `now`."""
        return _BACKUP_STATUS[self.task.status_at(now)]

    def to_json(self, clock: FakeClock, now: float, *, detailed: bool = False) -> JSONObject:
        """Return the Backup object (with `environment_snapshot` when `detailed`)."""
        status = self.status_at(now)
        done = status == "completed"
        filestore = self.filestore_size if self.include_filestore else 0
        total = self.database_size + filestore
        ended = clock.to_wall(self.task.ends_at)
        body: JSONObject = {
            "id": self.id,
            "environment_id": self.environment_id,
            "task_id": self.task.id,
            "status": status,
            "backup_type": self.backup_type,
            "database_size": self.database_size if done else None,
            "filestore_size": filestore if done else None,
            "total_size": total if done else None,
            "compressed_size": total // 3 if done else None,
            "started_at": None
            if status == "pending"
            else isoformat(clock.to_wall(self.task.started_at)),
            "completed_at": isoformat(ended)
            if status in ("completed", "failed", "cancelled")
            else None,
            "duration_seconds": round(self.task.ends_at - self.task.started_at, 3)
            if done
            else None,
            "retention_type": self.retention_type,
            "expires_at": None
            if self.retention_type == "permanent" or not done
            else isoformat(ended.replace(year=ended.year + 1)),
            "is_verified": done,
            "verified_at": isoformat(ended) if done else None,
            "error_message": self.task.error_message if status == "failed" else None,
            "notes": self.notes,
            "created_at": isoformat(clock.to_wall(self.created_at)),
        }
        if detailed:
            body["environment_snapshot"] = self.snapshot
        return body


@attrs.define(kw_only=True)
class Webhook:
    """A webhook subscription and its delivery history (newest first, at most 50 kept)."""

    id: str
    url: str
    events: list[str]
    secret: str
    created_at: float
    description: str | None = None
    project_id: str | None = None
    format: str = "raw"
    is_active: bool = True
    last_triggered_at: float | None = None
    failure_count: int = 0
    deliveries: list[JSONObject] = attrs.Factory(list)

    def to_json(self, clock: FakeClock, *, with_secret: bool = False) -> JSONObject:
        """Return the Webhook object (the secret only when `with_secret`)."""
        body: JSONObject = {
            "id": self.id,
            "url": self.url,
            "events": list(self.events),
            "description": self.description,
            "project_id": self.project_id,
            "format": self.format,
            "is_active": self.is_active,
            "last_triggered_at": None
            if self.last_triggered_at is None
            else isoformat(clock.to_wall(self.last_triggered_at)),
            "failure_count": self.failure_count,
            "created_at": isoformat(clock.to_wall(self.created_at)),
        }
        if with_secret:
            body["secret"] = self.secret
        return body

    def record_delivery(self, delivery: JSONObject) -> None:
        """Prepend a delivery attempt, keeping the 50 most recent."""
        self.deliveries.insert(0, delivery)
        del self.deliveries[50:]
