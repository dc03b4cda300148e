"""`oec_async.otel.OpenTelemetry`: spans and metrics from a real client's events on FakeOEC."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the [otel] extra is not installed")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from oec_async import CallStarted, Client, RetryPolicy, Rollout
from oec_async.otel import OpenTelemetry
from oec_async.testing import FakeOEC

DEPLOY_ROUTE = "/environments/{environment_id}/deploy"


class Telemetry:
    """An OpenTelemetry hook writing to in-memory exporters."""

    def __init__(self) -> None:
        self.spans_out = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans_out))
        self.reader = InMemoryMetricReader()
        self.hook = OpenTelemetry(
            tracer_provider=tracer_provider,
            meter_provider=MeterProvider(metric_readers=[self.reader]),
        )

    def spans(self, name: str | None = None) -> list[ReadableSpan]:
        found = list(self.spans_out.get_finished_spans())
        return [s for s in found if name is None or s.name == name]

    def metric(self, name: str) -> list[tuple[dict[str, Any], float]]:
        """The points of one metric: (attributes, value or histogram sum)."""
        data = self.reader.get_metrics_data()
        points: list[tuple[dict[str, Any], float]] = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name != name:
                        continue
                    for point in metric.data.data_points:
                        value = getattr(point, "value", None)
                        points.append((dict(point.attributes or {}), value or point.sum))
        return points

    def total(self, name: str, wanted: dict[str, object] | None = None) -> float:
        """The sum of a metric's points whose attributes include ``wanted``."""
        return sum(
            value
            for attributes, value in self.metric(name)
            if all(attributes.get(k) == v for k, v in (wanted or {}).items())
        )


@pytest.fixture
def telemetry() -> Telemetry:
    return Telemetry()


@pytest.fixture
async def fake() -> AsyncIterator[FakeOEC]:
    async with FakeOEC(environments=3, task_duration=0.05, rate_limits=False) as server:
        yield server


def client_of(fake: FakeOEC, telemetry: Telemetry, **options: Any) -> Client:
    return fake.client(event_hooks=[telemetry.hook], **options)


async def test_a_call_is_a_client_span_named_by_its_route_with_a_child_per_attempt(
    fake: FakeOEC, telemetry: Telemetry
) -> None:
    env_id = fake.environment_ids[0]
    async with client_of(fake, telemetry) as client:
        await client.environments.deploy(env_id)

    call, attempt = sorted(
        telemetry.spans(f"POST {DEPLOY_ROUTE}"), key=lambda s: s.parent is not None
    )
    assert call.kind is attempt.kind is SpanKind.CLIENT
    assert attempt.parent is not None
    assert attempt.parent.span_id == call.context.span_id
    assert {
        "http.request.method": "POST",
        "url.template": DEPLOY_ROUTE,
        "http.response.status_code": 202,
    }.items() <= dict(attempt.attributes or {}).items()
    assert call.attributes is not None
    assert call.attributes["http.response.status_code"] == 202
    assert call.attributes["oec.attempts"] == 1
    assert all(env_id not in span.name for span in telemetry.spans())


async def test_a_retried_attempt_carries_its_resend_count_and_the_failure(
    fake: FakeOEC, telemetry: Telemetry
) -> None:
    fake.fail_next("GET", "/environments/{id}", status=503)
    async with client_of(fake, telemetry, retry=RetryPolicy(initial_backoff=0.01)) as client:
        await client.environments.get(fake.environment_ids[0])

    attempts = [s for s in telemetry.spans("GET /environments/{environment_id}") if s.parent]
    first, second = sorted(attempts, key=lambda s: s.start_time or 0)
    assert first.attributes is not None
    assert second.attributes is not None
    assert first.attributes["http.response.status_code"] == 503
    assert first.attributes["error.type"] == "503"
    assert first.status.status_code is StatusCode.ERROR
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.request.resend_count"] == 1
    assert second.attributes["http.response.status_code"] == 200
    [call] = [s for s in telemetry.spans("GET /environments/{environment_id}") if not s.parent]
    assert [event.name for event in call.events] == ["retry"]


async def test_a_failed_call_records_its_error(fake: FakeOEC, telemetry: Telemetry) -> None:
    async with client_of(fake, telemetry) as client:
        with pytest.raises(Exception, match="404"):
            await client.environments.get("00000000-0000-0000-0000-000000000099")

    [call] = [s for s in telemetry.spans("GET /environments/{environment_id}") if not s.parent]
    assert call.status.status_code is StatusCode.ERROR
    assert call.attributes is not None
    assert call.attributes["error.type"] == "NotFoundError"
    assert [event.name for event in call.events] == ["exception"]


async def test_requests_and_429_answers_are_counted(fake: FakeOEC, telemetry: Telemetry) -> None:
    fake.fail_next("GET", "/environments/{id}", status=429, headers={"Retry-After": "0"})
    async with client_of(fake, telemetry) as client:
        await client.environments.get(fake.environment_ids[0])
        await client.environments.get(fake.environment_ids[1])

    assert (
        telemetry.total("oec.client.requests", {"url.template": "/environments/{environment_id}"})
        == 3
    )
    assert telemetry.total("oec.client.rate_limited") == 1
    durations = telemetry.metric("http.client.request.duration")
    assert {a["http.response.status_code"] for a, _ in durations} == {200, 429}


