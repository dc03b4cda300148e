"""pytest plugin (entry point ``pytest11: oec_async``): the `oec_fake` and `oec_client` fixtures.

Example::

    async def test_deploy(oec_fake, oec_client):
        action = await oec_client.environments.deploy(oec_fake.environment_ids[0])
        ...

    @pytest.mark.oec_fake(environments=3, failure_rate=1.0, clock=ManualClock)
    async def test_failures(oec_fake):
        ...
        oec_fake.advance(1.0)

Defaults for the fixture: fast tasks (``task_duration=0.05``) and no rate limits; any
`FakeOEC` keyword argument given through the ``oec_fake`` marker or an overridden
``oec_fake_options`` fixture replaces them. A clock *class* (``clock=ManualClock``) gives each
test its own fresh clock, which matters for markers shared by a whole module. Works with
pytest-asyncio (auto or strict mode) and, without it, with anyio's plugin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

import pytest

if TYPE_CHECKING:
    from oec_async import Client

    from ._server import FakeOEC

F = TypeVar("F", bound=Callable[..., Any])


def _async_fixture(func: F) -> F:
    """`pytest_asyncio.fixture` when pytest-asyncio is installed, else a plain fixture.

    The plugin is loaded by every pytest run in an environment where oec-async is installed,
    so it must not fail to import without pytest-asyncio (anyio's plugin runs plain async
    fixtures for ``@pytest.mark.anyio`` tests).
    """
    try:
        import pytest_asyncio
    except ImportError:
        return cast("F", pytest.fixture(func))
    return cast("F", pytest_asyncio.fixture(func))


FIXTURE_DEFAULTS: Final[dict[str, object]] = {"task_duration": 0.05, "rate_limits": False}
"""`FakeOEC` options the `oec_fake` fixture uses unless told otherwise."""


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``oec_fake`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        "oec_fake(**options): FakeOEC keyword arguments for the oec_fake fixture of this test",
    )


@pytest.fixture
def oec_fake_options() -> dict[str, object]:
    """`FakeOEC` keyword arguments for `oec_fake`; override this fixture to change them for a module."""
    return {}


@_async_fixture
async def oec_fake(
    request: pytest.FixtureRequest, oec_fake_options: dict[str, object]
) -> AsyncIterator[FakeOEC]:
    """A started `FakeOEC` (fast tasks, no rate limits unless configured), stopped after the test."""
    from ._server import FakeOEC

    options = {**FIXTURE_DEFAULTS, **oec_fake_options}
    marker = request.node.get_closest_marker("oec_fake")
    if marker is not None:
        if marker.args:
            raise pytest.UsageError("@pytest.mark.oec_fake takes keyword arguments only")
        options.update(marker.kwargs)
    clock = options.get("clock")
    if isinstance(clock, type):
        options["clock"] = clock()  # a class: a fresh clock per test
    async with FakeOEC(**options) as fake:  # type: ignore[arg-type]
        yield fake


@_async_fixture
async def oec_client(oec_fake: FakeOEC) -> AsyncIterator[Client]:
    """An open `oec_async.Client` on `oec_fake`, using its full-access key."""
    async with oec_fake.client() as client:
        yield client
