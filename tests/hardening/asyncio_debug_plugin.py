"""A pytest plugin for running the whole suite in asyncio debug mode, failing on what it reports.

Debug mode makes asyncio report slow callbacks ("Executing <Task ...> took 0.123 seconds"),
tasks destroyed while pending, unretrieved task exceptions and never-awaited coroutines (with
where they were created). Never-awaited coroutines are RuntimeWarnings, which the suite's
``filterwarnings = ["error"]`` already fails on; the others only go to the ``asyncio`` logger.
This plugin fails the test during which any of them was logged.

Usage (from the repository root)::

    PYTHONASYNCIODEBUG=1 PYTHONPATH=tests/hardening \\
        pytest -p asyncio_debug_plugin --asyncio-debug

``--asyncio-debug`` puts pytest-asyncio's loops in debug mode; ``PYTHONASYNCIODEBUG=1`` does
the same for loops made by ``asyncio.run`` inside tests. A callback counts as slow from 0.1 s
(asyncio's default); ``OEC_SLOW_CALLBACK_SECONDS`` raises the bar for slow machines (reports
below it are ignored, every other report still fails).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

_SLOW_CALLBACK = "Executing %s took %.3f seconds"  # asyncio.base_events' message


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self.slow_from = float(os.environ.get("OEC_SLOW_CALLBACK_SECONDS") or 0.1)

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.WARNING:
            return
        if record.msg == _SLOW_CALLBACK and isinstance(record.args, tuple):
            took = record.args[-1]
            if isinstance(took, float) and took < self.slow_from:
                return
        self.records.append(record)


@pytest.fixture(autouse=True)
def _fail_on_asyncio_reports() -> Iterator[None]:
    handler = _Collect()
    logger = logging.getLogger("asyncio")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.records:
        shown = "\n".join(f"{r.levelname}: {r.getMessage()}" for r in handler.records[:5])
        pytest.fail(f"asyncio reported {len(handler.records)} problem(s):\n{shown}", pytrace=False)
