"""``--no-wait``: send an action to each environment and print its task, without following it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final
from uuid import UUID

from .._client import Client
from .._exceptions import (
    APIStatusError,
    AuthenticationError,
    PaymentRequiredError,
    PermissionDeniedError,
    TaskInProgressError,
)
from ..fleet import ConflictPolicy, idempotency_key
from ..resources.environments import Action
from ._exit import ExitCode, short_error
from ._output import Output
from ._started import StartedTasks

__all__ = ["start_without_waiting"]

_AUTH: Final = (AuthenticationError, PermissionDeniedError, PaymentRequiredError)
"""Refusals of the key itself: they end the command (exit code 3) instead of one environment."""


async def start_without_waiting(
    client: Client,
    out: Output,
    action: Action,
    environment_ids: Sequence[UUID],
    started: StartedTasks,
    *,
    on_conflict: ConflictPolicy,
    batch_id: str | None,
) -> int:
    """Send the action to each environment in turn and print its task, without waiting.

    Conflicts follow the fleet's policies (``wait_then_retry`` needs waiting, so it is not one
    of them), and ``batch_id`` derives the same idempotency keys as a fleet run: a later
    ``--wait`` run with the same batch id attaches to these tasks.

    Returns:
        The exit code: 1 if any environment refused the action.
    """
    failed = 0
    for environment_id in environment_ids:
        key = None
        if batch_id is not None:
            key = idempotency_key(batch_id, environment_id, action)
        try:
            result = await client.environments.action(action, environment_id, idempotency_key=key)
        except TaskInProgressError as conflict:
            task_id = conflict.task_id
            if on_conflict == "attach" and task_id is not None:
                started.add(environment_id, task_id)
                _print_start(out, started, environment_id, action, "attached", task_id)
            elif on_conflict == "skip":
                _print_start(out, started, environment_id, action, "skipped", task_id)
            else:
                failed += 1
                _print_start(out, started, environment_id, action, "conflicted", task_id, conflict)
            continue
        except _AUTH:
            raise
        except APIStatusError as error:
            failed += 1
            _print_start(out, started, environment_id, action, "errored", None, error)
            continue
        started.add(environment_id, result.task_id)
        _print_start(out, started, environment_id, action, "started", result.task_id)
    return ExitCode.FAILED if failed else ExitCode.OK


def _print_start(
    out: Output,
    started: StartedTasks,
    environment_id: UUID,
    action: str,
    kind: str,
    task_id: UUID | None,
    error: APIStatusError | None = None,
) -> None:
    if out.json_mode:
        out.json(
            {
                "event": kind,
                "environment_id": str(environment_id),
                "name": started.name(environment_id),
                "action": action,
                "task_id": str(task_id) if task_id else None,
                "error": str(error) if error is not None else None,
            }
        )
        return
    task = f" task {task_id}" if task_id else ""
    why = f": {short_error(error)}" if error is not None else ""
    label = started.label(environment_id)
    out.line(f"{label} {action} {kind}{task}{why}", style="red" if error else "")
