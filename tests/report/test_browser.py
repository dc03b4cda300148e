"""The HTML fleet report in a real browser: headless Chromium, no console errors, a screenshot.

Marked ``browser``: it skips when Chromium is missing, unless ``OEC_REQUIRE_BROWSER=1`` (set by
``.ci/run``, which installs Debian's ``chromium``), which turns the skip into a failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import visit
from report_data import rollout_report

pytestmark = pytest.mark.browser

PROBES = {
    "rows": "document.querySelectorAll('svg g.row').length",
    "width": "document.querySelector('svg').getBoundingClientRect().width",
    "failures": "document.querySelectorAll('tbody tr').length",
    "hidden_after_click": (
        "(function(){var li=document.querySelector('li[data-kind=\"failed\"]');li.click();"
        "return document.querySelectorAll('g.row.hidden').length;})()"
    ),
    "alerted": "typeof window.__alerted",
}


async def test_the_report_renders_in_chromium_without_console_errors(tmp_path: Path) -> None:
    page = rollout_report().write_html(tmp_path / "run.html")
    screenshot = tmp_path / "run.png"

    seen = await visit(page, screenshot, tmp_path / "profile", PROBES)

    assert seen.console_errors == []
    assert seen.exceptions == []
    assert all(url.startswith("file:") for url in seen.requests), seen.requests
    assert seen.values["rows"] == 6
    assert seen.values["width"] > 500
    assert seen.values["failures"] == 3
    assert seen.values["hidden_after_click"] == 1  # the legend filters the failed row
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    assert screenshot.stat().st_size > 10_000  # something was drawn


async def test_the_browser_check_sees_console_errors_and_exceptions(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>broken</p><script>"
        "console.error('drawn wrong');undefinedFunction();</script></body></html>"
    )

    seen = await visit(page, tmp_path / "broken.png", tmp_path / "profile")

    assert seen.console_errors == ["drawn wrong"]
    assert len(seen.exceptions) == 1
    assert "undefinedFunction" in seen.exceptions[0]
