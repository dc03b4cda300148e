"""The integration tests run against both dialects of the fake (see README, "Testing your code")."""

from __future__ import annotations

import pytest

from oec_async.testing import Dialect


@pytest.fixture(params=["docs", "live"])
def dialect(request: pytest.FixtureRequest) -> Dialect:
    """``"docs"`` then ``"live"``: pass it to every `FakeOEC` a test builds."""
    value: Dialect = request.param
    return value
