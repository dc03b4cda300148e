"""The pytest plugin: fixtures and marker, in a fresh project run by a child pytest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from oec_async import Client
from oec_async.testing import FakeOEC

INNER_TESTS = '''
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
'''

INI = """
[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
filterwarnings = error
addopts = --strict-markers -p no:cacheprovider
"""


def test_fixtures_and_marker_work_in_a_strict_mode_project(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    (tmp_path / "pytest.ini").write_text(INI)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


async def test_oec_fake_defaults_are_fast_and_unlimited(oec_fake: FakeOEC) -> None:
    assert oec_fake.stats.requests == 0
    assert oec_fake.url.endswith("/api/public/v1")


@pytest.mark.oec_fake(environments=2)
async def test_oec_fake_marker_sets_options(oec_fake: FakeOEC) -> None:
    assert len(oec_fake.environment_ids) == 2


async def test_oec_client_is_an_open_client_on_the_fake(oec_fake: FakeOEC, oec_client: Client) -> None:
    assert oec_client.is_open
    assert oec_client.base_url == oec_fake.url
