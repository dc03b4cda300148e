"""Reports to draw: one written by hand with every kind of outcome, and hostile text in it."""

from __future__ import annotations

from uuid import UUID

from oec_async import Deployment, TaskStatus
from oec_async.fleet import FleetOutcome, FleetReport, OutcomeKind

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
"""A task error message as a hostile server could send it."""


def env(n: int) -> UUID:
    return UUID(int=n + 1)


def sample_report() -> FleetReport:
    """Six environments: succeeded, failed (hostile message), errored, conflicted, attached,
    not started."""
    ok = Deployment(id=UUID(int=101), status=TaskStatus.COMPLETED, duration_seconds=3.0)
    bad = Deployment(
        id=UUID(int=102), status=TaskStatus.FAILED, duration_seconds=2.0, error_message=HOSTILE
    )
    return FleetReport(
        action="deploy",
        outcomes=(
            FleetOutcome(
                environment_id=env(0),
                kind=OutcomeKind.SUCCEEDED,
                index=0,
                deployment=ok,
                task_id=ok.id,
                started=True,
                elapsed=3.5,
            ),
            FleetOutcome(
                environment_id=env(1),
                kind=OutcomeKind.FAILED,
                index=1,
                deployment=bad,
                task_id=bad.id,
                started=True,
                elapsed=4.0,
            ),
            FleetOutcome(
                environment_id=env(2),
                kind=OutcomeKind.ERRORED,
                index=2,
                error=RuntimeError("connection dropped </td></tr>"),
                started=True,
                elapsed=1.0,
            ),
            FleetOutcome(
                environment_id=env(3),
                kind=OutcomeKind.CONFLICTED,
                index=3,
                error=RuntimeError("409 environment_not_running: Environment is stopped."),
                elapsed=0.2,
            ),
            FleetOutcome(
                environment_id=env(4),
                kind=OutcomeKind.SUCCEEDED,
                index=4,
                deployment=ok,
                task_id=UUID(int=105),
                attached=True,
                started=True,
                elapsed=5.0,
            ),
            FleetOutcome(environment_id=env(5), kind=OutcomeKind.NOT_STARTED, index=5),
        ),
        elapsed=6.0,
        batch_id="rel-42",
    )
