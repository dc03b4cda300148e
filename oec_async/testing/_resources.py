"""Backup and webhook records (the secondary resources of the fake)."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import attrs

from ._clock import FakeClock, isoformat
from ._dialect import DialectRules
from ._errors import JSONObject
from ._tasks import TaskRecord

BACKUP_LIFETIME: Final = 365 * 24 * 3600.0
"""Seconds a completed backup is kept, unless its retention is ``permanent``."""

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
    storage_config_id: str | None = None
    """The storage configuration asked for (None: the organisation's default)."""
    database_size: int = 432_198_144
    filestore_size: int = 211_345_920
    lifetime: float | None = BACKUP_LIFETIME
    """Seconds from completion to expiry (None: kept for ever)."""

    def expired(self, now: float) -> bool:
        """Return True once a completed backup has outlived its `lifetime`."""
        if self.lifetime is None or self.retention_type == "permanent":
            return False
        return self.task.status_at(now) == "completed" and now >= self.task.ends_at + self.lifetime

    def status_at(self, now: float, rules: DialectRules) -> str:
        """Return the backup's status at `now` in the words of `rules`' dialect.

        Docs: `pending`, `running`, `completed`, `failed`, `cancelled`. Live: `pending`,
        `in_progress`, `uploading` (the last step), `completed`, `failed`, `cancelled`, `expired`.
        """
        status = self.task.status_at(now)
        if status == "queued":
            return "pending"
        if status == "running":
            uploading = rules.backup_uploading_status
            on_last_step = self.task.steps_completed_at(now) >= len(self.task.steps) - 1
            return uploading if uploading and on_last_step else rules.backup_running_status
        if self.expired(now):
            return "expired"
        return status

    def to_json(
        self, clock: FakeClock, now: float, rules: DialectRules, *, detailed: bool = False
    ) -> JSONObject:
        """Return the Backup object (with `environment_snapshot` when `detailed`)."""
        status = self.status_at(now, rules)
        done = status in ("completed", "expired")
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
            if status in ("completed", "expired", "failed", "cancelled")
            else None,
            "duration_seconds": round(self.task.ends_at - self.task.started_at, 3)
            if done
            else None,
            "retention_type": self.retention_type,
            "expires_at": None
            if self.retention_type == "permanent" or self.lifetime is None or not done
            else isoformat(ended + timedelta(seconds=self.lifetime)),
            "is_verified": done,
            "verified_at": isoformat(ended) if done else None,
            "error_message": self.task.error_message if status == "failed" else None,
            "notes": self.notes,
            "created_at": isoformat(clock.to_wall(self.created_at)),
        }
        if detailed:
            body["environment_snapshot"] = self.snapshot
        return body


@attrs.frozen(kw_only=True)
class StorageConfig:
    """A backup storage of the organisation (the API has no route for them; they are seeded)."""

    id: str
    name: str
    provider: str
    is_default: bool = False


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
