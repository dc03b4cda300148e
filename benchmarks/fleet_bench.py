"""The fleet benchmark of issue 4: wall time against the rate-budget floor, 429s, reads.

    python -m benchmarks.fleet_bench            # N=200 budget run, N=1000 unlimited, 10,000 waits
    python -m benchmarks.fleet_bench --quick    # smaller, well under a minute
    python -m benchmarks.fleet_bench --only budget --json out.json

The fake server runs in its own process. Scenarios:

budget     rate limits on with a compressed window (20 writes + 120 reads per 1 s window, the
           documented per-minute budget sixty times faster), tasks of ~2 windows. The SDK's fleet
           (``max_parallel=N``, the client's default budget, corrected from headers; the default
           poll policy compressed the same way) against the naive pattern (a semaphore and a poll
           loop every 5 "seconds" per environment, sleeping Retry-After on a 429), in the same
           run. Floor: ``ceil(N / 20)`` windows + the task duration. Targets: ratio <= 1.15, no
           429, <= 3 reads per environment.
unlimited  no rate limits, N=1000, ``max_parallel=1000``: wall <= 1.2 x (task duration + one
           poll step), the step being the interval of the poller's project sweeps.
memory     RSS of the client process while 10,000 environments wait on their tasks, per wait.
rollout    issue 14, same budget and tasks as ``budget``: the plain fleet (wall / floor <= 1.05,
           0 x 429, <= 1.3 reads/env); a rollout ``waves=[1, "10%", "100%"]``, bake 2 s,
           health "status" (wall / (floor + bakes) <= 1.10, 0 x 429, <= 2.3 reads/env, where
           the floor is the write budget's plus one task duration per wave); a canary that
           fails (exactly 1 write); a release that fails 30% of environments (halted in wave 2,
           no write to wave 3).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks._server import FakeServer, ServerInfo
from benchmarks.fleet_support import RequestCounter, counting_session, naive_fleet, rss_kib
from oec_async import FleetActionStarted, OutcomeKind, PollPolicy, RateLimits, Rollout
from oec_async.fleet._schedule import sweep_interval

RESULTS_DIR = Path(__file__).parent / "results"
SCENARIOS = ("budget", "unlimited", "memory", "rollout")
COMPRESSION = 60.0  # a 1 s window stands for the API's 60 s one
WINDOW = 1.0
WRITES, READS = 20, 120


@dataclass
class Row:
    """One line of the table."""

    scenario: str
    variant: str
    environments: int
    wall_s: float | None = None
    floor_s: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    rate_limited: int | None = None
    reads_per_env: float | None = None
    writes: int | None = None
    succeeded: int | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    budget_n: int
    task_windows: float
    unlimited_n: int
    unlimited_duration: float
    waits: int
    naive_timeout: float


FULL = Settings(
    budget_n=200,
    task_windows=2.0,
    unlimited_n=1000,
    unlimited_duration=20.0,
    waits=10_000,
    naive_timeout=180.0,
)
QUICK = Settings(
    budget_n=60,
    task_windows=2.0,
    unlimited_n=300,
    unlimited_duration=5.0,
    waits=2_000,
    naive_timeout=60.0,
)


def compressed(policy: PollPolicy) -> PollPolicy:
    """The client's default poll policy, sixty times faster like the window."""
    return PollPolicy(
        initial_interval=policy.initial_interval / COMPRESSION,
        multiplier=policy.multiplier,
        max_interval=policy.max_interval / COMPRESSION,
        jitter=policy.jitter,
    )


# -- budget -------------------------------------------------------------------------------------
def budget_server(n: int, duration: float, *extra: str) -> FakeServer:
    return FakeServer(
        environments=n,
        deployments=0,
        rate_limits=True,
        extra_args=[
            "--task-duration", str(duration), "--stopped-fraction", "0",
            "--window", str(WINDOW), "--write-limit", str(WRITES), "--read-limit", str(READS),
            *extra,
        ],
    )  # fmt: skip


async def sdk_budget_run(info: ServerInfo, n: int, floor: float) -> Row:
    counter = RequestCounter()
    session = counting_session(counter)
    try:
        async with info.client(session=session, poll=compressed(PollPolicy())) as client:
            started = time.perf_counter()
            report = await client.fleet.deploy(list(info.environment_ids), max_parallel=n)
            wall = time.perf_counter() - started
            learned = (
                client.governor.bucket_limit("write"),
                client.governor.bucket_window("write"),
            )
    finally:
        await session.close()
    ratio = wall / floor
    return Row(
        scenario="budget",
        variant=f"oec-async fleet (max_parallel={n})",
        environments=n,
        wall_s=wall,
        floor_s=floor,
        ratio=ratio,
        target="ratio <= 1.15, 0 x 429, <= 3 reads/env",
        met=ratio <= 1.15 and counter.rate_limited == 0 and counter.reads / n <= 3,
        rate_limited=counter.rate_limited,
        reads_per_env=counter.reads / n,
        writes=counter.writes,
        succeeded=report.counts[OutcomeKind.SUCCEEDED],
        extra={
            "learned_write_budget": learned,
            "summary": report.summary(),
            "requests_by_route": dict(counter.by_route),
        },
    )


