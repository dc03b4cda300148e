"""Property: every wait the SDK takes is within [0, cap], honours the server, and is never negative.

The pure rules (backoff, Retry-After, the server's hints) and what the transport and the rate
governor actually sleep, over arbitrary policies, header values and dates.
"""

from __future__ import annotations

import asyncio
import math
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from aioresponses import aioresponses
from hardening_support import BASE_URL, ENV_ID, PROPERTY, PROPERTY_IO, fast_client
from hypothesis import assume, given, strategies as st

from oec_async import RateLimitError, RateLimits, RetryPolicy
from oec_async._core import RawResponse, build_request
from oec_async._models import RateLimitSnapshot
from oec_async._ratelimit import RateGovernor
from oec_async._retry import (
    CallPolicy,
    Decision,
    Raise,
    Retry,
    backoff_delay,
    decide,
    parse_retry_after,
    server_wait_hint,
)

NOW = 1_790_000_000.0

_seconds = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)
policies = st.builds(
    RetryPolicy,
    max_retries=st.integers(0, 10),
    initial_backoff=_seconds,
    multiplier=st.floats(min_value=1e-3, max_value=1e3),
    max_backoff=_seconds,
    jitter=st.floats(min_value=0.0, max_value=1.0),
    max_retry_after=_seconds,
)


@PROPERTY
@given(policy=policies, attempt=st.integers(0, 10**6), seed=st.integers())
def test_backoff_is_always_within_zero_and_the_cap(
    policy: RetryPolicy, attempt: int, seed: int
) -> None:
    delay = backoff_delay(attempt, policy, random.Random(seed))
    assert 0.0 <= delay <= policy.max_backoff
    assert math.isfinite(delay)


@PROPERTY
@given(value=st.text(max_size=40) | st.floats().map(str) | st.integers().map(str))
def test_retry_after_of_any_text_is_none_or_a_finite_non_negative_wait(value: str) -> None:
    wait = parse_retry_after(value, now=NOW)
    assert wait is None or (math.isfinite(wait) and wait >= 0.0)


_offsets = st.integers(min_value=-10 * 365 * 86400, max_value=10 * 365 * 86400)


@PROPERTY
@given(offset=_offsets)
def test_an_http_date_gives_the_seconds_until_it_and_zero_when_past(offset: int) -> None:
    when = datetime.fromtimestamp(NOW, tz=UTC) + timedelta(seconds=offset)
    wait = parse_retry_after(format_datetime(when, usegmt=True), now=NOW)
    assert wait == max(0.0, float(offset))


@PROPERTY
@given(
    header=st.none() | st.floats(0, 1e5).map(lambda s: f"{s:.3f}"),
    body=st.none() | st.floats(-1e5, 1e5) | st.integers(-(10**6), 10**6) | st.text(max_size=5),
    reset=st.none() | st.floats(-1e5, 2e9).map(str),
)
def test_the_strongest_server_hint_wins_and_is_never_negative(
    header: str | None, body: object, reset: str | None
) -> None:
    headers = {}
    if header is not None:
        headers["Retry-After"] = header
    if reset is not None:
        headers["X-RateLimit-Reset"] = reset
    hint = server_wait_hint(headers, body, now=NOW)
    if header is not None:
        assert hint == float(header)
    elif isinstance(body, int | float):
        assert hint == max(0.0, float(body))
    assert hint is None or (hint >= 0.0 and math.isfinite(hint))


# --- the governor: whatever the headers say, waits stay finite and bounded ------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 5_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert math.isfinite(seconds)
        assert seconds >= 0
        self.slept.append(seconds)
        # Real time always moves on, even when a wait is below the float resolution of `now`.
        self.now = max(self.now + seconds, math.nextafter(self.now, math.inf))


_big_ints = st.integers(min_value=-(10**15), max_value=10**15)


