"""Benchmarks: the SDK side by side with raw aiohttp, in one run.

    python -m benchmarks            # the full run (a few minutes)
    python -m benchmarks --quick    # under a minute
    python -m benchmarks --only get page --json results.json

The fake server runs in its own process (rate limits off), seeded with one environment holding
10,000 deployments. Scenarios: GET one deployment 20,000 times at concurrency 50 (SDK, raw
aiohttp, raw aiohttp plus the SDK's model, httpx); page through the 10,000 deployments 100 at a
time (SDK, raw aiohttp cursor loop); structure one page of 100 deployments (SDK converter,
``json.loads`` alone); cold ``import oec_async`` against ``import aiohttp``. Variants alternate
within each repetition, so drift on a noisy machine hits them all alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from ._cores import separate_cores
from ._http import GET_VARIANTS, PAGE_VARIANTS, RAW_AIOHTTP, SDK, get_sample, page_sample
from ._offline import (
    IMPORT_VARIANTS,
    JSON_LOADS,
    STRUCTURE_VARIANTS,
    import_samples,
    prime_imports,
    structure_sample,
)
from ._report import Result, Sample, Target, print_table, write_json
from ._server import FakeServer, ServerInfo

SCENARIOS = ("get", "page", "structure", "import")
RESULTS_DIR = Path(__file__).parent / "results"
PAGE_LIMIT = 100


@dataclass(frozen=True)
class Settings:
    """How much work each scenario does."""

    get_requests: int
    concurrency: int
    get_repeat: int
    deployments: int
    page_repeat: int
    structure_calls: int
    structure_repeat: int
    import_repeat: int


FULL = Settings(
    get_requests=20_000, concurrency=50, get_repeat=7, deployments=10_000, page_repeat=15,
    structure_calls=300, structure_repeat=7, import_repeat=15,
)  # fmt: skip
QUICK = Settings(
    get_requests=2_000, concurrency=50, get_repeat=3, deployments=10_000, page_repeat=3,
    structure_calls=50, structure_repeat=5, import_repeat=5,
)  # fmt: skip


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="a smaller run (under a minute)")
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="where to write the results (default: benchmarks/results/bench-<time>.json)",
    )
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, help="run only these scenarios")
    parser.add_argument("--repeat", type=int, help="repetitions of every scenario")
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="let the OS place the server and the benchmark (default: a core each, on Linux)",
    )
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be >= 1")
    return args


def _rotated(variants: Sequence[str], repetition: int) -> list[str]:
    shift = repetition % len(variants)
    return [*variants[shift:], *variants[:shift]]


def _collect(
    results: list[Result],
    scenario: str,
    variants: Sequence[str],
    baseline: str,
    unit: str,
    higher_is_better: bool,
    repeat: int,
    measure: Callable[[str], Sample],
) -> None:
    by_variant = {
        v: Result(scenario, v, unit, higher_is_better, baseline=v == baseline) for v in variants
    }
    results.extend(by_variant.values())
    for repetition in range(repeat):
        for variant in _rotated(variants, repetition):
            sample = measure(variant)
            by_variant[variant].samples.append(sample)
            _progress(scenario, variant, repetition, repeat, sample, unit)


def _progress(
    scenario: str, variant: str, repetition: int, repeat: int, sample: Sample, unit: str
) -> None:
    print(
        f"  {scenario} | {variant} | {repetition + 1}/{repeat}: {sample.value:,.1f} {unit}",
        file=sys.stderr,
        flush=True,
    )


async def _first_page(info: ServerInfo, env_id: str) -> bytes:
    url = f"{info.url}/environments/{env_id}/deployments"
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, params={"limit": PAGE_LIMIT}, headers=info.auth_headers) as response,
    ):
        if response.status != 200:
            raise RuntimeError(f"GET {url} -> {response.status}")
        return await response.read()


def run(
    settings: Settings, scenarios: Sequence[str], *, pin: bool = True
) -> tuple[list[Result], str]:
    """Run ``scenarios``; return their results (baselines first) and where the processes ran."""
    results: list[Result] = []
    started = time.perf_counter()
    print("starting the fake server ...", file=sys.stderr, flush=True)
    with (
        FakeServer(environments=1, deployments=settings.deployments) as server,
        separate_cores(server.pid, enabled=pin) as placement,
    ):
        print(placement, file=sys.stderr, flush=True)
        info = server.info
        env_id = info.environment_ids[0]
        body = asyncio.run(_first_page(info, env_id))
        task_id = _task_id(body)
        if "get" in scenarios:
            _collect(
                results,
                f"GET one deployment x{settings.get_requests:,} @{settings.concurrency}",
                GET_VARIANTS, RAW_AIOHTTP, "req/s", True, settings.get_repeat,
                lambda v: get_sample(server, v, task_id, settings.get_requests, settings.concurrency),
            )  # fmt: skip
        if "page" in scenarios:
            _collect(
                results,
                f"page {settings.deployments:,} deployments by {PAGE_LIMIT}",
                PAGE_VARIANTS, RAW_AIOHTTP, "items/s", True, settings.page_repeat,
                lambda v: page_sample(server, v, env_id, PAGE_LIMIT, settings.deployments),
            )  # fmt: skip
    if "structure" in scenarios:
        _collect(
            results, "one page of 100 deployments", STRUCTURE_VARIANTS, JSON_LOADS, "µs", False,
            settings.structure_repeat,
            lambda v: structure_sample(body, v, settings.structure_calls),
        )  # fmt: skip
    if "import" in scenarios:
        prime_imports()
        imports = {
            v: Result("cold import", v, "ms", False, baseline=v == IMPORT_VARIANTS[0])
            for v in IMPORT_VARIANTS
        }
        results.extend(imports.values())
        for repetition in range(settings.import_repeat):
            for variant, sample in import_samples().items():
                imports[variant].samples.append(sample)
                _progress("cold import", variant, repetition, settings.import_repeat, sample, "ms")
    print(f"done in {time.perf_counter() - started:.0f}s", file=sys.stderr, flush=True)
    return results, placement


def _task_id(body: bytes) -> str:
    task_id: str = json.loads(body)["data"][0]["id"]
    return task_id


def targets(settings: Settings) -> list[Target]:
    """The limits of issue 12, for this run's scenario names."""
    return [
        Target(
            f"GET one deployment x{settings.get_requests:,} @{settings.concurrency}", SDK, 0.85,
            "GET throughput: SDK >= 0.85x raw aiohttp",
        ),
        Target(
            f"page {settings.deployments:,} deployments by {PAGE_LIMIT}", SDK, 0.95,
            "pagination items/s: SDK >= 0.95x raw aiohttp",
        ),
        Target("cold import", "import oec_async", 1.30, "import oec_async <= 1.30x import aiohttp"),
    ]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.repeat is not None:
        settings = Settings(**{
            **settings.__dict__,
            **{k: args.repeat for k in settings.__dict__ if k.endswith("_repeat")},
        })  # fmt: skip
    scenarios = args.only or SCENARIOS
    results, placement = run(settings, scenarios, pin=not args.no_pin)
    goals = [t for t in targets(settings) if any(r.scenario == t.scenario for r in results)]
    print_table(results, goals)
    print(f"cores: {placement}")
    path = args.json or RESULTS_DIR / time.strftime("bench-%Y%m%d-%H%M%S.json")
    meta = {"quick": args.quick, "scenarios": list(scenarios), "cores": placement}
    write_json(path, results, goals, {**meta, **settings.__dict__})
    print(f"results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