async def naive_budget_run(
    info: ServerInfo, n: int, floor: float, max_parallel: int, timeout: float
) -> Row:
    counter = RequestCounter()
    session = counting_session(counter)
    poll_every = 5.0 / COMPRESSION
    row = Row(
        scenario="budget",
        variant=f"naive: semaphore({max_parallel}) + GET every 5 s",
        environments=n,
        floor_s=floor,
    )
    try:
        result = await asyncio.wait_for(
            naive_fleet(
                info,
                list(info.environment_ids),
                max_parallel=max_parallel,
                poll_interval=poll_every,
                session=session,
            ),
            timeout,
        )
        row.wall_s, row.succeeded = result.wall, result.succeeded
        row.ratio = result.wall / floor
    except TimeoutError:
        row.note = f"gave up after {timeout:.0f}s"
    finally:
        await session.close()
    row.rate_limited = counter.rate_limited
    row.reads_per_env = counter.reads / n
    row.writes = counter.writes
    return row


def run_budget(settings: Settings) -> list[Row]:
    n = settings.budget_n
    duration = settings.task_windows * WINDOW
    floor = math.ceil(n / WRITES) * WINDOW + duration
    rows = []
    with budget_server(n, duration) as server:
        rows.append(asyncio.run(sdk_budget_run(server.info, n, floor)))
    for parallel in (n, 20):
        with budget_server(n, duration) as server:
            rows.append(
                asyncio.run(
                    naive_budget_run(server.info, n, floor, parallel, settings.naive_timeout)
                )
            )
    return rows


# -- unlimited ----------------------------------------------------------------------------------
async def sdk_unlimited_run(info: ServerInfo, n: int, duration: float) -> Row:
    counter = RequestCounter()
    session = counting_session(counter)
    policy = PollPolicy()
    step = sweep_interval(duration, policy, read_limit=None, read_window=None)
    limit = 1.2 * (duration + step)
    try:
        async with info.client(session=session, poll=policy) as client:
            started = time.perf_counter()
            report = await client.fleet.deploy(list(info.environment_ids), max_parallel=n)
            wall = time.perf_counter() - started
    finally:
        await session.close()
    return Row(
        scenario="unlimited",
        variant=f"oec-async fleet (max_parallel={n})",
        environments=n,
        wall_s=wall,
        floor_s=duration + step,
        ratio=wall / (duration + step),
        target=f"wall <= {limit:.2f}s (1.2 x (task {duration:g}s + poll step {step:g}s))",
        met=wall <= limit,
        rate_limited=counter.rate_limited,
        reads_per_env=counter.reads / n,
        writes=counter.writes,
        succeeded=report.counts[OutcomeKind.SUCCEEDED],
        extra={"poll_step_s": step, "summary": report.summary()},
    )


def run_unlimited(settings: Settings) -> list[Row]:
    n, duration = settings.unlimited_n, settings.unlimited_duration
    server = FakeServer(
        environments=n,
        deployments=0,
        extra_args=["--task-duration", str(duration), "--stopped-fraction", "0"],
    )
    with server:
        return [asyncio.run(sdk_unlimited_run(server.info, n, duration))]


# -- memory -------------------------------------------------------------------------------------
async def memory_run(info: ServerInfo, waits: int) -> Row:
    async with info.client(rate_limits=RateLimits.disabled(), connection_limit=100) as client:
        await client.environments.get(info.environment_ids[0])  # warm the session and imports
        before = rss_kib()
        run = client.fleet.deploy(list(info.environment_ids), max_parallel=waits)
        started = time.perf_counter()
        accepted = 0
        async with run.events() as events:
            async for event in events:
                if isinstance(event, FleetActionStarted):
                    accepted += 1
                    if accepted == waits:
                        break
        ramp = time.perf_counter() - started
        await asyncio.sleep(2.0)  # let the poller's first sweeps land
        during = rss_kib()
        run.cancel()
        report = await run
    per_wait = (during - before) / waits
    return Row(
        scenario="memory",
        variant=f"{waits:,} environments waiting at once",
        environments=waits,
        wall_s=ramp,
        note=f"{per_wait:.1f} KiB RSS per wait ({before:,} -> {during:,} KiB)",
        extra={
            "rss_before_kib": before,
            "rss_during_kib": during,
            "kib_per_wait": per_wait,
            "summary": report.summary(),
        },
    )


