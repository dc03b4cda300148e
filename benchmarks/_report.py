"""Samples, summaries, the printed table and the JSON file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Result", "Sample", "Target", "print_table", "write_json"]


@dataclass(frozen=True)
class Sample:
    """One repetition of one variant.

    Attributes:
        value: The headline number (requests/s, items/s, µs or ms).
        client_cpu_us: Client CPU µs per operation (process time), when measured.
        server_cpu_us: Server CPU µs per operation, when measured.
        server_busy: Share of the wall time the server process was on a CPU.
    """

    value: float
    client_cpu_us: float | None = None
    server_cpu_us: float | None = None
    server_busy: float | None = None


@dataclass
class Result:
    """Every sample of one variant of one scenario."""

    scenario: str
    variant: str
    unit: str
    higher_is_better: bool
    baseline: bool = False
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.value for s in self.samples)

    @property
    def low(self) -> float:
        return min(s.value for s in self.samples)

    @property
    def high(self) -> float:
        return max(s.value for s in self.samples)

    def median_of(self, name: str) -> float | None:
        values = [getattr(s, name) for s in self.samples if getattr(s, name) is not None]
        return statistics.median(values) if values else None


@dataclass(frozen=True)
class Target:
    """A limit: ``variant`` of ``scenario`` against the scenario's baseline."""

    scenario: str
    variant: str
    limit: float
    text: str

    def ratio(self, results: Sequence[Result]) -> float | None:
        return ratio_of(results, self.scenario, self.variant)

    def met(self, results: Sequence[Result]) -> bool | None:
        value = self.ratio(results)
        if value is None:
            return None
        base = _baseline(results, self.scenario)
        higher = base.higher_is_better if base is not None else True
        return value >= self.limit if higher else value <= self.limit


def _baseline(results: Iterable[Result], scenario: str) -> Result | None:
    return next((r for r in results if r.scenario == scenario and r.baseline), None)


def _pair(results: Sequence[Result], scenario: str, variant: str) -> tuple[Result, Result] | None:
    base = _baseline(results, scenario)
    mine = next((r for r in results if r.scenario == scenario and r.variant == variant), None)
    if base is None or mine is None or not base.samples or not mine.samples:
        return None
    return mine, base


def paired_ratios(results: Sequence[Result], scenario: str, variant: str) -> list[float]:
    """Per repetition: ``variant``'s sample over the baseline's sample of that repetition.

    The variants of one repetition run back to back, so a machine that speeds up or slows down
    between repetitions (a shared 2-core box swings 2x within a minute) moves both sides alike.
    """
    pair = _pair(results, scenario, variant)
    if pair is None:
        return []
    mine, base = pair
    return [m.value / b.value for m, b in zip(mine.samples, base.samples, strict=False)]


def ratio_of(results: Sequence[Result], scenario: str, variant: str) -> float | None:
    """The median of the paired per-repetition ratios (see :func:`paired_ratios`)."""
    ratios = paired_ratios(results, scenario, variant)
    return statistics.median(ratios) if ratios else None


def ratio_of_medians(results: Sequence[Result], scenario: str, variant: str) -> float | None:
    """``variant``'s median over the baseline's median: shown beside the paired ratio."""
    pair = _pair(results, scenario, variant)
    return None if pair is None else pair[0].median / pair[1].median


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cpu(result: Result) -> str:
    client = result.median_of("client_cpu_us")
    if client is None:
        return ""
    server = result.median_of("server_cpu_us")
    busy = result.median_of("server_busy")
    text = f"{client:,.0f} µs"
    if server is not None and busy is not None:
        text += f" (server {server:,.0f} µs, busy {busy:.0%})"
    return text


def print_table(results: Sequence[Result], targets: Sequence[Target]) -> None:
    """Print one row per variant, grouped by scenario, then the targets."""
    header = (
        "scenario", "variant", "median", "min .. max", "ratio", "of medians", "client CPU/op"
    )  # fmt: skip
    rows: list[tuple[str, ...]] = []
    previous = ""
    for result in results:
        if not result.samples:
            continue
        ratio = ratio_of(results, result.scenario, result.variant)
        of_medians = ratio_of_medians(results, result.scenario, result.variant)
        rows.append((
            result.scenario if result.scenario != previous else "",
            result.variant,
            f"{_number(result.median)} {result.unit}",
            f"{_number(result.low)} .. {_number(result.high)}",
            "" if ratio is None else f"{ratio:.2f}x",
            "" if of_medians is None else f"{of_medians:.2f}x",
            _cpu(result),
        ))  # fmt: skip
        previous = result.scenario
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    print(line)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print(line)
    print("ratio: median over repetitions of (variant / baseline of the same repetition);")
    print("of medians: the variant's median over the baseline's median; client CPU/op: the")
    print("benchmark process's CPU time per request/page/item (server: the fake's).")
    if any(r.variant.endswith("*") for r in results):
        print("* httpx samples send a tenth of the requests (its pool is slow with 50 in flight).")
    for target in targets:
        met = target.met(results)
        ratio = target.ratio(results)
        verdict = "n/a" if met is None else ("met" if met else "MISSED")
        shown = "-" if ratio is None else f"{ratio:.2f}x"
        print(f"target  {target.text:<55} {shown:>7}  {verdict}")


def write_json(
    path: Path, results: Sequence[Result], targets: Sequence[Target], settings: dict[str, Any]
) -> None:
    """Write every sample, the summaries and the targets as JSON (for tracking over time)."""
    data = {
        "settings": settings,
        "machine": {
            "python": sys.version.split()[0],
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "results": [
            {
                "scenario": r.scenario,
                "variant": r.variant,
                "unit": r.unit,
                "higher_is_better": r.higher_is_better,
                "baseline": r.baseline,
                "median": r.median,
                "min": r.low,
                "max": r.high,
                "ratio_to_baseline": ratio_of(results, r.scenario, r.variant),
                "paired_ratios": paired_ratios(results, r.scenario, r.variant),
                "ratio_of_medians": ratio_of_medians(results, r.scenario, r.variant),
                "client_cpu_us_median": r.median_of("client_cpu_us"),
                "server_cpu_us_median": r.median_of("server_cpu_us"),
                "samples": [asdict(s) for s in r.samples],
            }
            for r in results
            if r.samples
        ],
        "targets": [
            {"target": t.text, "ratio": t.ratio(results), "met": t.met(results)} for t in targets
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