async def test_rate_limit_waits_are_seconds_in_a_metric_and_events_on_the_call(
    telemetry: Telemetry,
) -> None:
    from oec_async.testing import RateLimitConfig

    limits = RateLimitConfig(reads_per_window=2, writes_per_window=20, window=0.3)
    async with FakeOEC(environments=1, rate_limits=limits) as fake:
        from oec_async import RateLimits

        budget = RateLimits(reads_per_window=2, writes_per_window=20, window=0.3)
        async with client_of(fake, telemetry, rate_limits=budget) as client:
            for _ in range(3):  # the third waits for the window
                await client.environments.get(fake.environment_ids[0])

    assert telemetry.total("oec.client.rate_limit.wait", {"oec.rate_limit.bucket": "read"}) > 0
    waited = [
        s
        for s in telemetry.spans("GET /environments/{environment_id}")
        if not s.parent and any(e.name == "rate_limit_wait" for e in s.events)
    ]
    assert len(waited) == 1


async def test_the_key_appears_in_no_span_event_or_metric(
    fake: FakeOEC, telemetry: Telemetry
) -> None:
    fake.fail_next("POST", "/environments/{id}/deploy", status=500)
    async with client_of(fake, telemetry) as client:
        await client.environments.deploy(fake.environment_ids[0])
        with pytest.raises(Exception, match="404"):
            await client.environments.get("00000000-0000-0000-0000-000000000099")

    key = fake.full_access_key
    recorded = [
        repr(
            (
                s.name,
                dict(s.attributes or {}),
                [(e.name, dict(e.attributes or {})) for e in s.events],
            )
        )
        for s in telemetry.spans()
    ]
    recorded += [
        repr(point)
        for name in ("oec.client.requests", "http.client.request.duration")
        for point in telemetry.metric(name)
    ]
    assert recorded
    assert not [text for text in recorded if key in text]


# -- fleets ---------------------------------------------------------------------------------
async def test_a_fleet_run_is_a_span_with_an_environment_span_each(
    fake: FakeOEC, telemetry: Telemetry
) -> None:
    bad = fake.environment_ids[1]
    fake.set_environment_behaviour(bad, fail=True, error_message="Disk full.")
    async with client_of(fake, telemetry) as client:
        await client.fleet.deploy(fake.environment_ids)

    [run] = telemetry.spans("oec.fleet deploy")
    environments = telemetry.spans("oec.fleet.environment")
    assert len(environments) == 3
    assert all(
        s.parent is not None and s.parent.span_id == run.context.span_id for s in environments
    )
    by_id = {s.attributes["oec.environment.id"]: s for s in environments if s.attributes}
    assert by_id[bad].status.status_code is StatusCode.ERROR
    assert by_id[bad].status.description == "Disk full."
    assert by_id[bad].attributes is not None
    assert by_id[bad].attributes["oec.fleet.outcome"] == "failed"
    assert run.attributes is not None
    assert run.attributes["oec.fleet.outcomes.succeeded"] == 2
    assert run.attributes["oec.fleet.environments"] == 3
    assert run.status.status_code is StatusCode.ERROR
    assert telemetry.total("oec.fleet.outcomes", {"oec.fleet.outcome": "succeeded"}) == 2
    assert telemetry.total("oec.fleet.outcomes", {"oec.fleet.outcome": "failed"}) == 1


async def test_a_rollout_has_a_span_per_wave_holding_its_environments(
    fake: FakeOEC, telemetry: Telemetry
) -> None:
    rollout = Rollout(waves=[1, "100%"], bake=0, health=None)
    async with client_of(fake, telemetry) as client:
        report = await client.fleet.deploy(fake.environment_ids, rollout=rollout)

    [run] = telemetry.spans("oec.fleet deploy")
    waves = sorted(
        (s for s in telemetry.spans() if s.name.startswith("oec.fleet.wave ")),
        key=lambda s: s.start_time or 0,
    )
    assert [s.name for s in waves] == [f"oec.fleet.wave {w.name}" for w in report.waves]
    assert all(s.parent is not None and s.parent.span_id == run.context.span_id for s in waves)
    sizes = {s.context.span_id: 0 for s in waves}
    for environment in telemetry.spans("oec.fleet.environment"):
        assert environment.parent is not None
        sizes[environment.parent.span_id] += 1
    assert list(sizes.values()) == [1, 2]


async def test_environment_spans_are_named_without_ids_and_carry_names(
    fake: FakeOEC, telemetry: Telemetry
) -> None:
    async with client_of(fake, telemetry) as client:
        environments = await client.environments.list(fake.project_id)
        await client.fleet.deploy(list(environments))

    spans = telemetry.spans("oec.fleet.environment")
    assert sorted(str(s.attributes["oec.environment.name"]) for s in spans if s.attributes) == [
        "env-001",
        "env-002",
        "env-003",
    ]
    assert not [s.name for s in telemetry.spans() if any(e in s.name for e in fake.environment_ids)]


def test_calls_never_finished_are_ended_beyond_a_bound(telemetry: Telemetry) -> None:
    from oec_async.otel._http import MAX_OPEN_SPANS

    for call_id in range(MAX_OPEN_SPANS + 1):  # e.g. calls cancelled before their end event
        telemetry.hook(CallStarted(call_id=call_id, method="GET", path="/x", route="/x"))

    [oldest] = telemetry.spans()
    assert oldest.name == "GET /x"
    assert f"{MAX_OPEN_SPANS} open call(s)" in repr(telemetry.hook)
