"""`FakeOEC`: the fake OEC.sh API server, started and stopped as an async context manager."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, cast

from aiohttp import web

from ._app import build_app
from ._clock import FakeClock, LoopClock, ManualClock, MonotonicClock
from ._context import Context
from ._controls import FakeControls
from ._delivery import WebhookDispatcher
from ._dialect import Dialect, dialect_rules
from ._errors import ErrorStyle
from ._faults import FaultConfig, FaultInjector
from ._observe import Anomalies, RequestRecord, Stats
from ._ratelimit import RateLimitConfig
from ._seed import SeedSpec, seed_state
from ._state import API_PREFIX, FakeState
from ._tasks import TaskRecord

if TYPE_CHECKING:
    from oec_async import Client

_FASTEST: Final = 0.005
"""The shortest poll interval or backoff `fast_client_options` gives, in seconds."""


class FakeOEC(FakeControls):
    """A realistic fake of the OEC.sh public API, served on 127.0.0.1 on a free port.

    Example::

        async with FakeOEC(environments=50, task_duration=0.2) as fake:
            async with fake.client() as client:
                action = await client.environments.deploy(fake.environment_ids[0])
            assert fake.anomalies.total == 0

    Args:
        environments: Seeded environments (named ``env-001``...), spread over the projects.
        projects: Seeded projects.
        stopped_fraction: Share of seeded environments that start `stopped` (the rest run).
        deployments_per_environment: Seeded task history per environment (newest first in lists).
        backups_per_environment: Seeded completed backups per environment.
        webhooks: Seeded webhooks (https URLs, never contacted).
        task_duration: Seconds from an action's 202 to its terminal state (10% of it `queued`).
        failure_rate: Probability that a new task ends `failed` with an `error_message`.
        unhealthy_rate: Probability that a successful deploy, restart, start, quick-update or
            restore leaves its environment unhealthy (``GET /environments/{id}/status``
            answers ``http_ok: false``); `script` decides it per environment.
        unhealthy_after: Seconds after such a task's end at which the environment turns
            unhealthy: 0 (default) at once, with the container still running; more than 0
            the container crashes then and the environment's status becomes ``error``.
        rate_limits: A `RateLimitConfig`, True for the documented limits (default) or False
            for none.
        error_style: ``"detail"`` (FastAPI ``{"detail": {...}}``) or ``"top_level"``
            (``{"error", "message"}``).
        dialect: ``"live"`` (default): answer as the live API does where it differs from the
            published docs (backup list ``pages``, environment status ``error`` after a failed
            deploy, backup statuses ``in_progress``/``uploading``/``expired``, 12 webhook
            events, wildcard and mixed-case domains, a ``pre_restore`` safety backup on
            restore, plain-string 404s on backup routes, 422 field errors as ``{loc, msg}``);
            ``"docs"``: answer as the docs describe. README lists every difference.
        faults: Random fault fractions (none by default).
        seed: Seeds ids, keys, failures and faults: the same seed gives the same run.
        clock: The time source (default real monotonic time); pass a `ManualClock` to move
            time by hand.
        port: Port to bind on 127.0.0.1 (0: a free one).
        strict_webhook_urls: Refuse non-https and loopback webhook URLs as the real API does
            (default False, so tests can receive deliveries on 127.0.0.1).
        request_log_limit: Most records kept in `requests` (oldest dropped first; None: no
            limit; 0: keep none), so long benchmarks do not grow without bound.
    """

    def __init__(
        self,
        *,
        environments: int = 10,
        projects: int = 1,
        stopped_fraction: float = 0.1,
        deployments_per_environment: int = 3,
        backups_per_environment: int = 2,
        webhooks: int = 2,
        task_duration: float = 0.2,
        failure_rate: float = 0.0,
        unhealthy_rate: float = 0.0,
        unhealthy_after: float = 0.0,
        rate_limits: RateLimitConfig | bool = True,
        error_style: ErrorStyle = "detail",
        dialect: Dialect = "live",
        faults: FaultConfig | None = None,
        seed: int = 0,
        clock: FakeClock | None = None,
        port: int = 0,
        strict_webhook_urls: bool = False,
        request_log_limit: int | None = 100_000,
    ) -> None:
        if projects < 1 or environments < 0 or deployments_per_environment < 0:
            raise ValueError("need projects >= 1, environments >= 0, deployments >= 0")
        if not 0.0 <= failure_rate <= 1.0 or not 0.0 <= stopped_fraction <= 1.0:
            raise ValueError("failure_rate and stopped_fraction must be within [0, 1]")
        if not 0.0 <= unhealthy_rate <= 1.0:
            raise ValueError(f"unhealthy_rate must be within [0, 1], got {unhealthy_rate}")
        if not 0.0 <= unhealthy_after < float("inf"):
            raise ValueError(f"unhealthy_after must be >= 0 seconds, got {unhealthy_after}")
        if error_style not in ("detail", "top_level"):
            raise ValueError(f"error_style must be 'detail' or 'top_level', got {error_style!r}")
        rules = dialect_rules(dialect)
        if isinstance(rate_limits, bool):
            rate_limits = RateLimitConfig(enabled=rate_limits)
        self.clock: FakeClock = clock or MonotonicClock()
        self._state = FakeState(
            clock=self.clock,
            seed=seed,
            task_duration=task_duration,
            failure_rate=failure_rate,
            rules=rules,
            unhealthy_rate=unhealthy_rate,
            unhealthy_after=unhealthy_after,
        )
        seed_state(
            self._state,
            SeedSpec(
                environments=environments,
                projects=projects,
                stopped_fraction=stopped_fraction,
                deployments_per_environment=deployments_per_environment,
                backups_per_environment=backups_per_environment,
                webhooks=webhooks,
            ),
        )
        self._ctx = Context(
            state=self._state,
            error_style=error_style,
            limits=rate_limits,
            faults=FaultInjector(faults or FaultConfig(), seed),
            strict_webhook_urls=strict_webhook_urls,
            request_log_limit=request_log_limit,
        )
        self._dispatcher = WebhookDispatcher(
            self._state, background=not isinstance(self.clock, ManualClock)
        )
        self._ctx.on_event = self._dispatcher.emit
        self._port = port
        self._runner: web.AppRunner | None = None
        keys = list(self._state.keys.values())
        self.full_access_key: str = keys[0].key
        """The seeded organisation-scoped full-access key (``oec_live_rw_...``)."""
        self.read_only_key: str = keys[1].key
        """The seeded organisation-scoped read-only key (``oec_live_ro_...``)."""

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind 127.0.0.1 and start serving (prefer ``async with``)."""
        if self._runner is not None:
            raise RuntimeError("FakeOEC is already started")
        app = build_app(self._ctx, self._dispatcher)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self._port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = runner.addresses[0][1]
        self._dispatcher.start()

    async def stop(self) -> None:
        """Stop serving and close every connection."""
        runner, self._runner = self._runner, None
        await self._dispatcher.close()
        if runner is not None:
            await runner.cleanup()

    async def flush_webhooks(self) -> int:
        """Deliver every webhook event already due on the fake clock; return the attempts made.

        On a `ManualClock` this is the only way events are sent (advance, then flush); on the
        real clock a background loop also delivers within a few tens of milliseconds.
        """
        return await self._dispatcher.flush()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- addresses and seeded ids ---------------------------------------------------------
    @property
    def port(self) -> int:
        """The bound port (after start)."""
        return self._port

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:{port}/api/public/v1``."""
        if self._runner is None:
            raise RuntimeError("FakeOEC is not started; use 'async with FakeOEC() as fake'")
        return f"http://127.0.0.1:{self._port}{API_PREFIX}"

    @property
    def project_ids(self) -> list[str]:
        """Ids of live projects, in creation order."""
        return [p.id for p in self._state.projects.values() if not p.deleted]

    @property
    def project_id(self) -> str:
        """Id of the first seeded project."""
        return next(iter(self._state.projects))

    @property
    def environment_ids(self) -> list[str]:
        """Ids of live (not deleted) environments, in creation order."""
        return [env.id for env in self._state.live_environments()]

    @property
    def server_ids(self) -> list[str]:
        """Ids of the seeded servers."""
        return list(self._state.servers)

    @property
    def dialect(self) -> Dialect:
        """The dialect this fake speaks, ``"docs"`` or ``"live"``."""
        return self._state.rules.name

    @property
    def storage_config_ids(self) -> list[str]:
        """Ids of the organisation's backup storage configurations (the default first).

        The API has no route that lists them; pass one as ``storage_config_id`` to
        ``client.backups.create``.
        """
        configs = sorted(self._state.storage_configs.values(), key=lambda c: not c.is_default)
        return [c.id for c in configs]

    @property
    def organization(self) -> Mapping[str, object]:
        """The organisation object `GET /org` returns."""
        return dict(self._state.org)

    # -- observation ----------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received, in arrival order (keys redacted)."""
        return self._ctx.requests

    @property
    def tasks(self) -> dict[str, list[TaskRecord]]:
        """Tasks created through the API (not the seeded history), per environment id."""
        return self._state.created_tasks

    @property
    def anomalies(self) -> Anomalies:
        """Client misbehaviour seen by the server, and concurrency peaks."""
        return self._state.anomalies

    @property
    def stats(self) -> Stats:
        """Request counters."""
        return self._state.stats

    def reset_stats(self) -> None:
        """Clear `requests`, `stats` and `anomalies` (peaks restart from the current load)."""
        self._ctx.requests.clear()
        self._state.stats = Stats()
        self._state.anomalies = Anomalies(max_concurrent_requests=self._ctx.in_flight)

    def fast_client_options(self) -> dict[str, object]:
        """Client options scaled to this fake's task duration, for quick tests.

        The client's defaults suit the real API (first poll after 1 s, retries from 0.5 s);
        against tasks of 0.05 s they make every wait last a second. These poll at a tenth of
        the task duration (growing to half of it) and back off from a tenth of it, never
        below 5 ms. The `oec_client` fixture uses them unless told otherwise.

        Example::

            async with fake.client(**fake.fast_client_options()) as client:
                ...
        """
        from oec_async import PollPolicy, RetryPolicy

        duration = self._state.task_duration
        return {
            "poll": PollPolicy(
                initial_interval=max(duration / 10, _FASTEST),
                multiplier=1.5,
                max_interval=max(duration / 2, _FASTEST),
                jitter=0.0,
            ),
            "retry": RetryPolicy(
                initial_backoff=max(duration / 10, _FASTEST),
                max_backoff=max(duration, _FASTEST),
            ),
        }

    def client(self, **kwargs: object) -> Client:
        """Return an unopened `oec_async.Client` on this fake with the full-access key.

        When the fake enforces no rate limits, the client's pacing is turned off too unless
        `rate_limits` is given. On a `LoopClock` the client's clock is the event loop's too
        (``anyio.current_time``), so in virtual time its rate governor waits in loop time.
        """
        import anyio

        from oec_async import Client, RateLimits

        options = cast("dict[str, Any]", kwargs)
        if not self._ctx.limits.enabled:
            options.setdefault("rate_limits", RateLimits.disabled())
        if isinstance(self.clock, LoopClock):
            options.setdefault("clock", anyio.current_time)
        return Client(api_key=self.full_access_key, base_url=self.url, **options)
