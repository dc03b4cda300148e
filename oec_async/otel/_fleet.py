"""OpenTelemetry for fleets: a span per run, per rollout wave and per environment."""

from __future__ import annotations

import time
from typing import Final
from uuid import UUID

from opentelemetry import trace
from opentelemetry.metrics import Meter
from opentelemetry.trace import Span, Status, StatusCode, Tracer

from ..fleet import (
    FleetActionStarted,
    FleetEnvironmentFinished,
    FleetRateLimitWait,
    FleetRunFinished,
    FleetRunStarted,
    OutcomeKind,
    RolloutHalted,
    RolloutPaused,
    RolloutResumed,
    WaveFinished,
    WaveStarted,
)

__all__ = ["FleetSpans"]

FAILED_KINDS: Final = frozenset(
    {OutcomeKind.FAILED, OutcomeKind.ERRORED, OutcomeKind.CONFLICTED, OutcomeKind.UNHEALTHY}
)


def _ns(seconds_since_epoch: float) -> int:
    return int(seconds_since_epoch * 1e9)


class _Run:
    """One fleet run's spans, and when it started (its events count from there)."""

    def __init__(self, span: Span, action: str) -> None:
        self.span = span
        self.action = action
        self.started = time.time()
        self.context = trace.set_span_in_context(span)
        self.waves: dict[int, Span] = {}
        self.actions: dict[UUID, FleetActionStarted] = {}

    def at(self, elapsed: float | None) -> int | None:
        """An event's time (seconds since the run's start) in ns since the epoch."""
        return None if elapsed is None else _ns(self.started + elapsed)


