"""The shared log's invariant, across OS processes: no window ever holds more than the limit.

The processes reserve without sleeping, so each reservation lies in the future and stays in the
log; the log's scores (Redis's clock) are then the planned send times of all of them.
"""

from __future__ import annotations

import json
import subprocess
import sys

from processes import HERE, child_env

from oec_async.budget import RedisBudget

PROCESSES, PER_PROCESS = 4, 15
LIMIT, WINDOW, MARGIN = 5, 30.0, 0.05  # long: nothing leaves the log during the test


def most_in_any_window(times: list[float], width: float) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + width) for start in times)


def test_no_window_of_reservations_across_processes_holds_more_than_the_limit(
    redis_url: str,
) -> None:
    args = [
        redis_url,
        "key-for-the-invariant",
        str(PER_PROCESS),
        str(LIMIT),
        str(WINDOW),
        str(MARGIN),
    ]
    children = [
        subprocess.Popen(
            [sys.executable, str(HERE / "reserve_process.py"), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        for _ in range(PROCESSES)
    ]
    outputs = [child.communicate("go\n", timeout=60)[0] for child in children]
    ids = [slot for out in outputs for slot in json.loads(out)]
    import redis

    log = RedisBudget(redis_url).for_key("key-for-the-invariant").keys[2]  # the write log
    with redis.Redis.from_url(redis_url) as client:
        scores = {
            member.decode(): score for member, score in client.zrange(log, 0, -1, withscores=True)
        }
    assert sorted(scores) == sorted(ids)  # every reservation, each once
    assert most_in_any_window(list(scores.values()), WINDOW + MARGIN) == LIMIT
