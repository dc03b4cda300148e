"""The pure retry rules: what is retried, how long to wait, and what the server asked for."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from oec_async import (
    APIConnectionError,
    APIStatusError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    TaskInProgressError,
)
from oec_async._core import RawResponse, Request, build_request
from oec_async._retry import (
    RETRYABLE_STATUSES,
    CallPolicy,
    Raise,
    Retry,
    Return,
    backoff_delay,
    decide,
    is_retryable_status,
    parse_retry_after,
    seconds_to_next_window,
    server_wait_hint,
)

NOW = 1_790_000_000.0  # a Unix time in 2026


def http_date(offset: float) -> str:
    """An HTTP date ``offset`` seconds after NOW."""
    return format_datetime(datetime.fromtimestamp(NOW + offset, tz=UTC), usegmt=True)


# --- is_retryable_status ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_every_transient_status_is_retried_for_an_idempotent_request(status: int) -> None:
    assert is_retryable_status(status, None, idempotent=True)


def test_the_retryable_status_set_is_exactly_the_documented_one() -> None:
    assert frozenset({408, 429, 500, 502, 503, 504}) == RETRYABLE_STATUSES


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 410, 422, 501])
def test_client_errors_and_other_statuses_are_never_retried(status: int) -> None:
    assert not is_retryable_status(status, None, idempotent=True)


@pytest.mark.parametrize("idempotent", [True, False])
def test_409_concurrent_action_is_retried(idempotent: bool) -> None:
    assert is_retryable_status(409, "concurrent_action", idempotent=idempotent)


@pytest.mark.parametrize("idempotent", [True, False])
def test_409_task_in_progress_is_never_retried(idempotent: bool) -> None:
    assert not is_retryable_status(409, "task_in_progress", idempotent=idempotent)


@pytest.mark.parametrize("code", [None, "environment_not_running", "something_new"])
def test_other_409s_are_not_retried(code: str | None) -> None:
    assert not is_retryable_status(409, code, idempotent=True)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_a_non_idempotent_post_is_not_retried_on_server_errors(status: int) -> None:
    assert not is_retryable_status(status, None, idempotent=False)


def test_a_429_is_retried_even_for_a_non_idempotent_request() -> None:
    # The server refused before acting, so repeating cannot act twice.
    assert is_retryable_status(429, "rate_limit_exceeded", idempotent=False)


@pytest.mark.parametrize("code", ["target_rate_limit", "webhook_mutation_rate_limit", "ip_blocked"])
def test_per_target_and_ip_rate_limits_are_surfaced_not_retried(code: str) -> None:
    assert not is_retryable_status(429, code, idempotent=True)


# --- backoff_delay ---------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", [0, 1, 2, 5, 10, 63, 64, 65, 1_000, 10**9])
@pytest.mark.parametrize("seed", range(5))
def test_backoff_is_always_within_zero_and_the_cap(attempt: int, seed: int) -> None:
    policy = RetryPolicy(initial_backoff=0.5, multiplier=2.0, max_backoff=30.0, jitter=1.0)
    delay = backoff_delay(attempt, policy, random.Random(seed))
    assert 0.0 <= delay <= policy.max_backoff


def test_backoff_without_jitter_grows_exponentially() -> None:
    policy = RetryPolicy(initial_backoff=0.5, multiplier=2.0, max_backoff=30.0, jitter=0.0)
    assert [backoff_delay(n, policy) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]


def test_backoff_without_jitter_stops_at_the_cap() -> None:
    policy = RetryPolicy(initial_backoff=0.5, multiplier=2.0, max_backoff=3.0, jitter=0.0)
    assert backoff_delay(10, policy) == 3.0


class _Fixed(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(("draw", "expected"), [(0.0, 4.0), (0.5, 3.0), (0.999999, 2.000002)])
def test_jitter_removes_up_to_its_fraction_of_the_wait(draw: float, expected: float) -> None:
    policy = RetryPolicy(initial_backoff=4.0, multiplier=2.0, max_backoff=30.0, jitter=0.5)
    assert backoff_delay(0, policy, _Fixed(draw)) == pytest.approx(expected)


def test_jitter_spreads_waits_over_its_whole_range() -> None:
    policy = RetryPolicy(initial_backoff=10.0, multiplier=2.0, max_backoff=30.0, jitter=0.5)
    rand = random.Random(42)
    delays = [backoff_delay(0, policy, rand) for _ in range(500)]
    assert min(delays) >= 5.0
    assert max(delays) <= 10.0
    assert min(delays) < 5.5
    assert max(delays) > 9.5


def test_huge_attempt_numbers_with_a_huge_multiplier_give_the_cap_instead_of_overflowing() -> None:
    policy = RetryPolicy(initial_backoff=1.0, multiplier=1e6, max_backoff=30.0, jitter=0.0)
    assert backoff_delay(10**9, policy) == 30.0


def test_a_slowly_growing_backoff_still_reaches_the_cap_eventually() -> None:
    policy = RetryPolicy(initial_backoff=0.5, multiplier=1.01, max_backoff=30.0, jitter=0.0)
    assert backoff_delay(10_000, policy) == 30.0


def test_a_zero_initial_backoff_never_waits() -> None:
    policy = RetryPolicy(initial_backoff=0.0, multiplier=2.0, max_backoff=30.0, jitter=0.0)
    assert backoff_delay(10**9, policy) == 0.0


# --- parse_retry_after -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [("23", 23.0), (" 7 ", 7.0), ("0", 0.0), ("1.5", 1.5)]
)
def test_retry_after_in_seconds(value: str, expected: float) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_negative_retry_after_seconds_mean_no_wait() -> None:
    assert parse_retry_after("-5", now=NOW) == 0.0


def test_retry_after_as_an_http_date_is_the_time_until_then() -> None:
    assert parse_retry_after(http_date(42), now=NOW) == pytest.approx(42.0)


def test_retry_after_as_a_past_http_date_means_no_wait() -> None:
    assert parse_retry_after(http_date(-3600), now=NOW) == 0.0


@pytest.mark.parametrize(
    "value", ["", "soon", "NaN", "inf", "-inf", "Wed, 99 Foo 2026", "12 apples"]
)
def test_unreadable_retry_after_is_none(value: str) -> None:
    assert parse_retry_after(value, now=NOW) is None


def test_absent_retry_after_is_none() -> None:
    assert parse_retry_after(None, now=NOW) is None


# --- server_wait_hint ------------------------------------------------------------------------


def test_the_retry_after_header_wins_over_every_other_hint() -> None:
    headers = {"Retry-After": "5", "X-RateLimit-Reset": "50"}
    assert server_wait_hint(headers, 30, now=NOW) == 5.0


def test_an_http_date_retry_after_header_wins_over_the_body() -> None:
    assert server_wait_hint({"Retry-After": http_date(9)}, 30, now=NOW) == pytest.approx(9.0)


def test_the_body_retry_after_is_used_without_the_header() -> None:
    assert server_wait_hint({"X-RateLimit-Reset": "50"}, 30, now=NOW) == 30.0


def test_an_unreadable_header_falls_back_to_the_body() -> None:
    assert server_wait_hint({"Retry-After": "later"}, 12.5, now=NOW) == 12.5


@pytest.mark.parametrize("body_value", [True, "30", None, float("nan"), [30]])
def test_a_body_retry_after_that_is_not_a_number_is_ignored(body_value: object) -> None:
    assert server_wait_hint({}, body_value, now=NOW) is None


def test_a_negative_body_retry_after_means_no_wait() -> None:
    assert server_wait_hint({}, -4, now=NOW) == 0.0


def test_x_ratelimit_reset_in_seconds_is_the_last_resort() -> None:
    assert server_wait_hint({"X-RateLimit-Reset": "17"}, None, now=NOW) == 17.0


def test_x_ratelimit_reset_as_a_unix_time_is_the_time_until_then() -> None:
    headers = {"X-RateLimit-Reset": str(int(NOW) + 25)}
    assert server_wait_hint(headers, None, now=NOW) == pytest.approx(25.0)


def test_x_ratelimit_reset_in_the_past_means_no_wait() -> None:
    headers = {"X-RateLimit-Reset": str(int(NOW) - 25)}
    assert server_wait_hint(headers, None, now=NOW) == 0.0


@pytest.mark.parametrize("value", ["soon", "nan", "inf"])
def test_an_unreadable_x_ratelimit_reset_gives_no_hint(value: str) -> None:
    assert server_wait_hint({"X-RateLimit-Reset": value}, None, now=NOW) is None


def test_no_hint_at_all_is_none() -> None:
    assert server_wait_hint({}, None, now=NOW) is None


# --- seconds_to_next_window ------------------------------------------------------------------


MINUTE_BOUNDARY = 60.0 * 16_666_667  # a Unix time that is a whole minute


def test_the_wait_reaches_one_second_past_the_next_full_minute() -> None:
    assert seconds_to_next_window(MINUTE_BOUNDARY + 19.0) == 42.0


def test_on_a_minute_boundary_the_wait_is_a_whole_window_and_a_second() -> None:
    assert seconds_to_next_window(MINUTE_BOUNDARY) == 61.0


@pytest.mark.parametrize("now", [0.0, 0.5, 59.999, 12_345.678, NOW])
def test_the_wait_to_the_next_window_is_between_one_second_and_a_window_plus_one(
    now: float,
) -> None:
    assert 1.0 < seconds_to_next_window(now) <= 61.0


def test_a_custom_window_length_is_honoured() -> None:
    assert seconds_to_next_window(100.0, window=30.0) == 21.0


def test_a_non_positive_window_waits_one_second() -> None:
    assert seconds_to_next_window(NOW, window=0.0) == 1.0


# --- decide: the whole policy of the send loop, as a plain function ---------------------------

GET = build_request(
    "GET", "/environments/e", route="/environments/{environment_id}", base_url="", headers={}
)
POST = build_request(
    "POST",
    "/environments/e/deploy",
    route="/environments/{environment_id}/deploy",
    base_url="",
    headers={},
)
KEYED_POST = build_request(
    "POST",
    "/environments/e/deploy",
    route="/environments/{environment_id}/deploy",
    base_url="",
    headers={},
    idempotency_header="Idempotency-Key",
    idempotency_key="k-1",
)
FLAT = RetryPolicy(max_retries=3, initial_backoff=1.0, multiplier=2.0, jitter=0.0)


def policy(request: Request = GET, retry: RetryPolicy = FLAT, window: float = 60.0) -> CallPolicy:
    return CallPolicy(request, retry, retry.max_retries, window, "oec_live_rw_secret")


def answer(status: int, body: object = None, **headers: str) -> RawResponse:
    raw = b"" if body is None else json.dumps(body).encode()
    return RawResponse(status, {k.replace("_", "-"): v for k, v in headers.items()}, raw, 0.01)


def dropped(*, reached: bool = True) -> APIConnectionError:
    return APIConnectionError("x", method="GET", path="/p", may_have_reached_server=reached)


def test_a_success_is_returned() -> None:
    response = answer(200, {"id": 1})
    assert decide(response, 0, policy(), NOW) == Return(response)


def test_a_transient_error_is_retried_after_the_backoff() -> None:
    assert decide(answer(503), 1, policy(), NOW) == Retry(2.0, "503")


def test_the_last_attempt_raises_the_complete_error() -> None:
    decision = decide(
        answer(503, {"detail": {"error": "enqueue_failed", "message": "x"}}), 3, policy(), NOW
    )
    assert isinstance(decision, Raise)
    assert isinstance(decision.error, InternalServerError)
    assert decision.error.code == "enqueue_failed"


def test_a_not_found_is_raised_at_once() -> None:
    decision = decide(answer(404, {"detail": "gone"}), 0, policy(), NOW)
    assert isinstance(decision, Raise)
    assert isinstance(decision.error, NotFoundError)


def test_an_unkeyed_post_is_not_retried_on_5xx_but_a_keyed_one_is() -> None:
    assert isinstance(decide(answer(503), 0, policy(POST), NOW), Raise)
    assert isinstance(decide(answer(503), 0, policy(KEYED_POST), NOW), Retry)


def test_a_retry_after_in_seconds_sets_the_delay() -> None:
    assert decide(answer(503, Retry_After="13"), 0, policy(), NOW) == Retry(13.0, "503")


def test_an_http_date_retry_after_sets_the_delay() -> None:
    decision = decide(answer(503, Retry_After=http_date(30)), 0, policy(), NOW)
    assert decision == Retry(30.0, "503")


def test_a_429_pauses_the_bucket_for_its_retry_after_and_retries_at_once() -> None:
    decision = decide(answer(429, Retry_After="7"), 0, policy(), NOW)
    assert decision == Retry(0.0, "429", pause=7.0)


def test_a_429_without_any_hint_waits_until_the_next_window_boundary() -> None:
    decision = decide(answer(429), 0, policy(), 60.0 * 16_666_667 + 19.0)
    assert decision == Retry(0.0, "429", pause=42.0)  # 41 s to the minute, plus one


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry_After": "1e308"},
        {"Retry_After": http_date(3 * 365 * 86400)},
        {"X_RateLimit_Reset": "1e15"},
        {"Retry_After": "86400"},
    ],
    ids=["huge seconds", "a date years ahead", "a reset of an epoch far ahead", "a day"],
)
def test_a_429_asking_for_more_than_max_retry_after_raises_at_once_and_pauses_one_window_at_most(
    headers: dict[str, str],
) -> None:
    decision = decide(answer(429, **headers), 0, policy(), NOW)
    assert isinstance(decision, Raise)
    assert isinstance(decision.error, RateLimitError)
    assert "over max_retry_after; not waiting" in decision.error.message
    assert decision.pause == 60.0


def test_a_503_asking_for_more_than_max_retry_after_is_raised_with_its_retry_after() -> None:
    decision = decide(answer(503, Retry_After="500"), 0, policy(), NOW)
    assert isinstance(decision, Raise)
    assert isinstance(decision.error, APIStatusError)
    assert decision.error.retry_after == 500.0
    assert decision.pause is None


def test_a_target_rate_limit_is_raised_not_retried_and_pauses_nothing() -> None:
    body = {"detail": {"error": "target_rate_limit", "message": "x"}}
    decision = decide(answer(429, body, Retry_After="10"), 0, policy(), NOW)
    assert isinstance(decision, Raise)
    assert (decision.error.retry_after, decision.pause) == (10.0, None)  # type: ignore[union-attr]


def test_a_redirect_is_raised_with_the_key_scrubbed_from_its_location() -> None:
    decision = decide(answer(302, Location="https://x/?k=oec_live_rw_secret"), 0, policy(), NOW)
    assert isinstance(decision, Raise)
    assert "oec_live_rw_secret" not in str(decision.error)
    assert "unexpected redirect" in str(decision.error)


def test_a_refused_connection_is_retried_even_for_an_unkeyed_post() -> None:
    assert isinstance(decide(dropped(reached=False), 0, policy(POST), NOW), Retry)


def test_a_dropped_connection_is_raised_for_an_unkeyed_post() -> None:
    error = dropped()
    assert decide(error, 0, policy(POST), NOW) == Raise(error)


def test_a_dropped_connection_is_retried_for_a_get_until_the_retries_run_out() -> None:
    assert isinstance(decide(dropped(), 2, policy(), NOW), Retry)
    assert isinstance(decide(dropped(), 3, policy(), NOW), Raise)


def test_the_key_echoed_in_an_error_body_never_reaches_the_error() -> None:
    body = {"detail": {"error": "x", "message": "bad key oec_live_rw_secret"}}
    decision = decide(answer(400, body), 0, policy(), NOW)
    assert isinstance(decision, Raise)
    assert "oec_live_rw_secret" not in str(decision.error)


def test_a_409_task_in_progress_is_raised_never_retried() -> None:
    body = {"detail": {"error": "task_in_progress", "message": "busy"}}
    decision = decide(answer(409, body), 0, policy(KEYED_POST), NOW)
    assert isinstance(decision, Raise)
    assert isinstance(decision.error, TaskInProgressError)


def test_a_409_concurrent_action_is_retried_even_for_an_unkeyed_post() -> None:
    body = {"detail": {"error": "concurrent_action", "message": "busy"}}
    assert isinstance(decide(answer(409, body), 0, policy(POST), NOW), Retry)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_raised_never_retried(status: int) -> None:
    decision = decide(answer(status, {"error": "x", "message": "no"}), 0, policy(), NOW)
    assert isinstance(decision, Raise)
    assert decision.error.status == status  # type: ignore[attr-defined]


def test_a_429_body_retry_after_pauses_the_bucket_without_the_header() -> None:
    body = {"detail": {"error": "rate_limit_exceeded", "message": "x", "retry_after": 11}}
    assert decide(answer(429, body), 0, policy(), NOW) == Retry(
        0.0, "429 rate_limit_exceeded", pause=11.0
    )


def test_x_ratelimit_reset_is_the_last_hint_of_a_429() -> None:
    decision = decide(answer(429, X_RateLimit_Reset="13"), 0, policy(), NOW)
    assert decision == Retry(0.0, "429", pause=13.0)
