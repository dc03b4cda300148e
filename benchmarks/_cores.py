"""Give the fake server and the benchmark a CPU core each (Linux), as the scenarios assume.

On a 2-core machine the scheduler otherwise lets the client and the server take turns on the
same core, and every microsecond the client spends is then taken from the server: the ratio
would measure their contention rather than how well each client keeps the server fed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

__all__ = ["separate_cores"]


def _threads(pid: int) -> list[int]:
    """Every thread of ``pid`` (affinity is per thread on Linux; new threads inherit it)."""
    try:
        return [int(tid) for tid in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return [pid]


def _pin(pid: int, cores: set[int]) -> None:
    for tid in _threads(pid):
        with contextlib.suppress(ProcessLookupError):  # a thread that just ended
            os.sched_setaffinity(tid, cores)


@contextlib.contextmanager
def separate_cores(server_pid: int, *, enabled: bool = True) -> Iterator[str]:
    """Pin the server to one core and this process to the others for the block.

    Yields a description for the report; does nothing (and says why) where it cannot.
    """
    if not enabled:
        yield "not pinned (--no-pin)"
        return
    if not hasattr(os, "sched_setaffinity"):
        yield "not pinned (no sched_setaffinity on this platform)"
        return
    ours = os.sched_getaffinity(0)
    cores = sorted(ours)
    if len(cores) < 2:
        yield "not pinned (one core available)"
        return
    server_core, client_cores = cores[-1], set(cores[:-1])
    _pin(server_pid, {server_core})
    _pin(os.getpid(), client_cores)
    try:
        yield f"server pinned to core {server_core}, benchmark to {sorted(client_cores)}"
    finally:
        _pin(os.getpid(), ours)
