"""Reading a delivery's signed send time, and the bounded memory of deliveries handled."""

from __future__ import annotations

import math

import pytest

from oec_async.webhooks import SignatureScheme, WebhookSignatureError
from oec_async.webhooks._freshness import ReplayMemory, signed_time, unix_time

NOW = 1_790_000_000.0
SIGNED_HEADER = SignatureScheme(signed_content="timestamp.body")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (1_790_000_000, 1_790_000_000.0),
        (1_790_000_000.25, 1_790_000_000.25),
        ("1790000000", 1_790_000_000.0),
        (" 1790000000.5 ", 1_790_000_000.5),
        ("2026-09-21T14:13:20Z", 1_790_000_000.0),
        ("2026-09-21T16:13:20+02:00", 1_790_000_000.0),
        ("2026-09-21T14:13:20", 1_790_000_000.0),  # no zone: UTC, as the API writes times
    ],
)
def test_a_time_is_unix_seconds_or_iso_8601(value: object, seconds: float) -> None:
    assert unix_time(value) == seconds


@pytest.mark.parametrize(
    "value",
    [
        True,
        None,
        [1],
        math.nan,
        math.inf,
        -1,
        -1.5,
        1_790_000_000_000,  # milliseconds
        10**400,
        "yesterday",
        "-5",
        "1e9",
        "1" * 100,
        "",
    ],
)
def test_anything_else_is_not_a_time(value: object) -> None:
    with pytest.raises(ValueError, match=r"not a|too long|neither"):
        unix_time(value)


def test_the_bodys_timestamp_is_the_signed_time() -> None:
    assert signed_time({"timestamp": NOW}, {"X-OEC-Timestamp": "5"}, SignatureScheme()) == NOW


def test_the_header_is_not_signed_time_under_the_default_scheme() -> None:
    assert signed_time({}, {"X-OEC-Timestamp": str(int(NOW))}, SignatureScheme()) is None


def test_the_header_is_signed_time_when_the_scheme_signs_it() -> None:
    assert signed_time({}, {"x-oec-timestamp": str(int(NOW))}, SIGNED_HEADER) == NOW


def test_created_at_is_not_a_send_time() -> None:
    assert signed_time({"created_at": "2026-09-21T14:13:20Z"}, {}, SignatureScheme()) is None


def test_a_malformed_body_timestamp_is_refused_by_name() -> None:
    with pytest.raises(WebhookSignatureError, match="the body's 'timestamp'") as caught:
        signed_time({"timestamp": "soon"}, {}, SignatureScheme())
    assert caught.value.reason == "malformed_timestamp"


# --- ReplayMemory ---------------------------------------------------------------------------


def test_a_delivery_handled_is_a_duplicate_after() -> None:
    memory = ReplayMemory(10, 300.0)
    assert memory.claim("a", NOW, NOW)
    memory.release("a", NOW, handled=True)
    assert not memory.claim("a", NOW, NOW + 1)


def test_a_delivery_being_handled_is_a_duplicate_meanwhile() -> None:
    memory = ReplayMemory(10, 300.0)
    assert memory.claim("a", NOW, NOW)
    assert not memory.claim("a", NOW, NOW)


def test_a_delivery_whose_handler_failed_may_come_again() -> None:
    memory = ReplayMemory(10, 300.0)
    memory.claim("a", NOW, NOW)
    memory.release("a", NOW, handled=False)
    assert memory.claim("a", NOW, NOW + 1)


def test_entries_leave_once_older_than_the_tolerance() -> None:
    memory = ReplayMemory(10, 300.0)
    memory.claim("a", NOW, NOW)
    memory.release("a", NOW, handled=True)
    memory.claim("b", NOW + 200, NOW + 200)
    memory.release("b", NOW + 200, handled=True)
    memory.claim("c", NOW + 301, NOW + 301)
    assert len(memory) == 1


def test_a_full_memory_refuses_deliveries_signed_before_what_it_forgot() -> None:
    memory = ReplayMemory(2, 300.0)
    for index, key in enumerate("abc"):
        memory.claim(key, NOW + index, NOW + index)
        memory.release(key, NOW + index, handled=True)
    with pytest.raises(WebhookSignatureError) as caught:
        memory.claim("a", NOW, NOW + 3)
    assert caught.value.reason == "replayed"
    assert memory.claim("d", NOW + 1.5, NOW + 3), "signed after the forgotten one: accepted"


def test_without_a_tolerance_the_memory_is_first_in_first_out() -> None:
    memory = ReplayMemory(2, None)
    for key in "abc":
        memory.claim(key, None, NOW)
        memory.release(key, None, handled=True)
    assert len(memory) == 2
    assert memory.claim("a", None, NOW)
    assert not memory.claim("c", None, NOW)


def test_a_memory_of_zero_remembers_nothing() -> None:
    memory = ReplayMemory(0, 300.0)
    memory.claim("a", NOW, NOW)
    memory.release("a", NOW, handled=True)
    assert len(memory) == 0
    assert memory.claim("a", NOW, NOW)
