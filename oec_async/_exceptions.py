"""The exceptions oec-async raises.

Every exception derives from :class:`OECError`::

    OECError
    ├── APIError                          the request could not produce a usable answer
    │   ├── APIConnectionError            DNS, refused, reset, dropped connection (wraps aiohttp)
    │   │   └── APITimeoutError           connect or total timeout
    │   ├── ResponseValidationError       the body is not the JSON we expected
    │   ├── UnsafeRequestError            refused to send the key off the configured origin
    │   └── APIStatusError                the server answered with an error status
    │       ├── BadRequestError               400
    │       ├── AuthenticationError           401
    │       ├── PaymentRequiredError          402
    │       ├── PermissionDeniedError         403
    │       ├── NotFoundError                 404
    │       ├── ConflictError                 409
    │       │   ├── TaskInProgressError           task_in_progress (carries task_id)
    │       │   ├── ConcurrentActionError         concurrent_action (retried automatically)
    │       │   ├── EnvironmentNotRunningError    environment_not_running
    │       │   └── EnvironmentNotStoppedError    environment_not_stopped
    │       ├── UnprocessableEntityError      422
    │       ├── RateLimitError                429 (carries retry_after)
    │       └── InternalServerError           5xx
    ├── DeploymentFailedError             a waited task ended failed or cancelled
    ├── EnvironmentUnhealthyError         a rollout's health check failed (oec_async.fleet)
    ├── WaitTimeoutError                  a wait passed its deadline (carries the last Deployment)
    ├── PaginationError                   the server's cursors would not end (a loop, empty pages)
    └── ClientClosedError                 the client is not open

Invalid arguments raise the built-in ``ValueError`` / ``TypeError`` before any request is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final
from uuid import UUID

if TYPE_CHECKING:
    from ._models import Deployment

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConcurrentActionError",
    "ConflictError",
    "DeploymentFailedError",
    "EnvironmentNotRunningError",
    "EnvironmentNotStoppedError",
    "FieldError",
    "InternalServerError",
    "NotFoundError",
    "OECError",
    "PaginationError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "TaskInProgressError",
    "UnprocessableEntityError",
    "UnsafeRequestError",
    "WaitTimeoutError",
]


_FIELD_ERRORS_SHOWN: Final = 5


class OECError(Exception):
    """Root of every exception raised by oec-async."""


class APIError(OECError):
    """A request to the API did not produce a usable answer.

    Attributes:
        method: The HTTP method of the request.
        path: The request path relative to the base URL (never the full URL with a key).
    """

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path


class APIConnectionError(APIError):
    """The connection failed or dropped before a complete answer arrived.

    Attributes:
        may_have_reached_server: ``False`` only when the connection was never made, so the
            server cannot have acted on the request.
    """

    def __init__(
        self, message: str, *, method: str, path: str, may_have_reached_server: bool = True
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.may_have_reached_server = may_have_reached_server


class APITimeoutError(APIConnectionError):
    """The request timed out (connect or total)."""


class UnsafeRequestError(APIError):
    """The SDK refused to send the API key somewhere other than the configured origin."""


class ResponseValidationError(APIError):
    """The response body is not the JSON the SDK expected.

    Attributes:
        status: The HTTP status of the response (the real one: 202 for a bad 202 body).
        excerpt: The first bytes of the body, decoded leniently, for diagnosis.
        request_id: The response's ``X-Request-ID``, if present.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int,
        excerpt: str = "",
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.status = status
        self.excerpt = excerpt
        self.request_id = request_id


_REQUEST_PARTS: Final = frozenset({"body", "query", "path", "header", "cookie"})


class FieldError:
    """One field-level validation problem reported by the server.

    The live API names a field by its place in the request (``body.name``, ``query.limit``),
    the docs by its name alone (``name``); ``name`` reads the same for both.

    Attributes:
        field: The dotted field name as the server gave it (``body.name`` or ``name``), or
            ``""`` if unknown.
        message: The server's text for this field.
        type: The validation error type when the server gives one (FastAPI ``type``).
    """

    __slots__ = ("field", "message", "type")

    def __init__(self, field: str, message: str, type: str | None = None) -> None:
        self.field = field
        self.message = message
        self.type = type

    @property
    def name(self) -> str:
        """The field's own name, without the request part: ``name`` for ``body.name``."""
        part, dot, rest = self.field.partition(".")
        return rest if dot and part in _REQUEST_PARTS else self.field

    def __repr__(self) -> str:
        return f"FieldError(field={self.field!r}, message={self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldError):
            return NotImplemented
        return (self.field, self.message, self.type) == (other.field, other.message, other.type)

    def __hash__(self) -> int:
        return hash((self.field, self.message, self.type))


