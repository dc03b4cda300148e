"""Every Python sample in README.md runs, against the bundled fake server.

A sample that calls ``asyncio.run`` is a whole program and runs as written; a sample that defines
``test_`` functions is a test module and runs under pytest. Any other sample is a
fragment: it runs inside an ``async with Client() as client`` block, with ``env_id``,
``project_id`` and ``action`` (a deploy just queued) defined, as the README's prose assumes.
Each sample runs in its own interpreter, configured only through the documented environment
variables.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import textwrap
from pathlib import Path

import pytest

from oec_async.testing import FakeOEC

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)

_FRAGMENT_PRELUDE = """\
import asyncio as _asyncio
import os as _os

from oec_async import Client as _Client


async def _readme_sample() -> None:
    env_id = _os.environ["OEC_ENV_ID"]
    project_id = _os.environ["OEC_PROJECT_ID"]
    async with _Client() as client:
        action = await client.environments.deploy(_os.environ["OEC_SPARE_ENV_ID"])
{body}


_asyncio.run(_readme_sample())
"""


def _samples() -> list[str]:
    return [match.group(1) for match in _BLOCK.finditer(README.read_text(encoding="utf-8"))]


def _is_test_module(sample: str) -> bool:
    return re.search(r"^(async )?def test_", sample, re.M) is not None


def _program(sample: str) -> str:
    if "asyncio.run(" in sample or _is_test_module(sample):
        return sample
    return _FRAGMENT_PRELUDE.format(body=textwrap.indent(sample, " " * 8))


def _title(sample: str) -> str:
    first = next((line for line in sample.splitlines() if line.strip()), "")
    return first.strip()[:50]


def test_readme_has_python_samples() -> None:
    assert len(_samples()) >= 5


@pytest.mark.parametrize("sample", _samples(), ids=_title)
async def test_readme_sample_runs(sample: str, tmp_path: Path) -> None:
    async with FakeOEC(environments=4, stopped_fraction=0.0, task_duration=0.3) as fake:
        env = {
            **os.environ,
            "OEC_BASE_URL": fake.url,
            "OEC_API_KEY": fake.full_access_key,
            "OEC_ENV_ID": fake.environment_ids[0],
            "OEC_SPARE_ENV_ID": fake.environment_ids[1],
            "OEC_PROJECT_ID": fake.project_id,
        }
        if _is_test_module(sample):  # a pytest example: run it with pytest and its plugin
            module = tmp_path / "test_readme_example.py"
            module.write_text(sample, encoding="utf-8")
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(module)]
        else:
            command = [sys.executable, "-c", _program(sample)]
        process = await asyncio.create_subprocess_exec(
            *command,
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode() + stdout.decode()
