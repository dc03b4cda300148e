"""OpenTelemetry traces and metrics from the client's events (``pip install 'oec-async[otel]'``).

Example::

    from oec_async import Client
    from oec_async.otel import OpenTelemetry

    async with Client(api_key=key, event_hooks=[OpenTelemetry()]) as client:
        await client.fleet.deploy(env_ids)

What it records, following OpenTelemetry's HTTP client semantic conventions:

* a span per SDK call (``POST /environments/{environment_id}/deploy``: the route, never raw
  ids, in the name), kind ``CLIENT``, with a child span per HTTP attempt carrying
  ``http.request.method``, ``url.template``, ``http.response.status_code``,
  ``http.request.resend_count`` (retries) and ``error.type``; retries and rate-limit waits are
  events on the call's span;
* fleet spans: one per run (``oec.fleet deploy``), one per rollout wave under it, and one per
  environment under its wave (or the run), from the queue to the outcome, with the outcome
  kind, task id and error;
* metrics: ``oec.client.requests`` (attempts sent), ``oec.client.rate_limited`` (429
  answers), ``oec.client.rate_limit.wait`` (seconds waited for the rate budget),
  ``http.client.request.duration`` and ``oec.fleet.outcomes`` (by kind).

The API key is never recorded: no header is, and paths only carry ids.

Call spans are children of the span current where the call is made; fleet spans form their own
tree (a fleet's requests are made by its own tasks).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Final
from uuid import UUID

try:
    from opentelemetry import metrics, trace
    from opentelemetry.trace import Span, SpanKind, Status, StatusCode
except ImportError as missing:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "oec_async.otel needs OpenTelemetry: pip install 'oec-async[otel]'"
    ) from missing

from ._events import (
    AttemptFinished,
    AttemptStarted,
    CallFinished,
    CallStarted,
    Event,
    RateLimitWait,
    RetryScheduled,
)
from ._version import get_version
from .fleet import (
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

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

__all__ = ["OpenTelemetry"]

INSTRUMENTATION: Final = "oec_async"
MAX_OPEN_SPANS: Final = 10_000
"""Calls (and attempts) still open beyond this are ended: a listener must not grow for ever."""
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


class OpenTelemetry:
    """An event hook that turns the client's events into OpenTelemetry spans and metrics.

    Args:
        tracer_provider: Where spans go (default: the global provider).
        meter_provider: Where metrics go (default: the global provider).

    Pass it to ``Client(event_hooks=[OpenTelemetry()])`` or ``client.add_listener(...)``. One
    instance can serve several clients; fleet runs on one client are told apart by their
    order (one run at a time gets its own tree).
    """

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        version = get_version()
        self._tracer = trace.get_tracer(INSTRUMENTATION, version, tracer_provider)
        meter = metrics.get_meter(INSTRUMENTATION, version, meter_provider)
        self._requests = meter.create_counter(
            "oec.client.requests", unit="{request}", description="HTTP attempts sent."
        )
        self._rate_limited = meter.create_counter(
            "oec.client.rate_limited",
            unit="{response}",
            description="Answers 429 Too Many Requests.",
        )
        self._waited = meter.create_counter(
            "oec.client.rate_limit.wait",
            unit="s",
            description="Seconds requests waited for the rate budget (or a 429's pause).",
        )
        self._duration = meter.create_histogram(
            "http.client.request.duration",
            unit="s",
            description="Duration of HTTP attempts, from sending to the end of the answer.",
        )
        self._outcomes = meter.create_counter(
            "oec.fleet.outcomes",
            unit="{environment}",
            description="Fleet outcomes, one per environment, by kind.",
        )
        self._calls: OrderedDict[int, Span] = OrderedDict()
        self._task_calls: dict[asyncio.Task[object], int] = {}
        """The call each task is making: a wait reported without its call belongs to it."""
        self._attempts: OrderedDict[tuple[int, int], Span] = OrderedDict()
        self._runs: list[_Run] = []

    def __repr__(self) -> str:
        return f"<OpenTelemetry {len(self._calls)} open call(s), {len(self._runs)} open run(s)>"

    def __call__(self, event: Event) -> None:
        """Record one event (the listener protocol)."""
        match event:
            case CallStarted():
                self._call_started(event)
            case AttemptStarted():
                self._attempt_started(event)
            case AttemptFinished():
                self._attempt_finished(event)
            case CallFinished():
                self._call_finished(event)
            case RetryScheduled():
                self._retry(event)
            case RateLimitWait():
                self._rate_limit_wait(event)
            case FleetRunStarted():
                self._run_started(event)
            case FleetRunFinished():
                self._run_finished(event)
            case WaveStarted():
                self._wave_started(event)
            case WaveFinished():
                self._wave_finished(event)
            case RolloutPaused() | RolloutResumed() | RolloutHalted():
                self._rollout_event(event)
            case FleetActionStarted():
                self._action_started(event)
            case FleetRateLimitWait():
                self._fleet_rate_limit_wait(event)
            case FleetEnvironmentFinished():
                self._environment_finished(event)

    # -- calls and attempts -------------------------------------------------------------------
    def _call_started(self, event: CallStarted) -> None:
        span = self._tracer.start_span(
            f"{event.method} {event.route}",
            kind=SpanKind.CLIENT,
            attributes={"http.request.method": event.method, "url.template": event.route},
        )
        self._calls[event.call_id] = span
        _bound(self._calls)
        task = _current_task()
        if task is not None:
            self._task_calls[task] = event.call_id

    def _attempt_started(self, event: AttemptStarted) -> None:
        parent = self._calls.get(event.call_id)
        context = trace.set_span_in_context(parent) if parent is not None else None
        attributes: dict[str, str | int] = {
            "http.request.method": event.method,
            "url.template": event.route,
        }
        if event.attempt > 0:
            attributes["http.request.resend_count"] = event.attempt
        span = self._tracer.start_span(
            f"{event.method} {event.route}",
            context=context,
            kind=SpanKind.CLIENT,
            attributes=attributes,
        )
        self._attempts[(event.call_id, event.attempt)] = span
        _bound(self._attempts)
        self._requests.add(1, {"http.request.method": event.method, "url.template": event.route})

    def _attempt_finished(self, event: AttemptFinished) -> None:
        span = self._attempts.pop((event.call_id, event.attempt), None)
        labels: dict[str, str | int] = {
            "http.request.method": event.method,
            "url.template": event.route,
        }
        if event.status is not None:
            labels["http.response.status_code"] = event.status
        error_type = _error_type(event.status, event.error)
        if error_type is not None:
            labels["error.type"] = error_type
        self._duration.record(event.elapsed, labels)
        if event.status == 429:
            self._rate_limited.add(1, {"url.template": event.route})
        if span is None:
            return
        span.set_attributes(labels)
        if event.request_id:
            span.set_attribute("http.response.header.x-request-id", (event.request_id,))
        if error_type is not None:
            span.set_status(Status(StatusCode.ERROR, event.error or f"HTTP {event.status}"))
        span.end()

    def _call_finished(self, event: CallFinished) -> None:
        span = self._calls.pop(event.call_id, None)
        task = _current_task()
        if task is not None and self._task_calls.get(task) == event.call_id:
            del self._task_calls[task]
        if span is None:
            return
        if event.status is not None:
            span.set_attribute("http.response.status_code", event.status)
        span.set_attribute("oec.attempts", event.attempts)
        if event.error is not None:
            span.set_attribute("error.type", type(event.error).__qualname__)
            span.record_exception(event.error)
            span.set_status(Status(StatusCode.ERROR, type(event.error).__name__))
        span.end()

    def _call_of(self, call_id: int | None) -> Span | None:
        """The span of ``call_id``, or of the call the current task is making."""
        if call_id is None:
            task = _current_task()
            call_id = self._task_calls.get(task) if task is not None else None
        return self._calls.get(call_id) if call_id is not None else None

    def _retry(self, event: RetryScheduled) -> None:
        span = self._call_of(event.call_id)
        if span is not None:
            span.add_event(
                "retry",
                {
                    "oec.retry.attempt": event.attempt,
                    "oec.retry.delay": event.delay,
                    "oec.retry.reason": event.reason,
                },
            )

    def _rate_limit_wait(self, event: RateLimitWait) -> None:
        self._waited.add(
            event.delay,
            {"oec.rate_limit.bucket": event.bucket, "oec.rate_limit.reason": event.reason},
        )
        span = self._call_of(event.call_id) or trace.get_current_span()
        if span.is_recording():
            span.add_event(
                "rate_limit_wait",
                {
                    "oec.rate_limit.bucket": event.bucket,
                    "oec.rate_limit.delay": event.delay,
                    "oec.rate_limit.reason": event.reason,
                },
            )

    # -- fleets -------------------------------------------------------------------------------
    def _run_started(self, event: FleetRunStarted) -> None:
        attributes: dict[str, str | int] = {
            "oec.fleet.action": event.action,
            "oec.fleet.environments": len(event.environment_ids),
        }
        if event.batch_id is not None:
            attributes["oec.fleet.batch_id"] = event.batch_id
        span = self._tracer.start_span(f"oec.fleet {event.action}", attributes=attributes)
        self._runs.append(_Run(span, event.action))

    def _current_run(self) -> _Run | None:
        return self._runs[-1] if self._runs else None

    def _run_finished(self, event: FleetRunFinished) -> None:
        run = self._current_run()
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

    def _wave_started(self, event: WaveStarted) -> None:
        run = self._current_run()
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

    def _wave_finished(self, event: WaveFinished) -> None:
        run = self._current_run()
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

    def _rollout_event(self, event: RolloutPaused | RolloutResumed | RolloutHalted) -> None:
        run = self._current_run()
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

    def _action_started(self, event: FleetActionStarted) -> None:
        run = self._current_run()
        if run is not None:
            run.actions[event.environment_id] = event

    def _fleet_rate_limit_wait(self, event: FleetRateLimitWait) -> None:
        run = self._current_run()
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

    def _environment_finished(self, event: FleetEnvironmentFinished) -> None:
        outcome = event.outcome
        run = self._current_run()
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


def _current_task() -> asyncio.Task[object] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop: an event delivered from plain code
        return None


def _error_type(status: int | None, error: str | None) -> str | None:
    """``error.type`` of an attempt: the status code from 400 on, ``_OTHER`` without answer."""
    if status is not None and status >= 400:
        return str(status)
    if status is None and error is not None:
        return "_OTHER"
    return None


def _bound(spans: OrderedDict[int, Span] | OrderedDict[tuple[int, int], Span]) -> None:
    while len(spans) > MAX_OPEN_SPANS:
        _, oldest = spans.popitem(last=False)
        oldest.end()