def run_memory(settings: Settings) -> list[Row]:
    server = FakeServer(
        environments=settings.waits,
        projects=max(1, settings.waits // 100),
        deployments=0,
        extra_args=["--task-duration", "3600", "--stopped-fraction", "0"],
        startup_timeout=300.0,
    )
    with server:
        return [asyncio.run(memory_run(server.info, settings.waits))]


# -- rollout ------------------------------------------------------------------------------------
ROLLOUT_WAVES: tuple[int | str, ...] = (1, "10%", "100%")
BAKE = 2.0


async def plain_run(info: ServerInfo, n: int, floor: float) -> Row:
    row = await sdk_budget_run(info, n, floor)
    row.scenario = "rollout"
    row.variant = "plain fleet (no rollout)"
    row.target = "ratio <= 1.05, 0 x 429, <= 1.3 reads/env"
    row.met = (row.ratio or 9) <= 1.05 and row.rate_limited == 0 and (row.reads_per_env or 9) <= 1.3
    return row


async def rollout_run(info: ServerInfo, n: int, floor: float, variant: str) -> Row:
    counter = RequestCounter()
    session = counting_session(counter)
    rollout = Rollout(waves=list(ROLLOUT_WAVES), bake=BAKE, health="status")
    ids = list(info.environment_ids)
    try:
        async with info.client(session=session, poll=compressed(PollPolicy())) as client:
            started = time.perf_counter()
            report = await client.fleet.deploy(ids, max_parallel=n, rollout=rollout)
            wall = time.perf_counter() - started
    finally:
        await session.close()
    row = Row(
        scenario="rollout",
        variant=variant,
        environments=n,
        wall_s=wall,
        rate_limited=counter.rate_limited,
        reads_per_env=counter.reads / n,
        writes=counter.writes,
        succeeded=report.counts[OutcomeKind.SUCCEEDED],
        extra={
            "summary": report.summary(),
            "requests_by_route": dict(counter.by_route),
            "halted": str(report.halted) if report.halted else None,
            "waves": [
                {"name": w.name, "size": len(w.environment_ids), "failures": w.failures}
                for w in report.waves
            ],
        },
    )
    last_wave = set(report.waves[-1].environment_ids)
    wave3_writes = sum(1 for o in report if o.environment_id in last_wave and o.started)
    if variant.startswith("healthy"):
        row.floor_s = floor
        row.ratio = wall / floor
        row.target = "ratio <= 1.10, 0 x 429, <= 2.3 reads/env"
        row.met = row.ratio <= 1.10 and counter.rate_limited == 0 and counter.reads / n <= 2.3
    elif variant.startswith("canary"):
        row.target = "exactly 1 environment gets a write"
        row.met = counter.writes == 1
    else:
        row.target = "halted in wave 2, no write to wave 3"
        halted = report.halted
        row.met = halted is not None and halted.wave == 1 and wave3_writes == 0
    row.note = f"{report.halted}" if report.halted else ""
    return row


def run_rollout(settings: Settings) -> list[Row]:
    n = settings.budget_n
    duration = settings.task_windows * WINDOW
    floor = math.ceil(n / WRITES) * WINDOW + duration
    waves = 3
    rollout_floor = math.ceil(n / WRITES) * WINDOW + waves * (duration + BAKE)
    rows = []
    with budget_server(n, duration) as server:
        rows.append(asyncio.run(plain_run(server.info, n, floor)))
    with budget_server(n, duration) as server:
        rows.append(asyncio.run(rollout_run(server.info, n, rollout_floor, "healthy release")))
    with budget_server(n, duration, "--script", "0=failed") as server:
        rows.append(asyncio.run(rollout_run(server.info, n, rollout_floor, "canary fails")))
    with budget_server(n, duration, "--fail-rate", "0.3", "--script", "0=succeeded") as server:
        rows.append(asyncio.run(rollout_run(server.info, n, rollout_floor, "30% fail")))
    return rows


# -- output -------------------------------------------------------------------------------------
def _fmt(value: float | int | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def print_table(rows: list[Row]) -> None:
    header = ("scenario", "variant", "N", "wall s", "floor s", "ratio", "429s", "reads/env",
              "writes", "ok", "target / note")  # fmt: skip
    lines = [header]
    for row in rows:
        verdict = "" if row.met is None else (" MET" if row.met else " MISSED")
        lines.append((
            row.scenario, row.variant, str(row.environments), _fmt(row.wall_s, ".2f"),
            _fmt(row.floor_s, ".2f"), _fmt(row.ratio, ".3f"), _fmt(row.rate_limited, "d"),
            _fmt(row.reads_per_env, ".2f"), _fmt(row.writes, "d"), _fmt(row.succeeded, "d"),
            (row.target + verdict + (" " if row.target and row.note else "") + row.note),
        ))  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rule = "  ".join("-" * w for w in widths)
    print(rule)
    for index, line in enumerate(lines):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
        if index == 0:
            print(rule)
    print(rule)


def write_json(rows: list[Row], settings: Settings, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "fleet",
        "settings": asdict(settings),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "rows": [asdict(row) for row in rows],
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fleet_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="smaller runs, under a minute")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--json", type=Path, help="where to write the results (default: results/)")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    runners = {
        "budget": run_budget,
        "unlimited": run_unlimited,
        "memory": run_memory,
        "rollout": run_rollout,
    }
    rows: list[Row] = []
    for scenario in SCENARIOS:
        if scenario in args.only:
            print(f"running {scenario}...", file=sys.stderr, flush=True)
            rows.extend(runners[scenario](settings))
    print_table(rows)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = args.json or RESULTS_DIR / f"fleet-{'quick-' if args.quick else ''}{stamp}.json"
    write_json(rows, settings, path)
    print(f"results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
