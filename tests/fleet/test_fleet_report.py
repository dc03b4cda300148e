"""The report: one outcome per environment in input order, counts, lookups, a summary line."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from oec_async import Deployment, Environment, FleetOutcome, FleetReport, OutcomeKind, TaskStatus


def outcome(index: int, kind: OutcomeKind, elapsed: float, **fields: object) -> FleetOutcome:
    return FleetOutcome(
        environment_id=UUID(int=index + 1),
        kind=kind,
        index=index,
        elapsed=elapsed,
        **fields,  # type: ignore[arg-type]
    )


REPORT = FleetReport(
    action="deploy",
    outcomes=(
        outcome(0, OutcomeKind.SUCCEEDED, 3.0, started=True),
        outcome(1, OutcomeKind.FAILED, 1.0, started=True),
        outcome(2, OutcomeKind.NOT_STARTED, 4.0),
    ),
    elapsed=4.25,
)


def test_counts_cover_every_kind() -> None:
    assert REPORT.counts[OutcomeKind.SUCCEEDED] == 1
    assert REPORT.counts[OutcomeKind.FAILED] == 1
    assert REPORT.counts[OutcomeKind.CANCELLED] == 0
    assert sum(REPORT.counts.values()) == len(REPORT) == 3


def test_the_report_is_ok_only_when_everything_succeeded() -> None:
    assert not REPORT.ok
    assert FleetReport(action="deploy", outcomes=(REPORT[0],)).ok
    assert FleetReport(action="deploy", outcomes=()).ok


def test_outcomes_keep_input_order_and_finish_order_is_available() -> None:
    assert [o.index for o in REPORT] == [0, 1, 2]
    assert [o.index for o in REPORT.in_finish_order()] == [1, 0, 2]


def test_outcomes_are_found_by_environment() -> None:
    assert REPORT.outcome(str(UUID(int=2))).kind is OutcomeKind.FAILED
    with pytest.raises(KeyError, match="was not part of this fleet run"):
        REPORT.outcome(uuid4())


def test_an_outcome_is_found_by_the_environment_itself() -> None:
    assert REPORT.outcome(Environment(id=UUID(int=3), name="qa")).kind is OutcomeKind.NOT_STARTED


def test_by_kind_and_started() -> None:
    assert REPORT.by_kind("not_started") == (REPORT[2],)
    assert REPORT.started == (UUID(int=1), UUID(int=2))


def test_the_summary_names_the_non_zero_counts() -> None:
    assert REPORT.summary() == "deploy: 1 succeeded, 1 failed, 1 not_started in 4.2s"
    cancelled = FleetReport(action="stop", outcomes=(), elapsed=1.0, cancelled=True)
    assert cancelled.summary() == "stop: no environments in 1.0s (cancelled)"


def test_an_outcome_explains_itself_in_one_line() -> None:
    failed = Deployment(id=uuid4(), status=TaskStatus.FAILED, error_message="health check failed")
    assert (
        outcome(0, OutcomeKind.FAILED, 1.0, deployment=failed).error_message
        == "health check failed"
    )
    assert outcome(0, OutcomeKind.ERRORED, 1.0, error=RuntimeError("boom")).error_message == "boom"
    assert outcome(0, OutcomeKind.SUCCEEDED, 1.0).error_message is None
    assert outcome(0, OutcomeKind.SUCCEEDED, 1.0).ok


def test_a_report_slices_like_a_tuple() -> None:
    assert REPORT[1:] == (REPORT[1], REPORT[2])
