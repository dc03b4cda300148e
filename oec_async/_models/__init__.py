"""Frozen models of the API's resources, one module per topic.

Models hold data only: how they are read from JSON lives in ``_converter.py``. Every field but
the id may be missing or null in a response, so every other field defaults to ``None``.
"""

from __future__ import annotations

from .backups import (
    Backup,
    BackupDownload,
    BackupSnapshot,
    BackupStatus,
    BackupType,
    RetentionType,
    SnapshotRef,
)
from .deployments import ActionResult, Deployment, LastDeploy
from .environments import (
    ContainerMetrics,
    CreatedEnvironment,
    DiskUsage,
    Environment,
    EnvironmentMetrics,
    EnvironmentStatusReport,
    RuntimeLog,
    TaskLog,
)
from .pages import Page, Pagination
from .platform import (
    ApiKey,
    Organization,
    OrganizationUsage,
    RateLimitSnapshot,
    Server,
    ServerMetrics,
)
from .projects import GitProvider, Project
from .webhooks import (
    Webhook,
    WebhookDelivery,
    WebhookEventType,
    WebhookFormat,
    WebhookSecret,
    WebhookTestResult,
)

__all__ = [
    "ActionResult",
    "ApiKey",
    "Backup",
    "BackupDownload",
    "BackupSnapshot",
    "BackupStatus",
    "BackupType",
    "ContainerMetrics",
    "CreatedEnvironment",
    "Deployment",
    "DiskUsage",
    "Environment",
    "EnvironmentMetrics",
    "EnvironmentStatusReport",
    "GitProvider",
    "LastDeploy",
    "Organization",
    "OrganizationUsage",
    "Page",
    "Pagination",
    "Project",
    "RateLimitSnapshot",
    "RetentionType",
    "RuntimeLog",
    "Server",
    "ServerMetrics",
    "SnapshotRef",
    "TaskLog",
    "Webhook",
    "WebhookDelivery",
    "WebhookEventType",
    "WebhookFormat",
    "WebhookSecret",
    "WebhookTestResult",
]
