"""A fleet run's results: exit code, one-line outcomes, JSON events, and the summary."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Final
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
    FleetRunStarted,
    FleetStatusChanged,
    OutcomeKind,
)
from ._exit import ExitCode, exit_code_for, short_error
from ._output import Output
from ._render import as_json, seconds

__all__ = [
    "detail",
    "event_json",
    "exit_code_of",
    "kind_label",
    "outcome_text",
    "print_summary",
    "summary_line",
    "write_report",
]

MS_KEYS: Final = frozenset(
    {"elapsed", "delay", "duration_seconds", "queued_at", "started_at", "finished_at"}
)
"""JSON fields holding seconds: rounded to the millisecond."""


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


def kind_label(kind: OutcomeKind, report: FleetReport) -> str:
    """How an outcome kind reads on screen.

    ``cancelled`` only means that the run stopped following the environment: after
    ``--timeout`` the wait timed out, after Ctrl-C it was interrupted; the task itself goes on.
    """
    if kind is OutcomeKind.CANCELLED:
        return "timed out" if report.timed_out else "interrupted"
    return kind.value


def summary_line(report: FleetReport) -> str:
    """``deploy: 18 succeeded, 1 failed in 62.3s``, with what a re-run, a halt or a timeout adds."""
    parts = [f"{n} {kind_label(kind, report)}" for kind, n in report.counts.items() if n]
    line = f"{report.action}: {', '.join(parts) or 'no environments'} in {report.elapsed:.1f}s"
    if report.reattached:
        batch = f" (batch {report.batch_id})" if report.batch_id else ""
        line += f" · {report.reattached} re-attached{batch}"
    if report.halted is not None:
        line += f" · {report.halted}"
    if report.timed_out:
        which = "its task goes" if len(report) == 1 else "tasks still running go"
        line += f" · the wait timed out; {which} on on the server"
    elif report.cancelled:
        line += " · stopped by Ctrl-C"
    return line


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
                "reattached": report.reattached,
                "elapsed": round(report.elapsed, 3),
                "batch_id": report.batch_id,
                "cancelled": report.cancelled,
                "timed_out": report.timed_out,
                **(extra or {}),
            }
        )
        return
    last_line = " · ".join((summary_line(report), *totals))
    if len(report) == 1:
        out.text(last_line)
        return
    out.text("")
    counts = [(kind_label(kind, report), str(n)) for kind, n in report.counts.items() if n]
    out.table(("RESULT", "ENVIRONMENTS"), counts, status_column=0)
    problems = [o for o in report.outcomes if not o.ok]
    if problems:
        out.text("")
        out.table(
            ("ENVIRONMENT", "RESULT", "TASK", "DETAIL"),
            [
                (
                    label(o.environment_id),
                    kind_label(o.kind, report),
                    str(o.task_id) if o.task_id else "-",
                    detail(o, report),
                )
                for o in problems
            ],
            status_column=1,
        )
    out.text("")
    out.text(last_line)


def detail(outcome: FleetOutcome, report: FleetReport | None = None) -> str:
    """Why an environment did not succeed: the task's error message, or the error in short."""
    if outcome.deployment is not None and outcome.deployment.error_message:
        return outcome.deployment.error_message
    if outcome.error is not None:
        return short_error(outcome.error)
    if outcome.kind is OutcomeKind.CANCELLED and outcome.started:
        why = "the wait timed out" if report is not None and report.timed_out else "not followed"
        return f"{why}; the task goes on on the server"
    return ""


def outcome_text(outcome: FleetOutcome, *, batch_id: str | None = None) -> str:
    """``succeeded in 3.2s``, ``failed in 2.0s: Disk full.``..."""
    took = ""
    if outcome.deployment is not None and outcome.deployment.duration_seconds is not None:
        took = f" in {seconds(outcome.deployment.duration_seconds)}"
    how = ""
    if outcome.reattached:
        how = f" (re-attached, batch {batch_id})" if batch_id else " (re-attached)"
    elif outcome.attached:
        how = " (attached to a running task)"
    why = detail(outcome)
    return f"{outcome.kind.value}{took}{how}{': ' + why if why else ''}"


def _in_ms(data: object) -> object:
    """``data`` with every seconds field (:data:`MS_KEYS`) rounded to the millisecond."""
    if isinstance(data, dict):
        return {
            key: round(value, 3) if key in MS_KEYS and isinstance(value, float) else _in_ms(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_in_ms(value) for value in data]
    return data


def event_json(event: FleetEvent, names: Mapping[UUID, str] | None = None) -> dict[str, object]:
    """One event as the JSON object ``--json`` prints (``event`` names its kind).

    Seconds are rounded to the millisecond; ``name`` is the environment's name when known.
    """
    names = names or {}
    if isinstance(event, FleetEnvironmentFinished):
        outcome = event.outcome
        error = outcome.error
        data: dict[str, object] = {
            "event": "finished",
            "environment_id": str(outcome.environment_id),
            "name": outcome.name or names.get(outcome.environment_id),
            "kind": outcome.kind.value,
            "ok": outcome.ok,
            "task_id": str(outcome.task_id) if outcome.task_id else None,
            "attached": outcome.attached,
            "reattached": outcome.reattached,
            "started": outcome.started,
            "error": outcome.error_message,
            "error_type": type(error).__name__ if error is not None else None,
            "deployment": as_json(outcome.deployment) if outcome.deployment else None,
            "elapsed": outcome.elapsed,
        }
        return _json_object(_in_ms(data))
    if isinstance(event, FleetRunStarted):
        return {
            "event": "run_started",
            "action": event.action,
            "environments": len(event.environment_ids),
            "batch_id": event.batch_id,
        }
    kind = _EVENT_NAMES.get(type(event)) or _snake(type(event).__name__)
    data = {"event": kind, **as_json(event)}
    environment_id = getattr(event, "environment_id", None)
    if isinstance(environment_id, UUID):
        data["name"] = names.get(environment_id)
    return _json_object(_in_ms(data))


_EVENT_NAMES: Final[Mapping[type, str]] = {
    FleetActionStarted: "started",
    FleetStatusChanged: "status",
    FleetRateLimitWait: "rate_limit_wait",
    FleetRetry: "retry",
}
"""The ``event`` names of the first fleet events; later ones are their class names in snake case."""


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _json_object(data: object) -> dict[str, object]:
    if not isinstance(data, dict):  # pragma: no cover - _in_ms keeps a dict a dict
        raise TypeError("an event must render as a JSON object")
    return data


def write_report(out: Output, report: FleetReport, path: str) -> Path:
    """Write the run's HTML page (``--report``) and say where it is (on stderr)."""
    written = report.write_html(path).resolve()
    out.message(f"report: {written}")
    return written
