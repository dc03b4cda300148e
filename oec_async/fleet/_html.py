"""A fleet run as one self-contained HTML page: a timeline, the counts and the failures.

Everything is inline (CSS, a few lines of script, the SVG timeline), so the file works offline
and can be attached to a ticket or a CI run. Every name and message comes from the server or
the user, so every piece of text is escaped, in the page and in the SVG alike.

The renderer reads only the report's public attributes. Times it cannot know are left out
rather than guessed: an outcome without a start shows only where it ended.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final
from uuid import UUID

from attrs import frozen

from ._outcome import FleetOutcome, OutcomeKind

if TYPE_CHECKING:
    from ._outcome import FleetReport

__all__ = ["render_html", "write_html"]

COLOURS: Final = {
    "succeeded": "#2e7d32",
    "failed": "#c62828",
    "unhealthy": "#d81b60",
    "errored": "#6a1b9a",
    "conflicted": "#ef6c00",
    "cancelled": "#f9a825",
    "not_started": "#9e9e9e",
}
"""Outcome kind -> colour (an unknown kind gets grey)."""
BUCKET_COLOURS: Final = {"write": "#1565c0", "read": "#00838f"}
LABEL_WIDTH: Final = 250
CHART_WIDTH: Final = 860
ROW_HEIGHT: Final = 16
WAVE_GUTTER: Final = 90
"""Room right of the chart for the waves' names."""
TOP: Final = 46
"""The axis and the rate-budget lane above the first row."""

