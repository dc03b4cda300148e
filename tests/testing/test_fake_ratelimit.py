"""Rate limits per key: separate read and write buckets, headers, 429s."""

from __future__ import annotations

import pytest

from oec_async.testing import FakeOEC, ManualClock, RateLimitConfig

from .fake_support import Api, running_env

SMALL = RateLimitConfig(reads_per_window=3, writes_per_window=2, window=1.0)
pytestmark = pytest.mark.oec_fake(clock=ManualClock, rate_limits=SMALL, task_duration=0)


async def exhaust_reads(api: Api) -> None:
    for _ in range(SMALL.reads_per_window):
        assert (await api.get("/projects")).status == 200


async def test_every_response_carries_rate_limit_headers(api: Api) -> None:
    reply = await api.get("/projects")
    assert reply.headers["X-RateLimit-Limit"] == "3"
    assert reply.headers["X-RateLimit-Remaining"] == "2"
    assert reply.headers["X-RateLimit-Window"] == "1"
    assert reply.headers["X-RateLimit-Reset"] == "1"


async def test_over_the_limit_is_429_with_retry_after(api: Api) -> None:
    await exhaust_reads(api)
    reply = await api.get("/projects")
    assert (reply.status, reply.error) == (429, "rate_limit_exceeded")
    assert reply.headers["Retry-After"] == "1"
    assert reply.body["detail"]["retry_after"] == 1
    assert reply.headers["X-RateLimit-Remaining"] == "0"


async def test_reads_and_writes_are_counted_separately(api: Api, oec_fake: FakeOEC) -> None:
    await exhaust_reads(api)
    reply = await api.post(f"/environments/{running_env(oec_fake)}/restart")
    assert reply.status == 202
    assert reply.headers["X-RateLimit-Limit"] == "2"


async def test_keys_have_their_own_buckets(api: Api) -> None:
    await exhaust_reads(api)
    assert (await api.get("/projects", auth="ro")).status == 200


async def test_window_resets_on_the_fake_clock(api: Api, oec_fake: FakeOEC) -> None:
    await exhaust_reads(api)
    oec_fake.advance(1.0)
    assert (await api.get("/projects")).status == 200


@pytest.mark.oec_fake(
    clock=ManualClock,
    rate_limits=RateLimitConfig(reads_per_window=1, window=1.0, send_429_headers=False),
)
async def test_429_without_headers_has_only_the_body(api: Api) -> None:
    await api.get("/projects")
    reply = await api.get("/projects")
    assert reply.status == 429
    assert reply.body["detail"]["retry_after"] == 1
    assert not [h for h in reply.headers if h.lower().startswith(("retry-after", "x-ratelimit"))]


@pytest.mark.oec_fake(
    clock=ManualClock, rate_limits=RateLimitConfig(reads_per_window=1, window=0.5)
)
async def test_sub_second_window_is_reported_as_a_fraction(api: Api) -> None:
    reply = await api.get("/projects")
    assert reply.headers["X-RateLimit-Window"] == "0.5"


async def test_request_before_retry_after_is_an_anomaly(api: Api, oec_fake: FakeOEC) -> None:
    await exhaust_reads(api)
    await api.get("/projects")  # 429
    await api.get("/projects")  # too early
    assert oec_fake.anomalies.requests_before_retry_after == 1
    assert oec_fake.stats.rate_limited == 2


async def test_request_after_retry_after_is_not_an_anomaly(api: Api, oec_fake: FakeOEC) -> None:
    await exhaust_reads(api)
    await api.get("/projects")  # 429
    oec_fake.advance(1.0)
    assert (await api.get("/projects")).status == 200
    assert oec_fake.anomalies.requests_before_retry_after == 0


@pytest.mark.oec_fake(rate_limits=False)
async def test_disabled_limits_send_no_headers(api: Api) -> None:
    reply = await api.get("/projects")
    assert "X-RateLimit-Limit" not in reply.headers
