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

from ._adapter import DEFAULT_MAX_RESPONSE_SIZE
from ._client import Client
from ._config import DEFAULT_BASE_URL, PollPolicy, RateLimits, RetryPolicy, Timeouts
from ._enums import EnvironmentStatus, TaskStatus
from ._events import (
    AttemptFinished,
    AttemptStarted,
    CallFinished,
    CallStarted,
    Event,
    Listener,
    RateLimitWait,
    RetryScheduled,
    SharedBudgetRestored,
    SharedBudgetUnavailable,
    TransportEvent,
    listening,
)
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
    ApiKey,
    Backup,
    BackupDownload,
    BackupSnapshot,
    BackupStatus,
    BackupType,
    ContainerMetrics,
    CreatedEnvironment,
    Deployment,
    DiskUsage,
    Environment,
    EnvironmentMetrics,
    EnvironmentStatusReport,
    GitProvider,
    LastDeploy,
    Organization,
    OrganizationUsage,
    Page,
    Pagination,
    Project,
    RateLimitSnapshot,
    RetentionType,
    RuntimeLog,
    Server,
    ServerMetrics,
    SnapshotRef,
    TaskLog,
    Webhook,
    WebhookDelivery,
    WebhookEventType,
    WebhookFormat,
    WebhookSecret,
    WebhookTestResult,
)
from ._pagination import AsyncPaginator
from ._polling import DeploymentWatcher
from ._response import APIResponse, RawResponses

# Imported on first access, by ``__getattr__`` below: the fleet package (``Client`` imports it on
# first use too). Type checkers and IDEs read these imports.
if TYPE_CHECKING:
    from .fleet import (
        ConflictPolicy,
        EnvironmentRef,
        EnvironmentUnhealthyError,
        Fleet,
        FleetActionStarted,
        FleetEnvironmentFinished,
        FleetEvent,
        FleetEventStream,
        FleetOptions,
        FleetOutcome,
        FleetPlan,
        FleetRateLimitWait,
        FleetReport,
        FleetRetry,
        FleetRun,
        FleetRunFinished,
        FleetRunStarted,
        FleetStatusChanged,
        HealthChecked,
        HealthProbe,
        OutcomeKind,
        PlannedConflict,
        PlannedWave,
        Rollout,
        RolloutHalt,
        RolloutHalted,
        RolloutPaused,
        RolloutResumed,
        WaveBaking,
        WaveFinished,
        WaveReport,
        WaveSize,
        WaveStarted,
    )

    __version__: str

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_SIZE",
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIStatusError",
    "APITimeoutError",
    "ActionResult",
    "ApiKey",
    "AsyncPaginator",
    "AttemptFinished",
    "AttemptStarted",
    "AuthenticationError",
    "Backup",
    "BackupDownload",
    "BackupSnapshot",
    "BackupStatus",
    "BackupType",
    "BadRequestError",
    "CallFinished",
    "CallStarted",
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
    "EnvironmentUnhealthyError",
    "Event",
    "FieldError",
    "Fleet",
    "FleetActionStarted",
    "FleetEnvironmentFinished",
    "FleetEvent",
    "FleetEventStream",
    "FleetOptions",
    "FleetOutcome",
    "FleetPlan",
    "FleetRateLimitWait",
    "FleetReport",
    "FleetRetry",
    "FleetRun",
    "FleetRunFinished",
    "FleetRunStarted",
    "FleetStatusChanged",
    "GitProvider",
    "HealthChecked",
    "HealthProbe",
    "InternalServerError",
    "LastDeploy",
    "Listener",
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
    "PlannedConflict",
    "PlannedWave",
    "PollPolicy",
    "Project",
    "RateLimitError",
    "RateLimitSnapshot",
    "RateLimitWait",
    "RateLimits",
    "RawResponses",
    "ResponseValidationError",
    "RetentionType",
    "RetryPolicy",
    "RetryScheduled",
    "Rollout",
    "RolloutHalt",
    "RolloutHalted",
    "RolloutPaused",
    "RolloutResumed",
    "RuntimeLog",
    "Server",
    "ServerMetrics",
    "SharedBudgetRestored",
    "SharedBudgetUnavailable",
    "SnapshotRef",
    "TaskInProgressError",
    "TaskLog",
    "TaskStatus",
    "Timeouts",
    "TransportEvent",
    "UnprocessableEntityError",
    "UnsafeRequestError",
    "WaitTimeoutError",
    "WaveBaking",
    "WaveFinished",
    "WaveReport",
    "WaveSize",
    "WaveStarted",
    "Webhook",
    "WebhookDelivery",
    "WebhookEventType",
    "WebhookFormat",
    "WebhookSecret",
    "WebhookTestResult",
    "listening",
]


_LAZY_MODULES = {
    ".fleet": (
        "ConflictPolicy",
        "EnvironmentRef",
        "EnvironmentUnhealthyError",
        "Fleet",
        "FleetActionStarted",
        "FleetEnvironmentFinished",
        "FleetEvent",
        "FleetEventStream",
        "FleetOptions",
        "FleetOutcome",
        "FleetPlan",
        "FleetRateLimitWait",
        "FleetReport",
        "FleetRetry",
        "FleetRun",
        "FleetRunFinished",
        "FleetRunStarted",
        "FleetStatusChanged",
        "HealthChecked",
        "HealthProbe",
        "OutcomeKind",
        "PlannedConflict",
        "PlannedWave",
        "Rollout",
        "RolloutHalt",
        "RolloutHalted",
        "RolloutPaused",
        "RolloutResumed",
        "WaveBaking",
        "WaveFinished",
        "WaveReport",
        "WaveSize",
        "WaveStarted",
    ),
}
_LAZY_NAMES = {name: module for module, names in _LAZY_MODULES.items() for name in names}
# Subpackages that ``import oec_async`` used to import, so ``oec_async.fleet`` keeps working.
_LAZY_SUBPACKAGES = frozenset({"budget", "fleet", "resources"})


def __getattr__(name: str) -> object:
    module = _LAZY_NAMES.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value  # later lookups find it without calling this function
        return value
    if name in _LAZY_SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    if name == "__version__":
        from ._version import get_version

        return get_version()
    raise AttributeError(f"module 'oec_async' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_NAMES})
