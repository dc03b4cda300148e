"""The debug-mode plugin fails a test on what asyncio reports, and lets a quiet test pass.

Records are handed straight to the handler the fixture installs (not logged through the
``asyncio`` logger), so a suite run with the plugin active does not see them as its own.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import Any

import asyncio_debug_plugin as plugin
import pytest


def _installed(fixture: Generator[None, None, None]) -> logging.Handler:
    before = list(logging.getLogger("asyncio").handlers)
    next(fixture)
    (added,) = [h for h in logging.getLogger("asyncio").handlers if h not in before]
    return added


def _record(level: int, msg: str, *args: Any) -> logging.LogRecord:
    return logging.LogRecord("asyncio", level, __file__, 1, msg, args, None)


def test_a_slow_callback_report_fails_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OEC_SLOW_CALLBACK_SECONDS", raising=False)
    fixture = plugin._fail_on_asyncio_reports.__wrapped__()  # type: ignore[attr-defined]
    handler = _installed(fixture)
    handler.handle(_record(logging.WARNING, "Executing %s took %.3f seconds", "<Task>", 0.25))
    with pytest.raises(pytest.fail.Exception, match=r"took 0\.250 seconds"):
        next(fixture)


def test_a_task_destroyed_while_pending_fails_the_test() -> None:
    fixture = plugin._fail_on_asyncio_reports.__wrapped__()  # type: ignore[attr-defined]
    handler = _installed(fixture)
    handler.handle(_record(logging.ERROR, "Task was destroyed but it is pending!"))
    with pytest.raises(pytest.fail.Exception, match="Task was destroyed"):
        next(fixture)


def test_a_quiet_test_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OEC_SLOW_CALLBACK_SECONDS", "0.5")
    fixture = plugin._fail_on_asyncio_reports.__wrapped__()  # type: ignore[attr-defined]
    handler = _installed(fixture)
    handler.handle(_record(logging.DEBUG, "just chatting"))
    handler.handle(_record(logging.WARNING, "Executing %s took %.3f seconds", "<Task>", 0.3))
    with pytest.raises(StopIteration):
        next(fixture)
