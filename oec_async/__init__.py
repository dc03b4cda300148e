"""oec-async: the async-first Python SDK for the OEC.sh public API.

Example::

    from oec_async import Client

    async with Client(api_key="oec_live_rw_...") as client:
        action = await client.environments.deploy(env_id)
        final = await client.deployments.wait(action, timeout=600)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._client import Client
from ._config import DEFAULT_BASE_URL, PollPolicy, RateLimits, RetryPolicy, Timeouts
from ._enums import EnvironmentStatus, TaskStatus
from ._events import RateLimitWait, RetryScheduled, TransportEvent, listening
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConcurrentActionError,
    ConflictError,
    DeploymentFailedError,
    EnvironmentNotRunningError,
    EnvironmentNotStoppedError,
    FieldError,
    InternalServerError,
    NotFoundError,
    OECError,
    PaginationError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    TaskInProgressError,
    UnprocessableEntityError,
    UnsafeRequestError,
    WaitTimeoutError,
)
from ._models import (
    ActionResult,
    Deployment,
    Environment,
    EnvironmentStatusReport,
    LastDeploy,
    Page,
    Pagination,
    RateLimitSnapshot,
)
from ._models_backups import (
    Backup,
    BackupDownload,
    BackupSnapshot,
    BackupStatus,
    BackupType,
    RetentionType,
    SnapshotRef,
)
from ._models_environments import (
    ContainerMetrics,
    CreatedEnvironment,
    DiskUsage,
    EnvironmentMetrics,
    RuntimeLog,
    TaskLog,
)
from ._models_platform import ApiKey, Organization, OrganizationUsage, Server, ServerMetrics
from ._models_projects import GitProvider, Project
from ._models_webhooks import (
    Webhook,
    WebhookDelivery,
    WebhookEventType,
    WebhookFormat,
    WebhookSecret,
    WebhookTestResult,
)
from ._pagination import AsyncPaginator
from ._polling import DeploymentWatcher

# The fleet names are imported on first access (``__getattr__`` below): most programs never fan
# out, and the fleet package would add a fifth to the cost of ``import oec_async``.
if TYPE_CHECKING:
    from .fleet import (
        ConflictPolicy,
        EnvironmentRef,
        Fleet,
        FleetActionStarted,
        FleetEnvironmentFinished,
        FleetEvent,
        FleetEventStream,
        FleetOptions,
        FleetOutcome,
        FleetRateLimitWait,
        FleetReport,
        FleetRetry,
        FleetRun,
        FleetStatusChanged,
        OutcomeKind,
    )

    __version__: str

__all__ = [
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "ActionResult",
    "ApiKey",
    "AsyncPaginator",
    "AuthenticationError",
    "Backup",
    "BackupDownload",
    "BackupSnapshot",
    "BackupStatus",
    "BackupType",
    "BadRequestError",
    "Client",
    "ClientClosedError",
    "ConcurrentActionError",
    "ConflictError",
    "ConflictPolicy",
    "ContainerMetrics",
    "CreatedEnvironment",
    "Deployment",
    "DeploymentFailedError",
    "DeploymentWatcher",
    "DiskUsage",
    "Environment",
    "EnvironmentMetrics",
    "EnvironmentNotRunningError",
    "EnvironmentNotStoppedError",
    "EnvironmentRef",
    "EnvironmentStatus",
    "EnvironmentStatusReport",
    "FieldError",
    "Fleet",
    "FleetActionStarted",
    "FleetEnvironmentFinished",
    "FleetEvent",
    "FleetEventStream",
    "FleetOptions",
    "FleetOutcome",
    "FleetRateLimitWait",
    "FleetReport",
    "FleetRetry",
    "FleetRun",
    "FleetStatusChanged",
    "GitProvider",
    "InternalServerError",
    "LastDeploy",
    "NotFoundError",
    "OECError",
    "Organization",
    "OrganizationUsage",
    "OutcomeKind",
    "Page",
    "Pagination",
    "PaginationError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PollPolicy",
    "Project",
    "RateLimitError",
    "RateLimitSnapshot",
    "RateLimitWait",
    "RateLimits",
    "ResponseValidationError",
    "RetentionType",
    "RetryPolicy",
    "RetryScheduled",
    "RuntimeLog",
    "Server",
    "ServerMetrics",
    "SnapshotRef",
    "TaskInProgressError",
    "TaskLog",
    "TaskStatus",
    "Timeouts",
    "TransportEvent",
    "UnprocessableEntityError",
    "UnsafeRequestError",
    "WaitTimeoutError",
    "Webhook",
    "WebhookDelivery",
    "WebhookEventType",
    "WebhookFormat",
    "WebhookSecret",
    "WebhookTestResult",
    "listening",
]


_FLEET_NAMES = frozenset(
    {
        "ConflictPolicy",
        "EnvironmentRef",
        "Fleet",
        "FleetActionStarted",
        "FleetEnvironmentFinished",
        "FleetEvent",
        "FleetEventStream",
        "FleetOptions",
        "FleetOutcome",
        "FleetRateLimitWait",
        "FleetReport",
        "FleetRetry",
        "FleetRun",
        "FleetStatusChanged",
        "OutcomeKind",
    }
)


def __getattr__(name: str) -> object:
    if name in _FLEET_NAMES or name == "fleet":
        fleet = importlib.import_module(".fleet", __name__)
        if name == "fleet":
            return fleet
        value = getattr(fleet, name)
        globals()[name] = value  # later lookups find it without calling this function
        return value
    if name == "__version__":
        from ._version import get_version

        return get_version()
    raise AttributeError(f"module 'oec_async' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_FLEET_NAMES})
