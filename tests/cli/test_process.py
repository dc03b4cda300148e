"""`oec` as a real process: the installed entry point, a piped (non-TTY) stdout, and Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from cli_support import CONTROL_SEQUENCE, TIMESTAMP, ThreadedFake

from oec_async.testing import FakeOEC

OEC = Path(sys.executable).with_name("oec")

pytestmark = pytest.mark.skipif(not OEC.exists(), reason="the oec entry point is not installed")


@pytest.fixture
def fake_options() -> dict[str, object]:
    return {"environments": 6, "task_duration": 0.3, "rate_limits": False, "stopped_fraction": 0.0}


def oec_env(fake: FakeOEC) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OEC_", "FORCE_COLOR"))}
    env.update(OEC_BASE_URL=fake.url, OEC_API_KEY=fake.full_access_key, TERM="xterm-256color")
    return env


def test_entry_point_runs_and_a_piped_fleet_deploy_prints_plain_lines(fake: FakeOEC) -> None:
    targets = fake.environment_ids[:3]

    done = subprocess.run(
        [str(OEC), "deploy", *targets],
        env=oec_env(fake),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert not CONTROL_SEQUENCE.search(done.stdout + done.stderr)
    finished = [line for line in done.stdout.splitlines() if "succeeded" in line]
    assert len(finished) >= 3
    assert all(TIMESTAMP.match(line) for line in finished[:3])
    assert "deploy: 3 succeeded" in done.stdout


@pytest.fixture
def slow_fake(served: ThreadedFake, fake: FakeOEC) -> FakeOEC:
    for env_id in fake.environment_ids:
        served.call(fake.set_environment_behaviour, env_id, duration=60.0)
    return fake


@pytest.fixture
def sigint_reaches_the_child() -> Iterator[None]:
    """Let a child see Ctrl-C even when this run ignores SIGINT (a job started with ``&`` does).

    An ignored signal stays ignored across exec, so the child would never be interrupted; a
    handled one is reset to the default, and the child's Python installs its own handler.
    """
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def read_until(stream: IO[str], marker: str, count: int) -> list[str]:
    """Read lines until ``count`` of them contain ``marker`` (or the stream ends)."""
    lines: list[str] = []
    while sum(marker in line for line in lines) < count:
        line = stream.readline()
        if not line:
            raise AssertionError(f"the output ended early: {lines!r}")
        lines.append(line)
    return lines


def start_oec(fake: FakeOEC, *args: str) -> tuple[subprocess.Popen[str], IO[str]]:
    """``oec *args`` against ``fake`` in a child process, and its standard output (text)."""
    process = subprocess.Popen(
        [str(OEC), *args],
        env=oec_env(fake),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout


def interrupt(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:  # pragma: no cover - only when the test fails
            process.kill()
            process.communicate()
    return out, err


@pytest.mark.usefixtures("sigint_reaches_the_child")
def test_ctrl_c_exits_130_and_lists_the_started_environments(slow_fake: FakeOEC) -> None:
    targets = slow_fake.environment_ids
    process, stdout = start_oec(slow_fake, "--json", "deploy", *targets, "--max-parallel", "2")
    seen = read_until(stdout, '"event":"started"', 1)

    out, err = interrupt(process)

    assert process.returncode == 130
    assert "Traceback" not in err
    lines = [json.loads(line) for line in [*seen, *out.splitlines()] if line.strip()]
    [report] = [line for line in lines if line["event"] == "interrupted"]
    started = {entry["environment_id"] for entry in report["started"]}
    assert started <= set(targets[:2])  # --max-parallel 2: nothing else was sent
    assert started >= {e for e, tasks in slow_fake.tasks.items() if tasks}  # none left out
    assert json.loads(seen[-1])["environment_id"] in started


@pytest.mark.usefixtures("sigint_reaches_the_child")
def test_ctrl_c_in_human_mode_names_the_tasks_on_stderr(slow_fake: FakeOEC) -> None:
    targets = slow_fake.environment_ids[:3]
    process, stdout = start_oec(slow_fake, "deploy", *targets)
    seen = read_until(stdout, "started task", 3)

    out, err = interrupt(process)
    out = "".join(seen) + out

    assert process.returncode == 130
    assert "Traceback" not in err
    assert "interrupted: a deploy had been sent to 3 environment(s)" in err
    for index, env_id in enumerate(targets, start=1):
        [task] = slow_fake.tasks[env_id]
        assert f"env-{index:03d}  task {task.id}  still running" in err
    assert not CONTROL_SEQUENCE.search(out + err)


@pytest.mark.usefixtures("sigint_reaches_the_child")
def test_ctrl_c_in_plain_mode_prints_the_summary_and_how_to_resume(slow_fake: FakeOEC) -> None:
    targets = slow_fake.environment_ids[:3]
    process, stdout = start_oec(slow_fake, "deploy", *targets, "--batch-id", "rel-42")
    seen = read_until(stdout, "started task", 3)

    out, err = interrupt(process)

    assert process.returncode == 130
    assert "deploy: 3 interrupted in " in out
    assert out.rstrip().endswith("· stopped by Ctrl-C")
    assert err.rstrip().endswith("re-run with --batch-id rel-42 to resume")
    assert len(seen) == 3
