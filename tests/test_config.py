"""Configuration objects: defaults, validation with messages naming the field, immutability."""

from __future__ import annotations

import math

import attrs
import pytest

from oec_async import DEFAULT_BASE_URL, PollPolicy, RateLimits, RetryPolicy, Timeouts


def test_the_default_base_url_is_the_public_api() -> None:
    assert DEFAULT_BASE_URL == "https://api.oec.sh/api/public/v1"


def test_retry_policy_defaults() -> None:
    policy = RetryPolicy()
    assert policy.max_retries == 3
    assert 0 < policy.initial_backoff <= policy.max_backoff
    assert 0 <= policy.jitter <= 1


def test_rate_limit_defaults_are_the_documented_budgets() -> None:
    limits = RateLimits()
    assert (limits.reads_per_window, limits.writes_per_window, limits.window) == (120, 20, 60.0)
    assert limits.enabled


def test_disabled_rate_limits_do_not_pace() -> None:
    assert not RateLimits.disabled().enabled


def test_configs_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        RetryPolicy().max_retries = 9  # type: ignore[misc]


@pytest.mark.parametrize(
    ("cls", "field"),
    [
        (RetryPolicy, "initial_backoff"),
        (RetryPolicy, "max_backoff"),
        (RetryPolicy, "jitter"),
        (RetryPolicy, "max_retry_after"),
        (RetryPolicy, "multiplier"),
        (PollPolicy, "initial_interval"),
        (PollPolicy, "max_interval"),
        (PollPolicy, "jitter"),
        (PollPolicy, "multiplier"),
        (RateLimits, "window"),
        (RateLimits, "safety_margin"),
        (Timeouts, "total"),
        (Timeouts, "connect"),
    ],
)
@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_negative_nan_and_infinite_values_are_rejected_naming_the_field(
    cls: type, field: str, bad: float
) -> None:
    with pytest.raises(ValueError, match=field):
        cls(**{field: bad})


@pytest.mark.parametrize(
    ("cls", "field"),
    [
        (RetryPolicy, "multiplier"),
        (PollPolicy, "multiplier"),
        (RateLimits, "window"),
        (Timeouts, "total"),
        (Timeouts, "connect"),
    ],
)
def test_zero_is_rejected_where_it_makes_no_sense(cls: type, field: str) -> None:
    with pytest.raises(ValueError, match=f"{field} must be > 0"):
        cls(**{field: 0})


@pytest.mark.parametrize(("cls", "field"), [(RetryPolicy, "jitter"), (PollPolicy, "jitter")])
def test_jitter_above_one_is_rejected(cls: type, field: str) -> None:
    with pytest.raises(ValueError, match=f"{field} must be within 0..1"):
        cls(**{field: 1.5})


@pytest.mark.parametrize("bad", ["1", True, None])
def test_non_numbers_are_rejected_with_a_type_error_naming_the_field(bad: object) -> None:
    with pytest.raises(TypeError, match="initial_backoff must be a number"):
        RetryPolicy(initial_backoff=bad)  # type: ignore[arg-type]


def test_negative_max_retries_is_rejected_naming_the_field() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)


def test_fractional_max_retries_is_rejected_naming_the_field() -> None:
    with pytest.raises(TypeError, match="max_retries"):
        RetryPolicy(max_retries=1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", ["reads_per_window", "writes_per_window"])
def test_a_zero_budget_is_rejected_naming_the_field(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        RateLimits(**{field: 0})  # type: ignore[arg-type]


def test_timeouts_may_be_unlimited() -> None:
    assert Timeouts(connect=None, total=None) == Timeouts(connect=None, total=None)


def test_zero_retries_is_allowed() -> None:
    assert RetryPolicy(max_retries=0).max_retries == 0
