"""Clocks and time formatting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oec_async.testing import FakeOEC, ManualClock, MonotonicClock
from oec_async.testing._clock import isoformat


def test_manual_clock_moves_only_when_advanced() -> None:
    clock = ManualClock()
    clock.advance(2.5)
    assert clock.monotonic() == 2.5


def test_manual_clock_refuses_to_go_backwards() -> None:
    with pytest.raises(ValueError, match="backwards"):
        ManualClock().advance(-1)


def test_manual_clock_maps_to_wall_time() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = ManualClock(start)
    clock.advance(90)
    assert clock.wall() == start + timedelta(seconds=90)


def test_monotonic_clock_wall_time_is_close_to_now() -> None:
    assert abs((MonotonicClock().wall() - datetime.now(UTC)).total_seconds()) < 1


def test_isoformat_uses_z_and_drops_zero_fraction() -> None:
    assert isoformat(datetime(2026, 1, 1, 10, 30, tzinfo=UTC)) == "2026-01-01T10:30:00Z"
    moment = datetime(2026, 1, 1, 10, 30, 0, 250000, tzinfo=UTC)
    assert isoformat(moment) == "2026-01-01T10:30:00.250Z"


def test_advance_needs_a_manual_clock() -> None:
    with pytest.raises(TypeError, match="ManualClock"):
        FakeOEC().advance(1)
