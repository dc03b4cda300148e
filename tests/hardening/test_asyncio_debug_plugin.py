"""The debug-mode plugin fails a test on what asyncio reports, and lets a quiet test pass."""

from __future__ import annotations

import logging

import asyncio_debug_plugin as plugin
import pytest


def test_a_slow_callback_report_fails_the_test() -> None:
    fixture = plugin._fail_on_asyncio_reports.__wrapped__()  # type: ignore[attr-defined]
    next(fixture)
    logging.getLogger("asyncio").warning("Executing <Task pending> took %.3f seconds", 0.25)
    with pytest.raises(pytest.fail.Exception, match=r"took 0\.250 seconds"):
        next(fixture)


def test_a_quiet_test_passes() -> None:
    fixture = plugin._fail_on_asyncio_reports.__wrapped__()  # type: ignore[attr-defined]
    next(fixture)
    logging.getLogger("asyncio").debug("just chatting")
    with pytest.raises(StopIteration):
        next(fixture)
