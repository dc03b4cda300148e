"""OpenTelemetry for the send path: a span per SDK call, a child span per HTTP attempt."""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from typing import Final

from opentelemetry import trace
from opentelemetry.metrics import Meter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

from .._events import (
    AttemptFinished,
    AttemptStarted,
    CallFinished,
    CallStarted,
    RateLimitWait,
    RetryScheduled,
)

__all__ = ["HttpSpans"]

MAX_OPEN_SPANS: Final = 10_000
"""Calls (and attempts) still open beyond this are ended: a listener must not grow for ever."""


class HttpSpans:
    """Spans and metrics of SDK calls and their HTTP attempts (HTTP client conventions).

    Args:
        tracer: Where spans go.
        meter: Where metrics go.
    """

    def __init__(self, tracer: Tracer, meter: Meter) -> None:
        self._tracer = tracer
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
        self._calls: OrderedDict[int, Span] = OrderedDict()
        self._task_calls: weakref.WeakKeyDictionary[asyncio.Task[object], int] = (
            weakref.WeakKeyDictionary()
        )
        """The call each task is making: a wait reported without its call belongs to it (weak:
        a task that ends without finishing its call leaves nothing behind)."""
        self._attempts: OrderedDict[tuple[int, int], Span] = OrderedDict()

    @property
    def open_calls(self) -> int:
        """Calls started and not finished yet."""
        return len(self._calls)

    def call_started(self, event: CallStarted) -> None:
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

    def attempt_started(self, event: AttemptStarted) -> None:
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

    def attempt_finished(self, event: AttemptFinished) -> None:
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

    def call_finished(self, event: CallFinished) -> None:
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

    def call_of(self, call_id: int | None) -> Span | None:
        """The span of ``call_id``, or of the call the current task is making."""
        if call_id is None:
            task = _current_task()
            call_id = self._task_calls.get(task) if task is not None else None
        return self._calls.get(call_id) if call_id is not None else None

    def retry(self, event: RetryScheduled) -> None:
        span = self.call_of(event.call_id)
        if span is not None:
            span.add_event(
                "retry",
                {
                    "oec.retry.attempt": event.attempt,
                    "oec.retry.delay": event.delay,
                    "oec.retry.reason": event.reason,
                },
            )

    def rate_limit_wait(self, event: RateLimitWait) -> None:
        self._waited.add(
            event.delay,
            {"oec.rate_limit.bucket": event.bucket, "oec.rate_limit.reason": event.reason},
        )
        span = self.call_of(event.call_id) or trace.get_current_span()
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
