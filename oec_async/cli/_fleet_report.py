"""A fleet run's results: exit code, one-line outcomes, JSON events, and the summary."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from uuid import UUID

from .._exceptions import TaskInProgressError
from ..fleet import (
    FleetActionStarted,
    FleetEnvironmentFinished,
    FleetEvent,
    FleetOutcome,
    FleetRateLimitWait,
    FleetReport,
    FleetRetry,
    FleetStatusChanged,
    OutcomeKind,
)
from ._exit import ExitCode, exit_code_for, short_error
from ._output import Output
from ._render import as_json, seconds

__all__ = ["detail", "event_json", "exit_code_of", "outcome_text", "print_summary"]


def exit_code_of(report: FleetReport, on_conflict: str = "attach") -> ExitCode:
    """The exit code of a run: 0 all succeeded, 3 a key was refused, 4 a timeout, else 1.

    With ``on_conflict="skip"``, an environment skipped because a task was already running is
    what the user asked for, not a failure.
    """
    failures = [o for o in report.outcomes if not o.ok and not _skipped(o, on_conflict)]
    if not failures:
        return ExitCode.OK
    codes = {exit_code_for(o.error) for o in failures if o.error is not None}
    if ExitCode.AUTH in codes:
        return ExitCode.AUTH
    if report.timed_out or ExitCode.TIMEOUT in codes:
        return ExitCode.TIMEOUT
    return ExitCode.FAILED


def _skipped(outcome: FleetOutcome, on_conflict: str) -> bool:
    return (
        on_conflict == "skip"
        and outcome.kind is OutcomeKind.CONFLICTED
        and isinstance(outcome.error, TaskInProgressError)
    )


def print_summary(
    out: Output,
    report: FleetReport,
    label: Callable[[UUID], str],
    *,
    totals: Sequence[str] = (),
    extra: Mapping[str, object] | None = None,
) -> None:
    """Print a run's summary: a table of counts, a table of what did not succeed, the totals.

    With ``--json``, one ``summary`` object instead.

    Args:
        out: The output.
        report: The run's report.
        label: How an environment is named on screen.
        totals: More totals for the last line (human output).
        extra: More fields for the JSON summary.
    """
    if out.json_mode:
        out.json(
            {
                "event": "summary",
                "action": report.action,
                "ok": report.ok,
                "counts": {kind.value: n for kind, n in report.counts.items()},
                "elapsed": round(report.elapsed, 3),
                "batch_id": report.batch_id,
                "cancelled": report.cancelled,
                "timed_out": report.timed_out,
                **(extra or {}),
            }
        )
        return
    last_line = " · ".join((report.summary(), *totals))
    if len(report) == 1:
        out.text(last_line)
        return
    out.text("")
    counts = [(kind.value, str(n)) for kind, n in report.counts.items() if n]
    out.table(("RESULT", "ENVIRONMENTS"), counts, status_column=0)
    problems = [o for o in report.outcomes if not o.ok]
    if problems:
        out.text("")
        out.table(
            ("ENVIRONMENT", "RESULT", "TASK", "DETAIL"),
            [
                (
                    label(o.environment_id),
                    o.kind.value,
                    str(o.task_id) if o.task_id else "-",
                    detail(o),
                )
                for o in problems
            ],
            status_column=1,
        )
    out.text("")
    out.text(last_line)


def detail(outcome: FleetOutcome) -> str:
    """Why an environment did not succeed: the task's error message, or the error in short."""
    if outcome.deployment is not None and outcome.deployment.error_message:
        return outcome.deployment.error_message
    return short_error(outcome.error) if outcome.error is not None else ""


def outcome_text(outcome: FleetOutcome) -> str:
    """``succeeded in 3.2s``, ``failed in 2.0s: Disk full.``..."""
    took = ""
    if outcome.deployment is not None and outcome.deployment.duration_seconds is not None:
        took = f" in {seconds(outcome.deployment.duration_seconds)}"
    attached = " (attached to a running task)" if outcome.attached else ""
    why = detail(outcome)
    return f"{outcome.kind.value}{took}{attached}{': ' + why if why else ''}"


def event_json(event: FleetEvent) -> dict[str, object]:
    """One event as the JSON object ``--json`` prints (``event`` names its kind)."""
    if isinstance(event, FleetEnvironmentFinished):
        outcome = event.outcome
        error = outcome.error
        return {
            "event": "finished",
            "environment_id": str(outcome.environment_id),
            "kind": outcome.kind.value,
            "ok": outcome.ok,
            "task_id": str(outcome.task_id) if outcome.task_id else None,
            "attached": outcome.attached,
            "started": outcome.started,
            "error": outcome.error_message,
            "error_type": type(error).__name__ if error is not None else None,
            "deployment": as_json(outcome.deployment) if outcome.deployment else None,
            "elapsed": round(outcome.elapsed, 3),
        }
    name = {
        FleetActionStarted: "started",
        FleetStatusChanged: "status",
        FleetRateLimitWait: "rate_limit_wait",
        FleetRetry: "retry",
    }[type(event)]
    data = as_json(event)
    if "elapsed" in data and isinstance(data["elapsed"], float):
        data["elapsed"] = round(data["elapsed"], 3)
    return {"event": name, **data}
