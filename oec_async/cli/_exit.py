"""Exit codes, and the one-line message and exit code for each kind of failure."""

from __future__ import annotations

import enum
from typing import Final

from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    DeploymentFailedError,
    OECError,
    PaymentRequiredError,
    PermissionDeniedError,
    WaitTimeoutError,
)

__all__ = ["CLIError", "ExitCode", "describe_error", "exit_code_for", "short_error"]


class ExitCode(enum.IntEnum):
    """The documented exit codes of ``oec``."""

    OK = 0
    """Everything succeeded."""
    FAILED = 1
    """An environment's task failed, or the API refused the request (404, 409, 5xx...)."""
    USAGE = 2
    """Bad command line or configuration: unknown option, non-UUID id, bad URL."""
    AUTH = 3
    """No API key, or the key was refused (401) or may not do this (402, 403)."""
    TIMEOUT = 4
    """A wait or a request passed its deadline."""
    INTERRUPTED = 130
    """Ctrl-C (SIGINT): in-flight work was cancelled."""


class CLIError(Exception):
    """A failure the CLI reports as one line, with its exit code."""

    def __init__(self, message: str, code: ExitCode = ExitCode.FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


_AUTH_ERRORS: Final = (AuthenticationError, PermissionDeniedError, PaymentRequiredError)


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code for an exception that ended a command."""
    if isinstance(error, CLIError):
        return error.code
    if isinstance(error, _AUTH_ERRORS):
        return ExitCode.AUTH
    if isinstance(error, WaitTimeoutError | APITimeoutError | TimeoutError):
        return ExitCode.TIMEOUT
    return ExitCode.FAILED


def describe_error(error: BaseException) -> str:
    """One line that says what went wrong (status, code, message, request id when known)."""
    if isinstance(error, CLIError):
        return error.message
    if isinstance(error, APIStatusError):
        return str(error)
    if isinstance(error, APITimeoutError):
        return f"timed out: {error}"
    if isinstance(error, APIConnectionError):
        return f"cannot reach the API: {error}"
    if isinstance(error, WaitTimeoutError):
        return f"{error}: the wait timed out; the task goes on on the server"
    if isinstance(error, DeploymentFailedError | OECError):
        return str(error)
    text = str(error) or type(error).__name__
    return f"unexpected {type(error).__name__}: {text} (run with --debug for the traceback)"


def short_error(error: BaseException) -> str:
    """An error without the request line, for where the environment is already named.

    ``409 environment_not_running: Environment is stopped (request id r-1)`` rather than
    ``POST /environments/<id>/deploy -> 409 ...``.
    """
    if isinstance(error, APIStatusError):
        code = f" {error.code}" if error.code else ""
        rid = f" (request id {error.request_id})" if error.request_id else ""
        return f"{error.status}{code}: {error.message}{rid}"
    return describe_error(error)
