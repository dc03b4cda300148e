"""pytest plugin (entry point ``pytest11: oec_async``): the `oec_fake` and `oec_client` fixtures.

Example::

    async def test_deploy(oec_fake, oec_client):
        action = await oec_client.environments.deploy(oec_fake.environment_ids[0])
        done = await oec_client.deployments.wait(action)     # about 0.05 s
        ...

    @pytest.mark.oec_fake(environments=3, failure_rate=1.0, dialect="docs", clock=ManualClock)
    async def test_failures(oec_fake):
        ...
        oec_fake.advance(1.0)

    @pytest.mark.oec_client(poll=PollPolicy(initial_interval=1.0))
    async def test_default_polling(oec_client):
        ...

Defaults for `oec_fake`: fast tasks (``task_duration=0.05``), no rate limits, the live dialect,
and a `LoopClock` (the fake follows the event loop's time, so a loop fast-forwarded by
``looptime`` moves the fake too). Any `FakeOEC` keyword argument given through the ``oec_fake``
marker or an overridden ``oec_fake_options`` fixture replaces them. `oec_client` is fast on the
fake: poll and retry backoff are scaled to its task duration (`FakeOEC.fast_client_options`);
any `Client` keyword argument given through the ``oec_client`` marker or an overridden
``oec_client_options`` fixture replaces them. The closest marker wins whole: a test's marker
replaces its module's. A clock *class* (``clock=ManualClock``) gives each test its own
fresh clock, which matters for markers shared by a whole module. Works with pytest-asyncio
(auto or strict mode) and, without it, with anyio's plugin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

import pytest

from ._clock import LoopClock

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


FIXTURE_DEFAULTS: Final[dict[str, object]] = {
    "task_duration": 0.05,
    "rate_limits": False,
    "clock": LoopClock,
}
"""`FakeOEC` options the `oec_fake` fixture uses unless told otherwise."""


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``oec_fake`` and ``oec_client`` markers (so ``--strict-markers`` accepts them)."""
    config.addinivalue_line(
        "markers",
        "oec_fake(**options): FakeOEC keyword arguments for the oec_fake fixture of this test",
    )
    config.addinivalue_line(
        "markers",
        "oec_client(**options): Client keyword arguments for the oec_client fixture of this test",
    )


def marker_options(request: pytest.FixtureRequest, name: str) -> dict[str, object]:
    """Return the keyword arguments of the closest `name` marker (a test's replaces its module's)."""
    marker = request.node.get_closest_marker(name)
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError(f"@pytest.mark.{name} takes keyword arguments only")
    return dict(marker.kwargs)


@pytest.fixture
def oec_fake_options() -> dict[str, object]:
    """`FakeOEC` keyword arguments for `oec_fake`; override this fixture to change them for a module."""
    return {}


@pytest.fixture
def oec_client_options() -> dict[str, object]:
    """`Client` keyword arguments for `oec_client`; override this fixture to change them for a module."""
    return {}


@_async_fixture
async def oec_fake(
    request: pytest.FixtureRequest, oec_fake_options: dict[str, object]
) -> AsyncIterator[FakeOEC]:
    """A started `FakeOEC` (fast tasks, no rate limits unless configured), stopped after the test."""
    from ._server import FakeOEC

    options = {**FIXTURE_DEFAULTS, **oec_fake_options, **marker_options(request, "oec_fake")}
    clock = options.get("clock")
    if isinstance(clock, type):
        options["clock"] = clock()  # a class: a fresh clock per test
    async with FakeOEC(**options) as fake:  # type: ignore[arg-type]
        yield fake


@_async_fixture
async def oec_client(
    request: pytest.FixtureRequest, oec_fake: FakeOEC, oec_client_options: dict[str, object]
) -> AsyncIterator[Client]:
    """An open `oec_async.Client` on `oec_fake` (full-access key), polling at the fake's pace."""
    options = {
        **oec_fake.fast_client_options(),
        **oec_client_options,
        **marker_options(request, "oec_client"),
    }
    async with oec_fake.client(**options) as client:
        yield client
