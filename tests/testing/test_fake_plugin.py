"""The pytest plugin: fixtures and marker, in a fresh project run by a child pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from oec_async import Client, PollPolicy, RetryPolicy, Timeouts
from oec_async.testing import FakeOEC, LoopClock

INNER_TESTS = """
import pytest
from oec_async.testing import FakeOEC, ManualClock


@pytest.mark.asyncio
async def test_default_fake(oec_fake):
    assert isinstance(oec_fake, FakeOEC)
    assert len(oec_fake.environment_ids) == 10


@pytest.mark.asyncio
@pytest.mark.oec_fake(environments=3, clock=ManualClock)
async def test_marker_options(oec_fake):
    assert len(oec_fake.environment_ids) == 3
    oec_fake.advance(1.0)


@pytest.mark.asyncio
async def test_client_fixture(oec_fake, oec_client):
    assert oec_client.is_open
    assert oec_client.base_url == oec_fake.url
"""

INI = """
[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
filterwarnings = error
addopts = --strict-markers -p no:cacheprovider -p no:hypothesispytest
"""


ANYIO_TESTS = """
import pytest


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_fake_under_anyio(oec_fake):
    assert len(oec_fake.environment_ids) == 10
"""


def run_child_pytest(directory: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(directory)],
        capture_output=True,
        text=True,
        cwd=directory,
        timeout=60,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_fixtures_and_marker_work_in_a_strict_mode_project(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    (tmp_path / "pytest.ini").write_text(INI)
    assert "3 passed" in run_child_pytest(tmp_path)


def test_plugin_loads_and_works_without_pytest_asyncio(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker" / "pytest_asyncio"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('pytest-asyncio is not installed')\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_inner.py").write_text(ANYIO_TESTS)
    (project / "pytest.ini").write_text(
        # looptime needs pytest-asyncio, so a project without the one has not the other
        "[pytest]\naddopts = -p no:asyncio -p no:looptime_plugin -p no:cacheprovider"
        " -p no:hypothesispytest\n"
    )
    env = {**os.environ, "PYTHONPATH": str(blocker.parent)}
    assert "1 passed" in run_child_pytest(project, env)


async def test_oec_fake_defaults_are_fast_and_unlimited(oec_fake: FakeOEC) -> None:
    assert oec_fake.stats.requests == 0
    assert oec_fake.url.endswith("/api/public/v1")


@pytest.mark.oec_fake(environments=2)
async def test_oec_fake_marker_sets_options(oec_fake: FakeOEC) -> None:
    assert len(oec_fake.environment_ids) == 2


async def test_oec_client_is_an_open_client_on_the_fake(
    oec_fake: FakeOEC, oec_client: Client
) -> None:
    assert oec_client.is_open
    assert oec_client.base_url == oec_fake.url


async def test_oec_client_polls_at_a_tenth_of_the_fakes_task_duration(
    oec_fake: FakeOEC, oec_client: Client
) -> None:
    assert oec_client.poll_policy.initial_interval == pytest.approx(0.005)
    assert oec_client.poll_policy.max_interval == pytest.approx(0.025)
    assert oec_client.retry_policy.initial_backoff == pytest.approx(0.005)


@pytest.mark.oec_fake(task_duration=2.0)
async def test_oec_client_scales_to_a_slower_fake(oec_client: Client) -> None:
    assert oec_client.poll_policy.initial_interval == pytest.approx(0.2)
    assert oec_client.poll_policy.max_interval == pytest.approx(1.0)
    assert oec_client.retry_policy.max_backoff == pytest.approx(2.0)


@pytest.mark.oec_client(poll=PollPolicy(initial_interval=0.5), timeout=Timeouts(total=5.0))
async def test_oec_client_marker_sets_client_options(oec_client: Client) -> None:
    assert oec_client.poll_policy.initial_interval == 0.5
    assert oec_client.timeouts.total == 5.0
    assert oec_client.retry_policy.initial_backoff == pytest.approx(0.005)  # the rest stays fast


class TestClientOptionsFixture:
    @pytest.fixture
    def oec_client_options(self) -> dict[str, object]:
        return {"retry": RetryPolicy(max_retries=0)}

    async def test_an_overridden_fixture_configures_the_client(self, oec_client: Client) -> None:
        assert oec_client.retry_policy.max_retries == 0


@pytest.mark.oec_fake(dialect="docs")
async def test_the_marker_picks_the_dialect(oec_fake: FakeOEC) -> None:
    assert oec_fake.dialect == "docs"


async def test_the_fixtures_fake_speaks_the_live_dialect_on_the_loops_clock(
    oec_fake: FakeOEC,
) -> None:
    assert oec_fake.dialect == "live"
    assert isinstance(oec_fake.clock, LoopClock)


async def test_a_deploy_and_wait_on_the_fixtures_ends_within_a_few_polls(
    oec_fake: FakeOEC, oec_client: Client
) -> None:
    action = await oec_client.environments.deploy(oec_fake.environment_ids[0])
    done = await oec_client.deployments.wait(action)
    assert done.status == "completed"
    polls = [r for r in oec_fake.requests if r.method == "GET" and "/deployments/" in r.path]
    assert len(polls) <= 12  # 0.05 s at 0.005 s growing by 1.5 (the client's default: 1 s)
