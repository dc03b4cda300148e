"""The exception hierarchy and the status -> class table."""

from __future__ import annotations

from uuid import UUID

import pytest

from oec_async import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConcurrentActionError,
    ConflictError,
    Deployment,
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
    TaskStatus,
    UnprocessableEntityError,
    UnsafeRequestError,
    WaitTimeoutError,
)
from oec_async._exceptions import status_error_class

TASK = UUID("00000000-0000-4000-8000-000000000005")


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, PaymentRequiredError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (599, InternalServerError),
    ],
)
def test_each_status_maps_to_its_class(status: int, cls: type[APIStatusError]) -> None:
    assert status_error_class(status, None) is cls


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("task_in_progress", TaskInProgressError),
        ("concurrent_action", ConcurrentActionError),
        ("environment_not_running", EnvironmentNotRunningError),
        ("environment_not_stopped", EnvironmentNotStoppedError),
        ("something_new", ConflictError),
        (None, ConflictError),
    ],
)
def test_a_409_is_refined_by_its_code(code: str | None, cls: type[APIStatusError]) -> None:
    assert status_error_class(409, code) is cls


def test_conflict_codes_do_not_refine_other_statuses() -> None:
    assert status_error_class(400, "task_in_progress") is BadRequestError


@pytest.mark.parametrize("status", [405, 408, 410, 418])
def test_an_unlisted_status_gets_the_generic_status_error(status: int) -> None:
    assert status_error_class(status, None) is APIStatusError


@pytest.mark.parametrize(
    "cls",
    [
        TaskInProgressError,
        ConcurrentActionError,
        EnvironmentNotRunningError,
        EnvironmentNotStoppedError,
    ],
)
def test_every_refined_conflict_is_a_conflict_error(cls: type[APIStatusError]) -> None:
    assert issubclass(cls, ConflictError)


@pytest.mark.parametrize(
    "cls",
    [
        APIConnectionError,
        APITimeoutError,
        ResponseValidationError,
        UnsafeRequestError,
        APIStatusError,
        RateLimitError,
    ],
)
def test_request_failures_are_api_errors(cls: type[Exception]) -> None:
    assert issubclass(cls, APIError)
    assert issubclass(cls, OECError)


@pytest.mark.parametrize(
    "cls", [DeploymentFailedError, WaitTimeoutError, PaginationError, ClientClosedError]
)
def test_every_other_error_derives_from_the_root(cls: type[Exception]) -> None:
    assert issubclass(cls, OECError)


def test_a_timeout_is_a_connection_error() -> None:
    assert issubclass(APITimeoutError, APIConnectionError)


def test_a_wait_timeout_is_also_a_builtin_timeout_error() -> None:
    assert issubclass(WaitTimeoutError, TimeoutError)


def test_a_closed_client_error_is_also_a_runtime_error() -> None:
    assert issubclass(ClientClosedError, RuntimeError)


def test_every_exception_name_ends_in_error() -> None:
    import oec_async

    exceptions = [
        name
        for name in oec_async.__all__
        if isinstance(getattr(oec_async, name), type)
        and issubclass(getattr(oec_async, name), BaseException)
    ]
    assert exceptions
    assert all(name.endswith("Error") for name in exceptions)


def test_status_error_str_names_method_path_status_code_and_request_id() -> None:
    error = NotFoundError(
        "Resource not found.",
        method="GET",
        path="/environments/x",
        status=404,
        code="not_found",
        request_id="req-1",
    )
    assert (
        str(error) == "GET /environments/x -> 404 not_found: Resource not found. (request id req-1)"
    )


def test_status_error_str_without_code_or_request_id() -> None:
    error = InternalServerError("Bad Gateway", method="GET", path="/x", status=502)
    assert str(error) == "GET /x -> 502: Bad Gateway"


def test_status_error_str_lists_field_errors() -> None:
    error = UnprocessableEntityError(
        "request validation failed",
        method="POST",
        path="/x",
        status=422,
        code="validation_error",
        field_errors=(FieldError("body.name", "Field required", "missing"),),
    )
    assert str(error).endswith("request validation failed; body.name: Field required")


def test_task_in_progress_error_carries_the_running_task_id() -> None:
    error = TaskInProgressError(
        "busy", method="POST", path="/x", status=409, details={"task_id": str(TASK)}
    )
    assert error.task_id == TASK


@pytest.mark.parametrize("details", [{}, {"task_id": 5}, {"task_id": "not-a-uuid"}])
def test_task_in_progress_error_without_a_usable_task_id_gives_none(
    details: dict[str, object],
) -> None:
    error = TaskInProgressError("busy", method="POST", path="/x", status=409, details=details)
    assert error.task_id is None


def test_field_errors_compare_by_value() -> None:
    assert FieldError("a", "b", "c") == FieldError("a", "b", "c")
    assert FieldError("a", "b") != FieldError("a", "b", "c")
    assert len({FieldError("a", "b"), FieldError("a", "b")}) == 1


def test_deployment_failed_error_carries_the_deployment_and_its_reason() -> None:
    deployment = Deployment(id=TASK, status=TaskStatus.FAILED, error_message="migration broke")
    error = DeploymentFailedError(deployment)
    assert error.deployment is deployment
    assert str(error) == f"task {TASK} ended failed: migration broke"


def test_deployment_failed_error_without_a_reason() -> None:
    error = DeploymentFailedError(Deployment(id=TASK, status=TaskStatus.CANCELLED))
    assert str(error) == f"task {TASK} ended cancelled"


def test_wait_timeout_error_carries_the_last_deployment_seen() -> None:
    last = Deployment(id=TASK, status=TaskStatus.RUNNING)
    error = WaitTimeoutError(str(TASK), 1.5, last)
    assert error.last is last
    assert error.task_id == str(TASK)
    assert error.timeout == 1.5
    assert str(error) == f"task {TASK} not finished after 1.5s; last status running"


def test_wait_timeout_error_before_any_poll() -> None:
    error = WaitTimeoutError(str(TASK), 2, None)
    assert error.last is None
    assert str(error) == f"task {TASK} not finished after 2s"
