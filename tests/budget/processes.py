"""Starting the shared-budget tests' OS processes: the fake server and the fleet clients."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

__all__ = ["FakeProcess", "start_fleet_processes", "wait_for_fleet_processes"]

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


# The children are programs of their own: the test run's asyncio debug mode (which slows a
# loop down several times) and its budget are not theirs.
_NOT_INHERITED = frozenset({"OEC_BUDGET_URL", "PYTHONASYNCIODEBUG", "PYTHONPATH"})


def child_env() -> dict[str, str]:
    """The environment of a child: this checkout's ``oec_async`` first, nothing test-run-only."""
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _line(stream: IO[str] | None) -> dict[str, Any]:
    assert stream is not None
    line = stream.readline()
    if not line:
        raise RuntimeError("the child process ended without answering")
    data: dict[str, Any] = json.loads(line)
    return data


class FakeProcess:
    """``fake_process.py`` as a child: the fake OEC server counting 429s and arrivals."""

    def __init__(
        self, environments: int, writes: int, reads: int, window: float, task: float
    ) -> None:
        self._process = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "fake_process.py"),
                str(environments),
                str(writes),
                str(reads),
                str(window),
                str(task),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        info = _line(self._process.stdout)
        self.url: str = info["url"]
        self.key: str = info["key"]
        self.environment_ids: list[str] = info["environment_ids"]

    def stats(self) -> dict[str, Any]:
        """What the server counted since the last call (429s, requests, arrivals per bucket)."""
        assert self._process.stdin is not None
        self._process.stdin.write("stats\n")
        self._process.stdin.flush()
        return _line(self._process.stdout)

    def close(self) -> None:
        """End the server (closing its stdin) and wait for it."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def start_fleet_processes(
    fake: FakeProcess,
    *,
    processes: int,
    per_process: int,
    budget: str | None,
    writes: int,
    reads: int,
    window: float,
) -> list[subprocess.Popen[str]]:
    """Start ``processes`` fleet clients, each deploying its own ``per_process`` environments."""
    children = []
    for index in range(processes):
        job = {
            "url": fake.url,
            "key": fake.key,
            "environments": fake.environment_ids[index * per_process : (index + 1) * per_process],
            "budget": budget,
            "writes": writes,
            "reads": reads,
            "window": window,
        }
        children.append(
            subprocess.Popen(
                [sys.executable, str(HERE / "fleet_process.py"), json.dumps(job)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                text=True,
                env=child_env(),
            )
        )
    return children


def wait_for_fleet_processes(
    children: list[subprocess.Popen[str]], timeout: float = 120.0
) -> list[dict[str, Any]]:
    """Each child's JSON result; a child that fails or hangs fails the test with its status."""
    results = []
    for child in children:
        try:
            out, _ = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise AssertionError("a fleet process did not finish in time") from None
        assert child.returncode == 0, f"a fleet process exited with {child.returncode}"
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results
