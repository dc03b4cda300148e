"""One OS process reserving slots in the shared budget as fast as it can.

    python reserve_process.py REDIS_URL API_KEY COUNT LIMIT WINDOW MARGIN

Waits for a line on stdin (so that every process starts together), reserves COUNT write slots
without sleeping (each answer names its wait), and prints their ids as one JSON list.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys

from oec_async._sharing import Rules
from oec_async.budget import RedisBudget


async def main(url: str, key: str, count: int, limit: int, window: float, margin: float) -> None:
    shared = RedisBudget(url, timeout=5.0).for_key(key)
    rules = Rules(
        read_limit=limit, write_limit=limit, window=window, margin=margin, pacing=True, max_pause=60
    )
    sys.stdin.readline()
    ids = []
    for _ in range(count):
        answer = await shared.reserve("write", rules, math.inf)
        assert answer is not None
        assert answer.slot_id is not None
        ids.append(answer.slot_id)
    await shared.aclose()
    sys.stdout.write(json.dumps(ids) + "\n")


if __name__ == "__main__":
    url, key, count, limit, window, margin = sys.argv[1:7]
    asyncio.run(main(url, key, int(count), int(limit), float(window), float(margin)))
