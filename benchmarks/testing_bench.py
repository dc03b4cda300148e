"""How long a user's tests take on the bundled fake: fixtures, and virtual time.

    python -m benchmarks.testing_bench            # both scenarios
    python -m benchmarks.testing_bench --only fixtures

fixtures  A user's test module (deploy and wait, a failed deploy, a list and a get, a restart
          and wait, a backup and wait) run by a child pytest twice in the same run: on the
          fixtures as they are (the client scaled to the fake's 0.05 s tasks), and with the
          client's defaults put back through the ``oec_client`` marker (first poll after 1 s),
          which is what the fixtures gave before. Each test's call time comes from
          ``--durations``. Target: a deploy-and-wait test under 0.2 s.
virtual   A fleet deploy of 500 environments whose tasks take 10 minutes, under the documented
          budget (20 writes and 120 reads a minute), on a ``VirtualTimeLoop`` with the fake on a
          ``LoopClock``: wall time against the virtual time it covered, and the 429s (none).
          Target: under 2 s of wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from oec_async import OutcomeKind
from oec_async.testing import FakeOEC, LoopClock, run_in_virtual_time

USER_TESTS = """
import pytest

from oec_async import PollPolicy, RetryPolicy

pytestmark = [pytest.mark.asyncio{marker}]


async def test_deploy_and_wait(oec_fake, oec_client):
    action = await oec_client.environments.deploy(oec_fake.environment_ids[0])
    assert (await oec_client.deployments.wait(action)).status == "completed"


@pytest.mark.oec_fake(failure_rate=1.0)
async def test_failed_deploy(oec_fake, oec_client):
    action = await oec_client.environments.deploy(oec_fake.environment_ids[0])
    assert (await oec_client.deployments.wait(action)).status == "failed"


async def test_list_and_get(oec_fake, oec_client):
    envs = await oec_client.environments.list(oec_fake.project_id).collect()
    assert (await oec_client.environments.get(envs[0].id)).id == envs[0].id


async def test_restart_and_wait(oec_fake, oec_client):
    env_id = next(e for e in oec_fake.environment_ids if oec_fake.environment_status(e) == "running")
    action = await oec_client.environments.restart(env_id)
    assert (await oec_client.deployments.wait(action)).status == "completed"


async def test_backup_and_wait(oec_fake, oec_client):
    env_id = next(e for e in oec_fake.environment_ids if oec_fake.environment_status(e) == "running")
    backup = await oec_client.backups.create(env_id)
    assert (await oec_client.deployments.wait(backup.task_id)).status == "completed"
"""

DEFAULTS_MARKER = ", pytest.mark.oec_client(poll=PollPolicy(), retry=RetryPolicy())"
_DURATION = re.compile(r"^([\d.]+)s call\s+\S+::(\w+)$", re.M)


def fixture_times(marker: str) -> dict[str, float]:
    """Run the user's module in a child pytest; return each test's call time in seconds."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory)
        (path / "test_user.py").write_text(USER_TESTS.format(marker=marker))
        (path / "pytest.ini").write_text(
            "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        )
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        result = subprocess.run(
            [*command, "--durations=0", "--durations-min=0", str(path)],
            capture_output=True,
            text=True,
            cwd=path,
            timeout=300,
            check=False,
        )
    if result.returncode != 0:
        raise SystemExit(result.stdout + result.stderr)
    return {name: float(seconds) for seconds, name in _DURATION.findall(result.stdout)}


def run_fixtures() -> None:
    fast, before = fixture_times(""), fixture_times(DEFAULTS_MARKER)
    print("fixtures: call time per test (s), same run")
    print(f"  {'test':<24} {'client defaults':>16} {'fast fixtures':>14} {'ratio':>7}")
    for name in sorted(fast):
        print(
            f"  {name:<24} {before[name]:>16.3f} {fast[name]:>14.3f} {before[name] / fast[name]:>6.1f}x"
        )
    print(f"  {'total':<24} {sum(before.values()):>16.3f} {sum(fast.values()):>14.3f}")


async def deploy_500() -> tuple[int, float, int]:
    async with (
        FakeOEC(
            environments=500,
            projects=25,
            stopped_fraction=0.0,
            task_duration=600.0,
            clock=LoopClock(),
        ) as fake,
        fake.client(**fake.fast_client_options()) as client,
    ):
        report = await client.fleet.deploy(fake.environment_ids, max_parallel=50)
        loop_time = asyncio.get_running_loop().time()
        return report.counts[OutcomeKind.SUCCEEDED], loop_time, fake.stats.rate_limited


def run_virtual() -> None:
    started = time.perf_counter()
    succeeded, virtual, refused = run_in_virtual_time(deploy_500)
    wall = time.perf_counter() - started
    print("virtual time: 500 environments, tasks of 600 s, max_parallel=50, 20 writes/min")
    print(f"  succeeded {succeeded}, 429s {refused}, virtual {virtual:.0f} s, wall {wall:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.testing_bench")
    parser.add_argument("--only", choices=("fixtures", "virtual"))
    args = parser.parse_args()
    if args.only in (None, "fixtures"):
        run_fixtures()
    if args.only in (None, "virtual"):
        run_virtual()


if __name__ == "__main__":
    main()
