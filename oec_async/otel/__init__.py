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

from typing import TYPE_CHECKING, Final

try:
    from opentelemetry import metrics, trace
except ImportError as missing:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "oec_async.otel needs OpenTelemetry: pip install 'oec-async[otel]'"
    ) from missing

from .._events import (
    AttemptFinished,
    AttemptStarted,
    CallFinished,
    CallStarted,
    Event,
    RateLimitWait,
    RetryScheduled,
)
from .._version import get_version
from ..fleet import (
    FleetActionStarted,
    FleetEnvironmentFinished,
    FleetRateLimitWait,
    FleetRunFinished,
    FleetRunStarted,
    RolloutHalted,
    RolloutPaused,
    RolloutResumed,
    WaveFinished,
    WaveStarted,
)
from ._fleet import FleetSpans
from ._http import HttpSpans

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

__all__ = ["OpenTelemetry"]

INSTRUMENTATION: Final = "oec_async"


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
        tracer = trace.get_tracer(INSTRUMENTATION, version, tracer_provider)
        meter = metrics.get_meter(INSTRUMENTATION, version, meter_provider)
        self._http = HttpSpans(tracer, meter)
        self._fleet = FleetSpans(tracer, meter)

    def __repr__(self) -> str:
        return (
            f"<OpenTelemetry {self._http.open_calls} open call(s), "
            f"{self._fleet.open_runs} open run(s)>"
        )

    def __call__(self, event: Event) -> None:
        """Record one event (the listener protocol); other events are ignored."""
        match event:
            case CallStarted():
                self._http.call_started(event)
            case AttemptStarted():
                self._http.attempt_started(event)
            case AttemptFinished():
                self._http.attempt_finished(event)
            case CallFinished():
                self._http.call_finished(event)
            case RetryScheduled():
                self._http.retry(event)
            case RateLimitWait():
                self._http.rate_limit_wait(event)
            case FleetRunStarted():
                self._fleet.run_started(event)
            case FleetRunFinished():
                self._fleet.run_finished(event)
            case WaveStarted():
                self._fleet.wave_started(event)
            case WaveFinished():
                self._fleet.wave_finished(event)
            case RolloutPaused() | RolloutResumed() | RolloutHalted():
                self._fleet.rollout_event(event)
            case FleetActionStarted():
                self._fleet.action_started(event)
            case FleetRateLimitWait():
                self._fleet.rate_limit_wait(event)
            case FleetEnvironmentFinished():
                self._fleet.environment_finished(event)
