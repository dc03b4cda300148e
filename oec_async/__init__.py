"""oec-async: the async-first Python SDK for the OEC.sh public API.

Example::

    from oec_async import Client

    async with Client(api_key="oec_live_rw_...") as client:
        action = await client.environments.deploy(env_id)
        final = await client.deployments.wait(action, timeout=600)
"""

from __future__ import annotations

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
from ._pagination import AsyncPaginator
from ._polling import DeploymentWatcher

if TYPE_CHECKING:
    __version__: str

__all__ = [
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "ActionResult",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ClientClosedError",
    "ConcurrentActionError",
    "ConflictError",
    "Deployment",
    "DeploymentFailedError",
    "DeploymentWatcher",
    "Environment",
    "EnvironmentNotRunningError",
    "EnvironmentNotStoppedError",
    "EnvironmentStatus",
    "EnvironmentStatusReport",
    "FieldError",
    "InternalServerError",
    "LastDeploy",
    "NotFoundError",
    "OECError",
    "Page",
    "Pagination",
    "PaginationError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PollPolicy",
    "RateLimitError",
    "RateLimitSnapshot",
    "RateLimitWait",
    "RateLimits",
    "ResponseValidationError",
    "RetryPolicy",
    "RetryScheduled",
    "TaskInProgressError",
    "TaskStatus",
    "Timeouts",
    "TransportEvent",
    "UnprocessableEntityError",
    "UnsafeRequestError",
    "WaitTimeoutError",
    "listening",
]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from ._version import get_version

        return get_version()
    raise AttributeError(f"module 'oec_async' has no attribute {name!r}")
