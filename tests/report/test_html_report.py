"""`FleetReport.write_html`: one self-contained page, every piece of server text escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from report_data import HOSTILE, env, rollout_report, sample_report

from oec_async.fleet import FleetReport
from oec_async.testing import FakeOEC


class Page(HTMLParser):
    """Collects what a browser would load or run from the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.handlers: list[str] = []
        self.scripts = 0
        self.rows: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        self.scripts += tag == "script"
        self.urls += [v or "" for k, v in attrs if k in ("src", "href")]
        self.handlers += [k for k, _ in attrs if k.startswith("on")]
        if tag == "g" and found.get("class") == "row":
            self.rows.append(found.get("data-kind") or "")


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    return page


def test_write_html_writes_one_page_and_returns_its_path(tmp_path: Path) -> None:
    path = sample_report().write_html(tmp_path / "run.html")

    assert path == tmp_path / "run.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_the_page_loads_nothing_from_the_network(tmp_path: Path) -> None:
    text = sample_report().write_html(tmp_path / "run.html").read_text(encoding="utf-8")

    page = parse(text)
    assert page.urls == []
    assert "link" not in page.tags
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text)  # the SVG namespace only
    assert "@import" not in text


def test_the_timeline_has_a_row_per_environment_coloured_by_kind(tmp_path: Path) -> None:
    text = sample_report().write_html(tmp_path / "run.html").read_text(encoding="utf-8")

    assert parse(text).rows == [
        "succeeded",
        "failed",
        "errored",
        "conflicted",
        "succeeded",
        "not_started",
    ]
    assert text.count('fill="#c62828"') == 2  # the failed bar and its end mark


def test_rows_are_labelled_by_name_and_escaped(tmp_path: Path) -> None:
    text = sample_report().write_html(tmp_path / "run.html").read_text(encoding="utf-8")

    assert ">shop-eu</text>" in text
    assert "&lt;b&gt;shop-us&lt;/b&gt;" in text
    assert "<b>shop-us</b>" not in text


def test_a_row_shows_its_queue_and_its_run(tmp_path: Path) -> None:
    text = sample_report().write_html(tmp_path / "run.html").read_text(encoding="utf-8")

    failed_row = text.split('data-kind="failed">')[1].split("</g>")[0]
    assert "got its turn at 0.20s" in failed_row
    assert "sent at 2.00s" in failed_row
    assert '<line class="waiting" x1="250.0" ' in failed_row  # from the run's start
    assert '<line class="queued" ' in failed_row  # its turn, waiting for the budget
    assert "<rect " in failed_row  # the run bar


def test_waves_are_bands_and_rate_budget_waits_are_marked(tmp_path: Path) -> None:
    text = rollout_report().write_html(tmp_path / "run.html").read_text(encoding="utf-8")

    bands = re.findall(r'<g class="wave">.*?<text[^>]*>([^<]*)</text></g>', text)
    assert bands == ["canary", "wave 2"]
    waits = re.findall(r'<g class="wait" data-bucket="(\w+)"><title>([^<]*)</title>', text)
    assert waits == [
        ("write", "write budget: waited 1.50s from 0.10s"),
        ("read", "read budget: waited 0.50s from 2.50s"),
    ]
    assert "<b>2</b>rate-budget waits (2.0s)</li>" in text


def test_a_rollout_report_says_where_it_halted_and_what_was_reattached(tmp_path: Path) -> None:
    text = rollout_report().write_html(tmp_path / "run.html").read_text(encoding="utf-8")

    assert "Rollout halted in wave 2: 3 failures in wave 2 &gt; max_failures_per_wave 0" in text
    assert "<b>1</b>re-attached</li>" in text
    assert "re-attached to the task of an earlier run of this batch" in text


def test_server_text_is_escaped_everywhere(tmp_path: Path) -> None:
    text = sample_report().write_html(tmp_path / "run.html").read_text(encoding="utf-8")

    page = parse(text)
    assert HOSTILE not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert page.scripts == 1  # ours, at the end
    assert page.handlers == []  # no onerror= smuggled in
    assert "connection dropped &lt;/td&gt;&lt;/tr&gt;" in text


def test_the_summary_counts_and_failures_with_their_messages(tmp_path: Path) -> None:
    text = sample_report().write_html(tmp_path / "run.html").read_text(encoding="utf-8")

    counts = {kind: int(n) for n, kind in re.findall(r"<b>(\d+)</b>([a-z_ -]+)</li>", text)}
    assert counts == {
        "succeeded": 2,
        "failed": 1,
        "errored": 1,
        "conflicted": 1,
        "not_started": 1,
    }
    failures = text.split("<h2>Failures</h2>")[1]
    assert failures.count("<tr data-kind=") == 3  # failed, errored, conflicted
    assert f"<b>1 not started</b> (the run stopped before their turn): {env(5)}" in failures
    assert "409 environment_not_running: Environment is stopped." in failures
    assert "rel-42" in text


def test_a_run_where_everything_succeeded_says_so(tmp_path: Path) -> None:
    report = sample_report()
    good = FleetReport(action="restart", outcomes=report.outcomes[:1], elapsed=3.5)

    text = good.write_html(tmp_path / "run.html").read_text(encoding="utf-8")

    assert "Every environment succeeded." in text
    assert "restart of 1 environment(s)" in text


def test_an_empty_report_still_renders(tmp_path: Path) -> None:
    text = FleetReport(action="stop", outcomes=()).write_html(tmp_path / "e.html").read_text()

    assert "<svg" in text
    assert "</html>" in text


async def test_a_real_run_on_the_fake_draws_every_environment(tmp_path: Path) -> None:
    async with FakeOEC(environments=4, task_duration=0.05, rate_limits=False) as fake:
        fake.set_environment_behaviour(fake.environment_ids[1], fail=True, error_message="Boom.")
        async with fake.client() as client:
            report = await client.fleet.deploy(fake.environment_ids)

    text = report.write_html(tmp_path / "run.html").read_text(encoding="utf-8")

    assert len(parse(text).rows) == 4
    assert "Boom." in text.split("<h2>Failures</h2>")[1]
