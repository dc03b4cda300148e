"""One environment's part of a fleet run: send the action, handle a conflict, follow the task."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, Protocol
from uuid import UUID

import anyio

from .._enums import TaskStatus
from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    ConflictError,
    DeploymentFailedError,
    TaskInProgressError,
    WaitTimeoutError,
)
from .._models import ActionResult, Deployment, EnvironmentStatusReport
from .._ratelimit import Slot
from ._events import FleetActionStarted, FleetEvent
from ._outcome import FleetOutcome, OutcomeKind
from ._spec import FleetSpec, FleetTarget

if TYPE_CHECKING:
    from .._client import Client
    from ._poller import CentralPoller
    from ._watch import Watch

__all__ = ["EnvironmentState", "RunControl", "run_environment"]

MAX_CONFLICT_ROUNDS: Final = 5
"""``wait_then_retry``: how many other tasks to wait out before reporting the conflict."""


class EnvironmentState:
    """What is known of one environment while its worker runs (read when finalising a run).

    Attributes:
        started: Our action was accepted, or may have been (sent and not refused).
        task_id: The task being followed.
        attached: That task is someone else's.
        reattached: That task is ours from an earlier run of the same batch (a replay).
        last: The last Deployment seen of it.
        watch: The poller's record of it while it is followed.
        queued_at: When (seconds since the run's start) it got its ``max_parallel`` place.
        sent_at: When its action was sent.
        sent_wall: The wall-clock time of that send (to tell a replayed task from a new one).
        status_report: The status read that confirmed its task's end, when one did.
    """

    __slots__ = (
        "attached",
        "last",
        "queued_at",
        "reattached",
        "sent_at",
        "sent_wall",
        "started",
        "status_report",
        "task_id",
        "watch",
    )

    def __init__(self) -> None:
        self.started = False
        self.task_id: UUID | None = None
        self.attached = False
        self.reattached = False
        self.last: Deployment | None = None
        self.watch: Watch | None = None
        self.queued_at: float | None = None
        self.sent_at: float | None = None
        self.sent_wall: datetime | None = None
        self.status_report: EnvironmentStatusReport | None = None


class RunControl(Protocol):
    """What a worker needs from its run."""

    client: Client
    spec: FleetSpec
    poller: CentralPoller
    confirms_by_status: bool
    """Ends are confirmed by status reads, which are also the rollout's health checks."""

    def emit(self, event: FleetEvent) -> None:
        """Publish a progress event."""

    def elapsed(self) -> float:
        """Seconds since the run started."""

    def stopping(self) -> bool:
        """Whether new actions may no longer be sent."""

    async def before_send(self) -> Slot | None:
        """Wait for a write slot (cancellable); ``None`` if the run stopped starting meanwhile."""

    def after_send(self) -> None:
        """The POST answered (or failed): release what :meth:`before_send` held."""


def outcome_for(
    target: FleetTarget,
    state: EnvironmentState,
    kind: OutcomeKind,
    elapsed: float,
    *,
    deployment: Deployment | None = None,
    error: Exception | None = None,
) -> FleetOutcome:
    """Build ``target``'s outcome from what its state knows."""
    return FleetOutcome(
        environment_id=target.environment_id,
        kind=kind,
        index=target.index,
        deployment=deployment,
        error=error,
        task_id=state.task_id,
        attached=state.attached,
        started=state.started,
        elapsed=elapsed,
        name=target.name,
        reattached=state.reattached,
        queued_at=state.queued_at,
        started_at=state.sent_at,
    )


async def run_environment(
    run: RunControl, target: FleetTarget, state: EnvironmentState
) -> FleetOutcome:
    """Run one environment's action to its outcome.

    Every exception raised while handling it (an SDK error, or anything else the SDK's code
    raised, such as a ``RecursionError`` from a hostile answer) becomes its ``errored``
    outcome: one environment never ends the run. Cancellation, ``KeyboardInterrupt`` and
    ``SystemExit`` are not ``Exception`` and propagate.
    """
    try:
        return await _attempt(run, target, state)
    except Exception as error:  # the environment's outcome, see the docstring
        return outcome_for(target, state, OutcomeKind.ERRORED, run.elapsed(), error=error)


async def _attempt(run: RunControl, target: FleetTarget, state: EnvironmentState) -> FleetOutcome:
    """Send and follow, within ``timeout_per_environment`` counted from the first send."""
    limit = run.spec.timeout_per_environment
    deadline = math.inf
    for _ in range(MAX_CONFLICT_ROUNDS):
        slot = await run.before_send()
        if slot is None:
            return outcome_for(target, state, OutcomeKind.NOT_STARTED, run.elapsed())
        if limit is None:  # no deadline: no scope either (a fleet may hold 10,000 of these)
            outcome = await _act_and_follow(run, target, state, slot)
            if outcome is not None:
                return outcome
            continue  # wait_then_retry: the other task is over, send ours again
        if deadline == math.inf:
            deadline = anyio.current_time() + limit
        with anyio.CancelScope(deadline=deadline) as scope:
            outcome = await _act_and_follow(run, target, state, slot)
            if outcome is not None:
                return outcome
            continue
        if scope.cancelled_caught:
            raise WaitTimeoutError(
                str(state.task_id or f"(action on environment {target.environment_id})"),
                limit or 0.0,
                state.last,
            )
    return outcome_for(
        target,
        state,
        OutcomeKind.CONFLICTED,
        run.elapsed(),
        error=ConflictError(
            f"environment {target.environment_id} stayed busy with other tasks through "
            f"{MAX_CONFLICT_ROUNDS} attempts",
            method="POST",
            path=f"/environments/{target.environment_id}/{run.spec.action}",
            status=409,
            code="task_in_progress",
        ),
    )


async def _act_and_follow(
    run: RunControl, target: FleetTarget, state: EnvironmentState, slot: Slot
) -> FleetOutcome | None:
    """Send the action and follow its task; ``None`` asks for another round (wait_then_retry)."""
    policy = run.spec.on_conflict
    try:
        result = await _send(run, target, state, slot)
    except TaskInProgressError as conflict:
        other = conflict.task_id
        if policy in ("skip", "raise") or other is None:
            state.task_id = other
            return outcome_for(target, state, OutcomeKind.CONFLICTED, run.elapsed(), error=conflict)
        deployment = await _follow(run, target, state, other, attached=True)
        if policy == "attach":
            return _finished(run, target, state, deployment)
        state.attached, state.task_id = False, None
        return None
    except ConflictError as refused:
        return outcome_for(target, state, OutcomeKind.CONFLICTED, run.elapsed(), error=refused)
    deployment = await _follow(run, target, state, result.task_id, attached=False)
    return _finished(run, target, state, deployment)


async def _send(
    run: RunControl, target: FleetTarget, state: EnvironmentState, slot: Slot
) -> ActionResult:
    """POST the action with the slot :meth:`RunControl.before_send` took."""
    state.started = True
    state.sent_at = run.elapsed()
    state.sent_wall = datetime.now(UTC)
    try:
        return await run.client._with_slot(slot).environments.action(
            run.spec.action,
            target.environment_id,
            json=run.spec.body,
            idempotency_key=run.spec.key_for(target),
        )
    except APIStatusError as error:
        if error.status < 500 and error.status != 408:
            state.started = False  # refused: the server did not act
        raise
    except APIConnectionError as error:
        if not error.may_have_reached_server:
            state.started = False
        raise
    finally:
        run.after_send()


async def _follow(
    run: RunControl, target: FleetTarget, state: EnvironmentState, task_id: UUID, *, attached: bool
) -> Deployment:
    state.task_id, state.attached = task_id, attached
    run.emit(
        FleetActionStarted(
            environment_id=target.environment_id,
            task_id=task_id,
            attached=attached,
            elapsed=run.elapsed(),
        )
    )
    watch = run.poller.watch(
        task_id,
        target.environment_id,
        project_id=target.project_id,
        action=None if attached else run.spec.action,
        use_status=run.confirms_by_status and not attached,
    )
    state.watch = watch
    try:
        return await run.poller.wait(watch)
    finally:
        state.last = watch.last or state.last
        state.status_report = watch.status_report
        run.poller.forget(watch)
        state.watch = None


def _finished(
    run: RunControl, target: FleetTarget, state: EnvironmentState, deployment: Deployment
) -> FleetOutcome:
    state.last = deployment
    state.reattached = _replayed(state, deployment)
    if deployment.status is TaskStatus.COMPLETED:
        return outcome_for(
            target, state, OutcomeKind.SUCCEEDED, run.elapsed(), deployment=deployment
        )
    return outcome_for(
        target,
        state,
        OutcomeKind.FAILED,
        run.elapsed(),
        deployment=deployment,
        error=DeploymentFailedError(deployment),
    )


def _replayed(state: EnvironmentState, deployment: Deployment) -> bool:
    """Whether our POST got back a task this batch had started before: it began running
    before we sent (the server has no replay header; its clock is the only witness)."""
    began, sent = deployment.started_at, state.sent_wall
    return not state.attached and began is not None and sent is not None and began < sent
