"""Shared settings for the end-to-end tests against `FakeOEC`."""

from __future__ import annotations

from typing import Final

from oec_async import PollPolicy
from oec_async.testing import FakeOEC

FAST_POLL: Final = PollPolicy(initial_interval=0.02, multiplier=1.5, max_interval=0.1, jitter=0.0)
"""Polls fast enough for the fake's short tasks."""


def count(fake: FakeOEC, method: str, path: str) -> int:
    """How many requests of ``method`` the fake saw on ``path`` (relative to the base URL)."""
    return sum(1 for r in fake.requests if r.method == method and r.path.endswith(path))


def running_environment(fake: FakeOEC) -> str:
    """The id of a running environment."""
    return next(e for e in fake.environment_ids if fake.environment_status(e) == "running")
