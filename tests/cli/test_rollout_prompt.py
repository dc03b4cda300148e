"""`--pause-between-waves` on a terminal: the question, with the live display held."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oec_async.testing import FakeOEC

pty = pytest.importorskip("pty")

ROOT = Path(__file__).resolve().parents[2]


def _read_until(fd: int, wanted: bytes, seconds: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_the_question_between_waves_shows_on_a_terminal_and_yes_goes_on(fake: FakeOEC) -> None:
    main, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OEC_")}
    env.update(
        OEC_BASE_URL=fake.url,
        OEC_API_KEY=fake.full_access_key,
        TERM="xterm-256color",
        PYTHONPATH=str(ROOT),
    )
    command = [sys.executable, "-c", "from oec_async.cli import main; main()", "deploy"]
    process = subprocess.Popen(
        [*command, *fake.environment_ids, "--waves", "1,100%", "--pause-between-waves"],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        close_fds=True,
    )
    os.close(child)
    try:
        asked = _read_until(main, b"Continue? [y/N]", 20.0)
        assert b"wave 2 of 2: 4 environments. Continue? [y/N]" in asked
        assert sum(1 for r in fake.requests if r.method == "POST") == 1
        os.write(main, b"y\n")
        rest = _read_until(main, b"5 succeeded", 20.0)
        assert b"wave 2 (2 of 2): 4 environment(s)" in rest
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
