"""Fixtures for the CLI tests: a FakeOEC served from a thread, and a runner pointed at it.

Every ``oec`` command runs its own event loop (``asyncio.run``), so the fake cannot share the
test's loop: it runs on a loop in a background thread for the duration of a test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cli_support import Oec, ThreadedFake

from oec_async.testing import FakeOEC


@pytest.fixture
def fake_options() -> dict[str, Any]:
    """FakeOEC options for `served`: fast tasks, no rate limits (override per module)."""
    return {"environments": 5, "task_duration": 0.3, "rate_limits": False, "stopped_fraction": 0.0}


@pytest.fixture
def served(fake_options: dict[str, Any]) -> Iterator[ThreadedFake]:
    """A started FakeOEC in a background thread."""
    threaded = ThreadedFake(**fake_options)
    threaded.start()
    try:
        yield threaded
    finally:
        threaded.stop()


@pytest.fixture
def fake(served: ThreadedFake) -> FakeOEC:
    """The FakeOEC of `served`."""
    assert served.fake is not None
    return served.fake


@pytest.fixture
def oec(fake: FakeOEC) -> Oec:
    """Run ``oec`` against the fake: ``oec("environments", "list", "--project", ...)``."""
    return Oec(fake)