class FleetSpans:
    """Spans of fleet runs from their events, and the outcomes metric.

    Runs on one client are told apart by their order: one run at a time gets its own tree.

    Args:
        tracer: Where spans go.
        meter: Where metrics go.
    """

    def __init__(self, tracer: Tracer, meter: Meter) -> None:
        self._tracer = tracer
        self._outcomes = meter.create_counter(
            "oec.fleet.outcomes",
            unit="{environment}",
            description="Fleet outcomes, one per environment, by kind.",
        )
        self._runs: list[_Run] = []

    @property
    def open_runs(self) -> int:
        """Runs started and not finished yet."""
        return len(self._runs)

    def run_started(self, event: FleetRunStarted) -> None:
        attributes: dict[str, str | int] = {
            "oec.fleet.action": event.action,
            "oec.fleet.environments": len(event.environment_ids),
        }
        if event.batch_id is not None:
            attributes["oec.fleet.batch_id"] = event.batch_id
        span = self._tracer.start_span(f"oec.fleet {event.action}", attributes=attributes)
        self._runs.append(_Run(span, event.action))

    def current_run(self) -> _Run | None:
        return self._runs[-1] if self._runs else None

    def run_finished(self, event: FleetRunFinished) -> None:
        run = self.current_run()
        if run is None:
            return
        self._runs.pop()
        report = event.report
        for kind, count in report.counts.items():
            run.span.set_attribute(f"oec.fleet.outcomes.{kind.value}", count)
        run.span.set_attribute("oec.fleet.cancelled", report.cancelled)
        run.span.set_attribute("oec.fleet.timed_out", report.timed_out)
        for wave in run.waves.values():
            wave.end()
        if not report.ok:
            run.span.set_status(Status(StatusCode.ERROR, report.summary()))
        run.span.end()

    def wave_started(self, event: WaveStarted) -> None:
        run = self.current_run()
        if run is None:
            return
        span = self._tracer.start_span(
            f"oec.fleet.wave {event.name}",
            context=run.context,
            start_time=run.at(event.elapsed),
            attributes={
                "oec.fleet.wave.index": event.wave,
                "oec.fleet.wave.name": event.name,
                "oec.fleet.wave.size": len(event.environment_ids),
                "oec.fleet.waves": event.waves,
            },
        )
        run.waves[event.wave] = span

    def wave_finished(self, event: WaveFinished) -> None:
        run = self.current_run()
        wave = event.report
        span = run.waves.pop(wave.index, None) if run is not None else None
        if run is None or span is None:
            return
        for kind, count in wave.counts.items():
            span.set_attribute(f"oec.fleet.outcomes.{kind.value}", count)
        if wave.healthy is not None:
            span.set_attribute("oec.fleet.wave.healthy", wave.healthy)
        if wave.failures:
            span.set_status(Status(StatusCode.ERROR, f"{wave.failures} failure(s)"))
        span.end(end_time=run.at(event.elapsed))

    def rollout_event(self, event: RolloutPaused | RolloutResumed | RolloutHalted) -> None:
        run = self.current_run()
        if run is None:
            return
        if isinstance(event, RolloutHalted):
            run.span.add_event(
                "rollout_halted",
                {"oec.fleet.halt": str(event.halt)},
                timestamp=run.at(event.elapsed),
            )
        elif isinstance(event, RolloutPaused):
            run.span.add_event(
                "rollout_paused",
                {"oec.fleet.wave.index": event.wave, "oec.fleet.pause_reason": event.reason},
                timestamp=run.at(event.elapsed),
            )
        else:
            run.span.add_event(
                "rollout_resumed",
                {"oec.fleet.wave.index": event.wave},
                timestamp=run.at(event.elapsed),
            )

    def action_started(self, event: FleetActionStarted) -> None:
        run = self.current_run()
        if run is not None:
            run.actions[event.environment_id] = event

    def rate_limit_wait(self, event: FleetRateLimitWait) -> None:
        run = self.current_run()
        if run is None:
            return  # the transport's own RateLimitWait counts the seconds; this only marks them
        attributes: dict[str, str | float] = {
            "oec.rate_limit.bucket": event.bucket,
            "oec.rate_limit.delay": event.delay,
            "oec.rate_limit.reason": event.reason,
        }
        if event.environment_id is not None:
            attributes["oec.environment.id"] = str(event.environment_id)
        run.span.add_event("rate_limit_wait", attributes, timestamp=run.at(event.elapsed))

    def environment_finished(self, event: FleetEnvironmentFinished) -> None:
        outcome = event.outcome
        run = self.current_run()
        action = run.action if run is not None else "unknown"
        self._outcomes.add(1, {"oec.fleet.action": action, "oec.fleet.outcome": outcome.kind.value})
        if run is None:
            return
        parent = run.waves.get(outcome.wave) if outcome.wave is not None else None
        context = trace.set_span_in_context(parent) if parent is not None else run.context
        began = outcome.queued_at if outcome.queued_at is not None else outcome.started_at
        attributes: dict[str, str | bool | int] = {
            "oec.environment.id": str(outcome.environment_id),
            "oec.fleet.outcome": outcome.kind.value,
            "oec.fleet.attached": outcome.attached,
            "oec.fleet.reattached": outcome.reattached,
        }
        if outcome.name:
            attributes["oec.environment.name"] = outcome.name
        if outcome.task_id is not None:
            attributes["oec.task.id"] = str(outcome.task_id)
        if outcome.wave is not None:
            attributes["oec.fleet.wave.index"] = outcome.wave
        span = self._tracer.start_span(
            "oec.fleet.environment",
            context=context,
            start_time=run.at(began if began is not None else outcome.elapsed),
            attributes=attributes,
        )
        started = run.actions.pop(outcome.environment_id, None)
        if started is not None:
            span.add_event(
                "action_started",
                {"oec.task.id": str(started.task_id), "oec.fleet.attached": started.attached},
                timestamp=run.at(started.elapsed),
            )
        if outcome.kind in FAILED_KINDS:
            span.set_status(Status(StatusCode.ERROR, outcome.error_message or outcome.kind.value))
        span.end(end_time=run.at(outcome.finished_at))
