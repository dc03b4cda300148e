"""The scenarios without a network: structuring one page, and cold import time."""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
import timeit
import uuid
from collections.abc import Callable
from typing import Final

from oec_async import Client, Deployment
from oec_async._core import RawResponse, Request, build_request
from oec_async._response import APIResponse

from ._report import Sample

__all__ = [
    "IMPORT_VARIANTS",
    "STRUCTURE_VARIANTS",
    "import_samples",
    "prime_imports",
    "structure_sample",
]

JSON_LOADS: Final = "json.loads alone"
SDK_DECODE: Final = "SDK: decode + structure"
SDK_STRUCTURE: Final = "SDK: structure only"
STRUCTURE_VARIANTS: Final = (JSON_LOADS, SDK_DECODE, SDK_STRUCTURE)

IMPORT_VARIANTS: Final = ("import aiohttp", "import oec_async")

_PATH: Final = "/environments/{id}/deployments"
_DISTINCT_PAGES: Final = 64  # 6,400 task ids: more than the SDK's id cache keeps


def _distinct_pages(body: bytes) -> list[bytes]:
    """Copies of the server's page with fresh task ids, so no id is parsed twice in a row.

    The SDK keeps a bounded cache of parsed ids (ids do repeat in real use: every item of a
    page has the same environment_id, a poll reads the same task again). Structuring one page
    over and over would hit it for every id; cycling through more distinct ids than it keeps
    measures a real paging run, where each page brings new task ids.
    """
    data = json.loads(body)
    if len(data.get("data", ())) != 100:
        raise RuntimeError("the structure scenario needs a page of 100 deployments")
    rng = random.Random(5)
    pages = []
    for _ in range(_DISTINCT_PAGES):
        for item in data["data"]:
            item["id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        pages.append(json.dumps(data).encode())
    return pages


class _Decoded(APIResponse[object]):
    """An answer whose body is already decoded: the structure-only variant skips ``json.loads``."""

    def __init__(self, raw: RawResponse, request: Request, data: object) -> None:
        super().__init__(raw, request)
        self._data = data

    def json(self) -> object:
        return self._data


def _page_functions(body: bytes) -> dict[str, Callable[[], object]]:
    # The resource's own envelope reader: exactly what `deployments.list` runs on each page.
    resource = Client(api_key="oec_live_rw_benchmark", base_url="http://127.0.0.1").deployments
    request = build_request(
        "GET", _PATH, route=_PATH, base_url="http://127.0.0.1", headers={}, params={"limit": 100}
    )
    bodies = _distinct_pages(body)
    answers = [RawResponse(status=200, headers={}, body=b, elapsed=0.0) for b in bodies]
    next_body = itertools.cycle(bodies).__next__
    next_answer = itertools.cycle(answers).__next__
    next_decoded = itertools.cycle(
        [_Decoded(a, request, json.loads(a.body)) for a in answers]
    ).__next__

    def loads() -> object:
        return json.loads(next_body())

    def sdk_decode() -> object:
        return resource._read_cursor_page(APIResponse(next_answer(), request), Deployment).build()

    def sdk_structure() -> object:
        return resource._read_cursor_page(next_decoded(), Deployment).build()

    return {JSON_LOADS: loads, SDK_DECODE: sdk_decode, SDK_STRUCTURE: sdk_structure}


def structure_sample(body: bytes, variant: str, number: int) -> Sample:
    """µs per page of 100 deployments (best-effort loop of ``number`` calls)."""
    function = _page_functions(body)[variant]
    function()  # builds the converter and its specialised functions, outside the timing
    seconds = timeit.Timer(function).timeit(number)
    return Sample(value=seconds / number * 1e6)


def _import_env() -> dict[str, str]:
    # Measure what users get after `pip install`: compiled bytecode, no bytecode writes off.
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


# Both imports timed in one fresh interpreter, back to back: on a busy machine two separate
# processes can see very different load, one process sees the same. ``import oec_async`` after
# ``import aiohttp`` does exactly the work of a cold ``import oec_async`` (it imports aiohttp
# first thing), so the second time is the SDK's whole cold import.
_SNIPPET: Final = (
    "import time; t0 = time.perf_counter(); import aiohttp; t1 = time.perf_counter(); "
    "import oec_async; t2 = time.perf_counter(); print(t1 - t0, t2 - t0)"
)


def prime_imports() -> None:
    """Import once so the bytecode is cached, as after an install."""
    subprocess.run([sys.executable, "-c", "import oec_async"], env=_import_env(), check=True)


def import_samples() -> dict[str, Sample]:
    """Milliseconds for a cold ``import aiohttp`` and ``import oec_async`` (startup excluded)."""
    completed = subprocess.run(
        [sys.executable, "-c", _SNIPPET],
        env=_import_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    aiohttp_s, sdk_s = (float(part) for part in completed.stdout.split())
    return {
        IMPORT_VARIANTS[0]: Sample(value=aiohttp_s * 1e3),
        IMPORT_VARIANTS[1]: Sample(value=sdk_s * 1e3),
    }
