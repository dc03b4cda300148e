"""One OS process of the shared-budget runs: its own Client, a fleet deploy of its environments.

    python fleet_process.py '<json job>'

The job: ``url``, ``key``, ``environments`` (ids), ``window``, ``writes``, ``reads``, ``budget``
(a Redis URL or null). Prints one JSON line when the run has ended: outcome counts by kind, the
429 answers it got, the shared budget's events and counters, and the wall time of the run.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import anyio

from oec_async import Client, FleetEvent, FleetRetry, PollPolicy, RateLimits
from oec_async.budget import RedisBuckets, RedisBudget


async def run(job: dict[str, Any]) -> dict[str, Any]:
    rate_limited = 0
    reserved_at_restore: int | None = None
    # A generous timeout: a loaded CI machine must not look like Redis going down.
    budget = RedisBudget(job["budget"], timeout=1.0, retry_interval=0.5) if job["budget"] else None
    limits = RateLimits(
        reads_per_window=job["reads"], writes_per_window=job["writes"], window=job["window"]
    )
    client = Client(
        api_key=job["key"],
        base_url=job["url"],
        rate_limits=limits,
        retry=8,
        poll=PollPolicy(initial_interval=0.3, max_interval=0.6, jitter=0.1),
        budget=budget,
    )
    shared = client.governor.shared
    assert shared is None or isinstance(shared, RedisBuckets)

    def on_event(event: FleetEvent) -> None:
        nonlocal rate_limited
        if isinstance(event, FleetRetry) and event.reason.startswith("429"):
            rate_limited += 1

    async def watch_restore(stats: Any) -> None:
        nonlocal reserved_at_restore
        while not stats.restores:  # noqa: ASYNC110 - a counter, not an event, in this harness
            await anyio.sleep(0.02)
        reserved_at_restore = stats.reserved

    started = time.monotonic()
    async with client, anyio.create_task_group() as tg:
        if shared is not None:
            tg.start_soon(watch_restore, shared.stats)
        report = await client.fleet.deploy(job["environments"], max_parallel=50, on_event=on_event)
        tg.cancel_scope.cancel()
    kinds: dict[str, int] = {}
    for outcome in report.outcomes:
        kinds[outcome.kind.value] = kinds.get(outcome.kind.value, 0) + 1
    stats = shared.stats if shared is not None else None
    return {
        "outcomes": len(report.outcomes),
        "environments": sorted({str(o.environment_id) for o in report.outcomes}),
        "kinds": kinds,
        "rate_limited": rate_limited,
        "reserved_at_restore": reserved_at_restore,
        "stats": None
        if stats is None
        else {
            "round_trips": stats.round_trips,
            "reserved": stats.reserved,
            "local": stats.local,
            "notes_sent": stats.notes_sent,
            "outages": stats.outages,
            "restores": stats.restores,
        },
        "wall": time.monotonic() - started,
    }


if __name__ == "__main__":
    result = asyncio.run(run(json.loads(sys.argv[1])))
    sys.stdout.write(json.dumps(result) + "\n")
