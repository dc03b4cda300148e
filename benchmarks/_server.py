"""Run the fake OEC server in its own process, for benchmarks.

The server and the code under measurement must not share an interpreter (or a GIL): the fake
runs as ``python -m oec_async.testing`` on 127.0.0.1 and we talk to it over TCP.

Example::

    from benchmarks._server import FakeServer

    with FakeServer(environments=500) as server:
        info = server.info
        async with info.client() as client:   # inside your event loop
            ...

``start()``/``stop()`` do the same without ``with``. Starting blocks for the second or two the
fake needs to seed its data, so call it before ``asyncio.run``, not inside a running loop.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from oec_async import Client

__all__ = ["FakeServer", "ServerInfo"]


@dataclass(frozen=True)
class ServerInfo:
    """What the fake printed once it was listening (the keys are kept out of ``repr``).

    Attributes:
        url: Base URL, ``http://127.0.0.1:{port}/api/public/v1``.
        port: The bound port.
        full_access_key: The seeded full-access key.
        read_only_key: The seeded read-only key.
        project_ids: Seeded project ids.
        environment_ids: Seeded environment ids, in creation order.
        rate_limits: Whether the server enforces rate limits.
    """

    url: str
    port: int
    full_access_key: str = field(repr=False)
    read_only_key: str = field(repr=False)
    project_ids: tuple[str, ...]
    environment_ids: tuple[str, ...]
    rate_limits: bool

    def client(self, **options: Any) -> Client:
        """An unopened ``oec_async.Client`` on this server with the full-access key.

        Client-side pacing is switched off when the server enforces no limits, unless
        ``rate_limits=`` is given.
        """
        from oec_async import Client, RateLimits

        if not self.rate_limits:
            options.setdefault("rate_limits", RateLimits.disabled())
        return Client(api_key=self.full_access_key, base_url=self.url, **options)

    @property
    def auth_headers(self) -> dict[str, str]:
        """Headers for a raw HTTP client (what the SDK sends on every request)."""
        return {"Authorization": f"Bearer {self.full_access_key}", "Accept": "application/json"}


class FakeServer:
    """The fake OEC server as a child process on 127.0.0.1 (a free port).

    Args:
        environments: Seeded environments.
        deployments: Seeded task history per environment.
        projects: Seeded projects.
        rate_limits: Enforce the documented rate limits (off by default for benchmarks).
        seed: Seeds ids and keys: the same seed gives the same data.
        extra_args: More ``python -m oec_async.testing`` options (``--task-duration 2``...).
        startup_timeout: Seconds to wait for the server's JSON line.
    """

    def __init__(
        self,
        *,
        environments: int = 10,
        deployments: int = 3,
        projects: int = 1,
        rate_limits: bool = False,
        seed: int = 0,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 60.0,
    ) -> None:
        counts: tuple[tuple[str, object, int], ...] = (
            ("environments", environments, 0),
            ("deployments", deployments, 0),
            ("projects", projects, 1),
        )
        for name, value, low in counts:
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if isinstance(extra_args, str):
            raise TypeError("extra_args must be a sequence of arguments, not one string")
        self._command = [
            sys.executable, "-m", "oec_async.testing", "--port", "0",
            "--environments", str(environments), "--deployments", str(deployments),
            "--projects", str(projects), "--seed", str(seed),
            *(() if rate_limits else ("--no-rate-limits",)),
            *extra_args,
        ]  # fmt: skip
        self._rate_limits = rate_limits
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._info: ServerInfo | None = None

    @property
    def info(self) -> ServerInfo:
        """URL, keys and ids of the running server."""
        if self._info is None:
            raise RuntimeError("the fake server is not running; call start() first")
        return self._info

    @property
    def pid(self) -> int:
        """The server's process id."""
        if self._process is None:
            raise RuntimeError("the fake server is not running; call start() first")
        return self._process.pid

    def start(self) -> ServerInfo:
        """Start the process and wait until it listens.

        Raises:
            RuntimeError: it exited or printed nothing usable within ``startup_timeout``
                (the message carries the end of its stderr).
        """
        if self._process is not None:
            raise RuntimeError("the fake server is already running")
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(
            self._command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(
            target=_pump, args=(self._process.stdout, lines), name="fake-server-stdout", daemon=True
        ).start()
        try:
            line = lines.get(timeout=self._startup_timeout)
            data = json.loads(line)
            self._info = ServerInfo(
                url=data["url"],
                port=data["port"],
                full_access_key=data["full_access_key"],
                read_only_key=data["read_only_key"],
                project_ids=tuple(data["project_ids"]),
                environment_ids=tuple(data["environment_ids"]),
                rate_limits=self._rate_limits,
            )
        except (queue.Empty, ValueError, KeyError, TypeError) as error:
            detail = self._stderr_tail()
            self.stop()
            raise RuntimeError(
                f"the fake server did not start ({type(error).__name__}); its stderr ends with:\n"
                f"{detail}"
            ) from None
        return self._info

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the process (SIGTERM, then SIGKILL after ``timeout``). Idempotent."""
        process, self._process = self._process, None
        self._info = None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM if os.name == "posix" else signal.SIGINT)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def cpu_seconds(self) -> float | None:
        """CPU time the server has used so far (Linux only; ``None`` elsewhere)."""
        try:
            with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        ticks = int(fields[11]) + int(fields[12])  # utime + stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-2000:]

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _pump(stream: IO[str] | None, lines: queue.Queue[str]) -> None:
    """Hand the first line to ``lines``, then keep draining so the server never blocks."""
    if stream is None:
        return
    try:
        for line in stream:
            lines.put(line)
    except ValueError:  # the stream was closed by stop()
        return
