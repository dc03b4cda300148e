"""The chaos soak: select it with ``-m soak`` (it is also ``slow``)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "soak: the bounded chaos soak against the fake server (under a minute)"
    )