@PROPERTY
@given(
    limit=st.none() | _big_ints,
    remaining=st.none() | _big_ints,
    window=st.none() | st.floats(-1e9, 1e9),
    reset=st.none() | st.floats(0, 1e6),
)
def test_any_rate_limit_snapshot_leaves_the_governor_usable(
    limit: int | None, remaining: int | None, window: float | None, reset: float | None
) -> None:
    clock = _Clock()
    governor = RateGovernor(RateLimits(window=1.0), clock=clock, sleep=clock.sleep)
    governor.observe(
        RateLimitSnapshot(limit=limit, remaining=remaining, window=window, reset=reset)
    )
    assert governor.sent_in_window("read") <= max(governor.bucket_limit("read"), 120)

    async def one_send() -> None:
        await governor.acquire("read")

    asyncio.run(one_send())
    # A server may ask for a long wait; the governor takes it as asked, never more, never forever.
    assert sum(clock.slept) <= max(reset or 0.0, abs(window or 0.0), 1.0) + 1.0


# --- the transport sleeps exactly what the server asked, or gives up clearly ------------------


def _decide_once(status: int, value: str, policy: RetryPolicy) -> Decision:
    request = build_request(
        "GET", "/environments/x", route="/environments/{environment_id}", base_url="", headers={}
    )
    answer = RawResponse(status, {"Retry-After": value}, b'{"error": "x"}', 0.0)
    return decide(answer, 0, CallPolicy(request, policy, policy.max_retries), NOW)


@PROPERTY
@given(
    status=st.sampled_from([429, 503]),
    hint=st.floats(min_value=0.0, max_value=400.0).map(lambda s: round(s, 2)),
    as_date=st.booleans(),
    max_retry_after=st.sampled_from([0.0, 5.0, 60.0, 120.0, 300.0]),
)
def test_the_decision_waits_exactly_the_hint_or_gives_up_with_a_clear_error(
    status: int, hint: float, as_date: bool, max_retry_after: float
) -> None:
    if as_date:
        hint = float(math.ceil(hint))
        value = format_datetime(datetime.fromtimestamp(NOW + hint, tz=UTC), usegmt=True)
    else:
        value = f"{hint}"
    assume(hint != max_retry_after)
    policy = RetryPolicy(max_retries=1, max_retry_after=max_retry_after, initial_backoff=0.0)
    decision = _decide_once(status, value, policy)
    if hint <= max_retry_after:
        assert isinstance(decision, Retry)
        # A 429 pauses the whole bucket for the hint; a 503 waits it out itself.
        waited = decision.pause if status == 429 else decision.delay
        assert waited == pytest.approx(hint)
    else:
        assert isinstance(decision, Raise)
        assert "over max_retry_after; not waiting" in str(decision.error)
        assert decision.pause is None or decision.pause <= max(max_retry_after, 60.0)


@PROPERTY_IO
@given(
    window=st.floats(min_value=1.0, max_value=3600.0),
    max_retry_after=st.sampled_from([0.0, 30.0, 120.0, 1000.0]),
)
@pytest.mark.usefixtures("_aioresponses_compat")
def test_a_429_without_any_hint_never_waits_over_the_cap(
    window: float, max_retry_after: float
) -> None:
    policy = RetryPolicy(max_retries=1, max_retry_after=max_retry_after, initial_backoff=0.0)

    async def scenario() -> tuple[list[float], BaseException | None]:
        clock = _Clock()
        async with fast_client(
            BASE_URL,
            retry=policy,
            rate_limits=RateLimits(enabled=False, window=window),
            clock=clock,
            sleep=clock.sleep,
        ) as client:
            with aioresponses() as mocked:
                target = f"{BASE_URL}/environments/{ENV_ID}"
                mocked.get(target, status=429, payload={"error": "rate_limit_exceeded"})
                mocked.get(target, status=200, payload={"id": ENV_ID})
                try:
                    await client.environments.get(ENV_ID)
                except RateLimitError as error:
                    return clock.slept, error
        return clock.slept, None

    waits, error = asyncio.run(scenario())
    assert all(0 <= w <= max_retry_after for w in waits)
    if error is not None:
        assert "max_retry_after" in str(error)
