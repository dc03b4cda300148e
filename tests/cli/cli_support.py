"""Helpers of the CLI tests: a FakeOEC served from a thread, and ``oec`` run in process."""

from __future__ import annotations

import asyncio
import io
import re
import threading
from typing import Any
from uuid import UUID

from click.testing import CliRunner, Result

from oec_async.cli import cli
from oec_async.testing import FakeOEC

CONTROL_SEQUENCE = re.compile(r"\x1b|\r|\x07")
"""ANSI escapes, carriage returns (in-place redraws) and bells: none may reach a non-TTY."""
TIMESTAMP = re.compile(r"^\d\d:\d\d:\d\d ")
"""How every plain progress line starts."""
ENVS = [UUID(int=i + 1) for i in range(3)]
"""Environment ids of the views' tests."""
TASKS = [UUID(int=100 + i) for i in range(3)]
"""Task ids of the views' tests (TASKS[i] runs on ENVS[i])."""


class Terminal(io.StringIO):
    """A stream that says it is a terminal (the live view draws in place on it)."""

    def isatty(self) -> bool:
        return True


class ThreadedFake:
    """A FakeOEC running on its own event loop in a daemon thread."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.fake: FakeOEC | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # pragma: no cover - reported by start()
            self._error = error
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with FakeOEC(**self._options) as fake:
            self.fake = fake
            self._ready.set()
            await self._stop.wait()

    def start(self) -> FakeOEC:
        self._thread.start()
        self._ready.wait(timeout=10)
        if self._error is not None or self.fake is None:
            raise RuntimeError("the fake server did not start") from self._error
        return self.fake

    def call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a plain function on the fake's loop thread (for fake controls)."""
        assert self._loop is not None
        done = threading.Event()
        box: list[Any] = []

        def invoke() -> None:
            box.append(function(*args, **kwargs))
            done.set()

        self._loop.call_soon_threadsafe(invoke)
        done.wait(timeout=10)
        return box[0] if box else None

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)


class Oec:
    """Runs ``oec`` commands in process (CliRunner) against the fake, with its URL and key."""

    def __init__(self, fake: FakeOEC) -> None:
        self.fake = fake
        self.env = {"OEC_BASE_URL": fake.url, "OEC_API_KEY": fake.full_access_key}

    def __call__(self, *args: str, key: str | None = None, **env: str) -> Result:
        environ = {**self.env, **env}
        if key is not None:
            environ["OEC_API_KEY"] = key
        return CliRunner().invoke(cli, list(args), env=environ, catch_exceptions=False)
