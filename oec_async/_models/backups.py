"""Models of backups and their download links."""

from __future__ import annotations

from datetime import datetime
from typing import Final
from uuid import UUID

from attrs import field, frozen

from .._enums import _OpenStrEnum

__all__ = [
    "Backup",
    "BackupDownload",
    "BackupSnapshot",
    "BackupStatus",
    "BackupType",
    "RetentionType",
    "SnapshotRef",
]


class BackupStatus(_OpenStrEnum):
    """The status of a backup (the docs and the live API name different sets; both are known)."""

    PENDING = "pending"
    RUNNING = "running"
    IN_PROGRESS = "in_progress"
    UPLOADING = "uploading"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        """Whether the backup is done: ``completed``, ``failed``, ``cancelled`` or ``expired``."""
        return self in _TERMINAL_BACKUP


_TERMINAL_BACKUP: Final = frozenset(
    {BackupStatus.COMPLETED, BackupStatus.FAILED, BackupStatus.CANCELLED, BackupStatus.EXPIRED}
)


class BackupType(_OpenStrEnum):
    """Why a backup was taken."""

    MANUAL = "manual"
    SCHEDULED = "scheduled"
    PRE_DEPLOY = "pre_deploy"
    PRE_RESTORE = "pre_restore"
    PRE_UPGRADE = "pre_upgrade"
    PRE_DESTROY = "pre_destroy"


class RetentionType(_OpenStrEnum):
    """How long a backup is kept."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"
    PERMANENT = "permanent"


@frozen(kw_only=True)
class SnapshotRef:
    """An object as it was when a backup was taken (its id and name; other fields are ignored).

    Attributes:
        id: Its id.
        name: Its name then.
    """

    id: UUID | None = None
    name: str | None = None


@frozen(kw_only=True)
class BackupSnapshot:
    """The environment, project and server a backup was taken from, as they were then.

    Attributes:
        environment: The environment.
        project: Its project.
        server: Its server.
    """

    environment: SnapshotRef | None = None
    project: SnapshotRef | None = None
    server: SnapshotRef | None = None


@frozen(kw_only=True)
class Backup:
    """A backup of an environment's database (and filestore).

    Attributes:
        id: The backup id.
        environment_id: The environment it was taken from.
        task_id: The task that takes it (wait on it with ``client.deployments.wait``).
        status: Its status; only ``completed`` backups can be downloaded or restored.
        backup_type: Why it was taken.
        database_size: Database dump size in bytes.
        filestore_size: Filestore size in bytes.
        total_size: Both, in bytes.
        compressed_size: Stored size in bytes.
        started_at: When it started.
        completed_at: When it ended.
        duration_seconds: How long it took.
        retention_type: How long it is kept.
        expires_at: When it will be deleted.
        is_verified: Whether its integrity was verified.
        verified_at: When.
        error_message: Why it failed.
        notes: The note given at creation.
        created_at: Creation time.
        environment_snapshot: The environment, project and server then (``get`` only).
    """

    id: UUID
    environment_id: UUID | None = None
    task_id: UUID | None = None
    status: BackupStatus | None = None
    backup_type: BackupType | None = None
    database_size: int | None = None
    filestore_size: int | None = None
    total_size: int | None = None
    compressed_size: int | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    duration_seconds: float | None = None
    retention_type: RetentionType | None = None
    expires_at: datetime | None = None
    is_verified: bool | None = None
    verified_at: datetime | None = None
    error_message: str | None = None
    notes: str | None = None
    created_at: datetime | None = None
    environment_snapshot: BackupSnapshot | None = None


@frozen(kw_only=True)
class BackupDownload:
    """Presigned download links of a completed backup.

    Anyone holding a link can download the data until it expires, so the links are left out of
    ``repr()``: read them from the attributes and hand them on with care.

    Attributes:
        backup_id: The backup.
        database_url: The database dump.
        filestore_url: The filestore archive (``None`` without a filestore).
        manifest_url: The manifest.
        expires_in: Lifetime of the links in seconds.
        expires_at: When they stop working.
    """

    backup_id: UUID | None = None
    database_url: str | None = field(default=None, repr=False)
    filestore_url: str | None = field(default=None, repr=False)
    manifest_url: str | None = field(default=None, repr=False)
    expires_in: int | None = None
    expires_at: datetime | None = None
