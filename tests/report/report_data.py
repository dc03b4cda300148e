"""Reports to draw: one written by hand with every kind of outcome, and hostile text in it."""

from __future__ import annotations

from uuid import UUID

from attrs import evolve

from oec_async import Deployment, TaskStatus
from oec_async.fleet import FleetOutcome, FleetReport, OutcomeKind, RolloutHalt, WaveReport

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
                name="shop-eu",
                queued_at=0.0,
                started_at=0.5,
            ),
            FleetOutcome(
                environment_id=env(1),
                kind=OutcomeKind.FAILED,
                index=1,
                deployment=bad,
                task_id=bad.id,
                started=True,
                elapsed=4.0,
                name="<b>shop-us</b>",
                queued_at=0.2,
                started_at=2.0,
            ),
            FleetOutcome(
                environment_id=env(2),
                kind=OutcomeKind.ERRORED,
                index=2,
                error=RuntimeError("connection dropped </td></tr>"),
                started=True,
                elapsed=1.0,
                started_at=0.6,
            ),
            FleetOutcome(
                environment_id=env(3),
                kind=OutcomeKind.CONFLICTED,
                index=3,
                error=RuntimeError("409 environment_not_running: Environment is stopped."),
                elapsed=0.2,
                started_at=0.1,
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
                started_at=2.0,
                reattached=False,
            ),
            FleetOutcome(environment_id=env(5), kind=OutcomeKind.NOT_STARTED, index=5),
        ),
        elapsed=6.0,
        batch_id="rel-42",
    )


def rollout_report() -> FleetReport:
    """The sample as a rollout: a canary, then a wave that halted; a re-attached canary; and
    two waits for the write budget."""
    base = sample_report()
    canary = evolve(base.outcomes[0], wave=0, reattached=True)
    second = tuple(evolve(o, wave=1) for o in base.outcomes[1:])
    outcomes = (canary, *second)

    def counts(members: tuple[FleetOutcome, ...]) -> dict[OutcomeKind, int]:
        found = dict.fromkeys(OutcomeKind, 0)
        for outcome in members:
            found[outcome.kind] += 1
        return found

    waves = (
        WaveReport(
            index=0,
            name="canary",
            environment_ids=(canary.environment_id,),
            counts=counts((canary,)),
            started_at=0.0,
            finished_at=3.5,
            healthy=True,
        ),
        WaveReport(
            index=1,
            name="wave 2",
            environment_ids=tuple(o.environment_id for o in second),
            counts=counts(second),
            started_at=3.5,
            finished_at=6.0,
            healthy=False,
        ),
    )
    return FleetReport(
        action="deploy",
        outcomes=outcomes,
        elapsed=6.0,
        batch_id="rel-42",
        waves=waves,
        halted=RolloutHalt(reason="3 failures in wave 2 > max_failures_per_wave 0", wave=1),
        rate_limit_waits=((0.1, 1.5, "write"), (2.5, 0.5, "read")),
    )
