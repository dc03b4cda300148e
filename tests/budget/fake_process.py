"""The fake OEC server in its own process, reporting what it counted on request.

    python fake_process.py ENVIRONMENTS WRITES READS WINDOW TASK_SECONDS

Prints one JSON line (``url``, ``key``, ``environment_ids``) once listening. Then, for each
``stats`` line on stdin, prints ``{"rate_limited": n, "requests": n, "arrivals": {...}}`` (arrival
times per bucket of the admitted requests since the last ``stats``) and starts counting afresh.
Ends at the end of stdin.
"""

from __future__ import annotations

import asyncio
import json
import sys

from oec_async.testing import FakeOEC, RateLimitConfig


def _report(fake: FakeOEC) -> str:
    arrivals: dict[str, list[float]] = {"read": [], "write": []}
    for record in fake.requests:
        if record.status is not None and record.status != 429:
            arrivals["read" if record.method == "GET" else "write"].append(record.time)
    line = json.dumps(
        {
            "rate_limited": fake.stats.rate_limited,
            "requests": fake.stats.requests,
            "arrivals": arrivals,
        }
    )
    fake.reset_stats()
    return line


async def main(environments: int, writes: int, reads: int, window: float, task: float) -> None:
    limits = RateLimitConfig(reads_per_window=reads, writes_per_window=writes, window=window)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with FakeOEC(
        environments=environments,
        stopped_fraction=0.0,
        deployments_per_environment=0,
        task_duration=task,
        rate_limits=limits,
    ) as fake:
        info = {
            "url": fake.url,
            "key": fake.full_access_key,
            "environment_ids": fake.environment_ids,
        }
        sys.stdout.write(json.dumps(info) + "\n")
        sys.stdout.flush()
        while line := await reader.readline():
            if line.strip() == b"stats":
                sys.stdout.write(_report(fake) + "\n")
                sys.stdout.flush()


if __name__ == "__main__":
    n, w, r, win, t = sys.argv[1:6]
    asyncio.run(main(int(n), int(w), int(r), float(win), float(t)))