class APIStatusError(APIError):
    """The server answered with a 4xx or 5xx status.

    Attributes:
        status: The HTTP status code.
        code: The API's machine-readable ``error`` code (``task_in_progress``), or ``None``.
        message: The server's human-readable message (or a summary of the body).
        field_errors: Field-level validation problems, if the body listed any.
        details: Every other key of the error object (``task_id``, ``retry_after``...).
        request_id: The ``X-Request-ID`` response header, if present.
        retry_after: Seconds the server asked us to wait (429, some 503s), when it said.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int,
        code: str | None = None,
        field_errors: tuple[FieldError, ...] = (),
        details: Mapping[str, object] | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.status = status
        self.retry_after = retry_after
        self.code = code
        self.field_errors = field_errors
        self.details: Mapping[str, object] = details or {}
        self.request_id = request_id

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""
        rid = f" (request id {self.request_id})" if self.request_id else ""
        fields = ""
        if self.field_errors:
            shown = self.field_errors[:_FIELD_ERRORS_SHOWN]
            fields = "; " + "; ".join(f"{f.field}: {f.message}" for f in shown)
            if len(self.field_errors) > len(shown):
                fields += f" (+{len(self.field_errors) - len(shown)} more field errors)"
        return f"{self.method} {self.path} -> {self.status}{code}: {self.message}{fields}{rid}"


class BadRequestError(APIStatusError):
    """400: malformed JSON, wrong types or missing fields."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, malformed, unknown, revoked or expired."""


class PaymentRequiredError(APIStatusError):
    """402: the organisation's subscription is blocked."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (read-only key, plan too low, project-scoped key)."""


class NotFoundError(APIStatusError):
    """404: no such resource, or it belongs to another organisation or project."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's current state."""


class TaskInProgressError(ConflictError):
    """409 ``task_in_progress``: another action is queued or running on the environment.

    Attributes:
        task_id: The id of the active task when the server names it, else ``None``.
    """

    @property
    def task_id(self) -> UUID | None:
        """The active task's id, or ``None`` when the server did not name a valid one."""
        value = self.details.get("task_id")
        if not isinstance(value, str):
            return None
        try:
            return UUID(value)
        except ValueError:
            return None


class ConcurrentActionError(ConflictError):
    """409 ``concurrent_action``: another action is being queued right now; retried by default."""


class EnvironmentNotRunningError(ConflictError):
    """409 ``environment_not_running``: the action needs a running environment."""


class EnvironmentNotStoppedError(ConflictError):
    """409 ``environment_not_stopped``: ``start`` needs a stopped environment."""


class UnprocessableEntityError(APIStatusError):
    """422: the values are well-formed but break the API's rules."""


class RateLimitError(APIStatusError):
    """429: a rate limit was exceeded and retries did not get through (see ``retry_after``)."""


class InternalServerError(APIStatusError):
    """5xx: the server (or the customer's server behind it) failed."""


STATUS_ERRORS: Final[Mapping[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

CONFLICT_ERRORS: Final[Mapping[str, type[ConflictError]]] = {
    "task_in_progress": TaskInProgressError,
    "concurrent_action": ConcurrentActionError,
    "environment_not_running": EnvironmentNotRunningError,
    "environment_not_stopped": EnvironmentNotStoppedError,
}


def status_error_class(status: int, code: str | None) -> type[APIStatusError]:
    """Pick the exception class for an error status, refined by the API's error code."""
    if status == 409 and code is not None and code in CONFLICT_ERRORS:
        return CONFLICT_ERRORS[code]
    if status >= 500:
        return InternalServerError
    return STATUS_ERRORS.get(status, APIStatusError)


class DeploymentFailedError(OECError):
    """A waited task reached ``failed`` or ``cancelled`` and ``raise_on_failure`` was set.

    Attributes:
        deployment: The terminal Deployment, with its ``error_message``.
    """

    def __init__(self, deployment: Deployment) -> None:
        reason = f": {deployment.error_message}" if deployment.error_message else ""
        status = deployment.status.value if deployment.status is not None else "without a status"
        super().__init__(f"task {deployment.id} ended {status}{reason}")
        self.deployment = deployment


class WaitTimeoutError(OECError, TimeoutError):
    """A wait passed its deadline before the task reached a terminal status.

    Attributes:
        task_id: The task being waited on.
        last: The last Deployment seen, or ``None`` if no poll completed.
    """

    def __init__(self, task_id: str, timeout: float, last: Deployment | None) -> None:
        seen = ""
        if last is not None and last.status is not None:
            seen = f"; last status {last.status.value}"
        super().__init__(f"task {task_id} not finished after {timeout:g}s{seen}")
        self.task_id = task_id
        self.timeout = timeout
        self.last = last


class PaginationError(OECError):
    """Following the server's cursors would not end: a repeated cursor, or endless empty pages.

    Raised after the page that caused it was given out: the server sent a cursor it had already
    sent, or :data:`~oec_async._pagination.DEFAULT_MAX_EMPTY_PAGES` (10) empty pages in a row
    that all said ``has_more``.

    Attributes:
        cursor: Where the list would go on (``None`` when the server repeated a cursor): pass
            it as ``cursor=`` to resume on purpose.
    """

    def __init__(self, message: str, *, cursor: str | None = None) -> None:
        super().__init__(message)
        self.cursor = cursor


class ClientClosedError(OECError, RuntimeError):
    """The client is not open: use ``async with Client(...)`` (a closed client cannot reopen)."""