_CSS: Final = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#212121;background:#fafafa}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#616161;margin:0 0 16px}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:0;padding:0;list-style:none}
.counts li{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:6px 10px;cursor:pointer;user-select:none}
.counts li.off{opacity:.35}.counts b{font-size:18px;margin-right:4px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
.card{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:12px;overflow-x:auto}
svg text{font:11px system-ui,sans-serif;fill:#424242}svg .lane{fill:#616161;font-weight:600}
svg .row.hidden{display:none}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{font-weight:600;background:#f5f5f5}td.msg{white-space:pre-wrap;word-break:break-word}
.kind{font-weight:600}.none{color:#757575}
"""

_SCRIPT: Final = """
(function () {
  "use strict";
  var hidden = {};
  function apply() {
    document.querySelectorAll("[data-kind]").forEach(function (node) {
      if (node.tagName !== "LI") {
        node.classList.toggle("hidden", !!hidden[node.getAttribute("data-kind")]);
      }
    });
  }
  document.querySelectorAll("li[data-kind]").forEach(function (item) {
    item.addEventListener("click", function () {
      var kind = item.getAttribute("data-kind");
      hidden[kind] = !hidden[kind];
      item.classList.toggle("off", hidden[kind]);
      apply();
    });
  });
})();
"""


@frozen
class _Row:
    """One environment's line on the timeline."""

    outcome: FleetOutcome
    label: str
    queued: float | None
    started: float | None
    finished: float | None


def _row(outcome: FleetOutcome) -> _Row:
    finished = None if outcome.kind is OutcomeKind.NOT_STARTED else outcome.finished_at
    return _Row(
        outcome,
        outcome.name or str(outcome.environment_id),
        outcome.queued_at,
        outcome.started_at,
        finished,
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _kind(outcome: FleetOutcome) -> str:
    return outcome.kind.value


def _message(outcome: FleetOutcome) -> str:
    return outcome.error_message or ""


def _waves(report: FleetReport) -> list[tuple[str, frozenset[UUID]]]:
    """The waves' names and environments (none without a rollout)."""
    return [(wave.name, frozenset(wave.environment_ids)) for wave in report.waves]


def _rate_waits(report: FleetReport) -> list[tuple[float, float, str]]:
    return [(start, seconds, bucket) for start, seconds, bucket in report.rate_limit_waits]


def _ordered(report: FleetReport, waves: Sequence[tuple[str, frozenset[UUID]]]) -> list[_Row]:
    rows = [_row(outcome) for outcome in report.outcomes]
    if not waves:
        return rows
    position = {env: n for n, (_, members) in enumerate(waves) for env in members}
    return sorted(rows, key=lambda r: (position.get(r.outcome.environment_id, len(waves)),))


def _axis_ticks(span: float) -> list[float]:
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600):
        if span / step <= 12:
            break
    count = int(span // step) + 1
    return [round(n * step, 6) for n in range(count)]


def _clock(value: float) -> str:
    if value < 60:
        return f"{value:g}s"
    minutes, seconds = divmod(int(value), 60)
    return f"{minutes}m{seconds:02d}s"


def _timeline(report: FleetReport) -> str:
    waves = _waves(report)
    rows = _ordered(report, waves)
    waits = _rate_waits(report)
    ends = [r.finished for r in rows if r.finished is not None]
    ends += [start + seconds for start, seconds, _ in waits]
    span = max([report.elapsed, *ends, 0.001])
    height = TOP + ROW_HEIGHT * max(1, len(rows)) + 8
    width = LABEL_WIDTH + CHART_WIDTH + 16
    chart = CHART_WIDTH - (WAVE_GUTTER if waves else 0)  # the waves' names go on the right

    def x(t: float) -> float:
        return round(LABEL_WIDTH + min(max(t, 0.0), span) / span * chart, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="timeline of the fleet run">'
    ]
    for tick in _axis_ticks(span):
        parts.append(
            f'<line x1="{x(tick)}" y1="14" x2="{x(tick)}" y2="{height}" stroke="#eeeeee"/>'
            f'<text x="{x(tick)}" y="11" text-anchor="middle">{_e(_clock(tick))}</text>'
        )
    parts.extend(_wave_bands(rows, waves, width, LABEL_WIDTH + chart + 8))
    parts.append(f'<text class="lane" x="4" y="{TOP - 12}">rate-budget waits</text>')
    for start, seconds, bucket in waits:
        colour = BUCKET_COLOURS.get(bucket, "#546e7a")
        left, right = x(start), x(start + seconds)
        tip = f"{bucket} budget: waited {seconds:.2f}s from {start:.2f}s"
        parts.append(
            f'<g class="wait" data-bucket="{_e(bucket)}"><title>{_e(tip)}</title>'
            f'<rect x="{left}" y="{TOP - 20}" width="{max(right - left, 1.5)}" height="8" '
            f'fill="{colour}" rx="1"/>'
            f'<rect x="{left}" y="{TOP - 4}" width="{max(right - left, 1.5)}" '
            f'height="{height - TOP}" fill="{colour}" opacity="0.06"/></g>'
        )
    for n, row in enumerate(rows):
        parts.append(_row_svg(row, TOP + n * ROW_HEIGHT, x))
    parts.append("</svg>")
    return "".join(parts)


def _wave_bands(
    rows: Sequence[_Row], waves: Sequence[tuple[str, frozenset[UUID]]], width: int, names_x: float
) -> Iterable[str]:
    for number, (label, members) in enumerate(waves):
        lines = [n for n, row in enumerate(rows) if row.outcome.environment_id in members]
        if not lines:
            continue
        top = TOP + min(lines) * ROW_HEIGHT
        bottom = TOP + (max(lines) + 1) * ROW_HEIGHT
        fill = "#e3f2fd" if number % 2 == 0 else "#f3e5f5"
        yield (
            f'<g class="wave"><rect x="0" y="{top}" width="{width}" height="{bottom - top}" '
            f'fill="{fill}" opacity="0.6"/>'
            f'<text class="lane" x="{names_x}" y="{top + 11}">'
            f"{_e(label)}</text></g>"
        )


def _row_svg(row: _Row, top: int, place: Callable[[float], float]) -> str:
    outcome = row.outcome
    kind = _kind(outcome)
    colour = COLOURS.get(kind, "#9e9e9e")
    middle = top + ROW_HEIGHT / 2
    label = row.label if len(row.label) <= 36 else row.label[:35] + "…"
    tip = [f"{row.label}: {kind}"]
    if outcome.reattached:
        tip.append("re-attached to the task of an earlier run of this batch")
    elif outcome.attached:
        tip.append("attached to a task already running")
    for name, value in (
        ("got its turn", row.queued),
        ("sent", row.started),
        ("ended", row.finished),
    ):
        if value is not None:
            tip.append(f"{name} at {value:.2f}s")
    if outcome.task_id is not None:
        tip.append(f"task {outcome.task_id}")
    if message := _message(outcome):
        tip.append(message)
    parts = [
        f'<g class="row" data-kind="{_e(kind)}"><title>{_e(chr(10).join(tip))}</title>',
        f'<text x="4" y="{middle + 4}">{_e(label)}</text>',
    ]
    sent = row.started if row.started is not None else row.finished
    if sent is not None and sent > 0:
        # Queued from the run's start: first for a max_parallel place (dotted), then, once
        # its turn came, for the rate budget (dashed).
        turn = min(row.queued if row.queued is not None else sent, sent)
        if turn > 0:
            parts.append(
                f'<line class="waiting" x1="{place(0.0)}" y1="{middle}" x2="{place(turn)}" '
                f'y2="{middle}" stroke="#e0e0e0" stroke-width="2" stroke-dasharray="1 3"/>'
            )
        if sent > turn:
            parts.append(
                f'<line class="queued" x1="{place(turn)}" y1="{middle}" x2="{place(sent)}" '
                f'y2="{middle}" stroke="#9e9e9e" stroke-width="2" stroke-dasharray="3 2"/>'
            )
    if row.started is not None and row.finished is not None:
        left, right = place(row.started), place(row.finished)
        dashed = (
            ' stroke="#212121" stroke-width="0.8" stroke-dasharray="4 2"'
            if outcome.attached
            else ""
        )
        parts.append(
            f'<rect x="{left}" y="{top + 3}" width="{max(right - left, 2)}" '
            f'height="{ROW_HEIGHT - 6}" fill="{colour}" rx="2"{dashed}/>'
        )
    if row.finished is not None:
        parts.append(
            f'<circle cx="{place(row.finished)}" cy="{middle}" r="3.5" fill="{colour}" '
            'stroke="#fff" stroke-width="1"/>'
        )
    elif outcome.kind is OutcomeKind.NOT_STARTED:
        parts.append(
            f'<text x="{LABEL_WIDTH + 4}" y="{middle + 4}" fill="{colour}">not started</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _counts(report: FleetReport) -> str:
    items = []
    for kind, count in report.counts.items():
        value = kind.value
        if not count:
            continue
        colour = COLOURS.get(value, "#9e9e9e")
        items.append(
            f'<li data-kind="{_e(value)}" title="show or hide these rows">'
            f'<span class="swatch" style="background:{colour}"></span>'
            f"<b>{count}</b>{_e(value)}</li>"
        )
    if report.reattached:
        items.append(f"<li><b>{report.reattached}</b>re-attached</li>")
    waits = _rate_waits(report)
    if waits:
        total = sum(seconds for _, seconds, _ in waits)
        items.append(f"<li><b>{len(waits)}</b>rate-budget waits ({total:.1f}s)</li>")
    return f'<ul class="counts">{"".join(items)}</ul>'


def _failures(report: FleetReport) -> str:
    problems = [o for o in report.outcomes if not o.ok and o.kind is not OutcomeKind.NOT_STARTED]
    never = [_row(o).label for o in report.outcomes if o.kind is OutcomeKind.NOT_STARTED]
    if not problems and not never:
        return '<p class="none">Every environment succeeded.</p>'
    parts = []
    if problems:
        rows = []
        for outcome in problems:
            kind = _kind(outcome)
            colour = COLOURS.get(kind, "#9e9e9e")
            rows.append(
                f'<tr data-kind="{_e(kind)}"><td>{_e(_row(outcome).label)}</td>'
                f'<td class="kind" style="color:{colour}">{_e(kind)}</td>'
                f"<td>{_e(outcome.task_id or '-')}</td>"
                f'<td class="msg">{_e(_message(outcome))}</td></tr>'
            )
        parts.append(
            "<table><thead><tr><th>Environment</th><th>Result</th><th>Task</th>"
            f"<th>Message</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    if never:
        # Not failures: the run stopped (or halted) before their turn. One line, not a table.
        parts.append(
            f'<p class="meta" data-kind="not_started"><b>{len(never)} not started</b> (the run '
            f"stopped before their turn): {_e(', '.join(never))}</p>"
        )
    return "".join(parts)


def _halted(report: FleetReport) -> str:
    if report.halted is None:
        return ""
    return f'<p class="meta"><b>Rollout {_e(report.halted)}</b></p>'


def render_html(report: FleetReport, *, title: str | None = None) -> str:
    """The report as one self-contained HTML page (no network access needed to view it).

    Args:
        report: The fleet run's report.
        title: The page's heading (default: the action and the number of environments).
    """
    heading = title or f"oec-async: {report.action} of {len(report)} environment(s)"
    state = " (cancelled)" if report.cancelled else " (timed out)" if report.timed_out else ""
    batch = f" · batch {report.batch_id}" if report.batch_id else ""
    written = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    meta = f"{report.action} · {report.elapsed:.1f}s{state}{batch} · written {written}"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(heading)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{_e(heading)}</h1><p class="meta">{_e(meta)}</p>{_halted(report)}'
        f"<h2>Summary</h2>{_counts(report)}"
        '<h2>Timeline</h2><div class="card">'
        f"{_timeline(report)}</div>"
        '<p class="meta">Each row: a dotted line while the environment waited for its turn (a '
        "max_parallel place), a dashed line while its turn waited for the rate budget, then a "
        "bar from the action's send to its outcome, coloured by result (an outlined bar is a "
        "task that was already running). Blue marks at the top are waits for the rate budget; "
        "shaded bands group the rollout's waves. Hover a row for its times and message.</p>"
        f"<h2>Failures</h2>{_failures(report)}"
        f"<script>{_SCRIPT}</script></body></html>"
    )


def write_html(
    report: FleetReport, path: str | os.PathLike[str], *, title: str | None = None
) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8) and return the path written."""
    target = Path(path)
    target.write_text(render_html(report, title=title), encoding="utf-8")
    return target
