"""The pytest plugin: fixtures and marker, in a fresh project run by a child pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from oec_async import Client
from oec_async.testing import FakeOEC

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
