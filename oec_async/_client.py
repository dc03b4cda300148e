"""The Client: configuration, the session's lifecycle, and the resources."""

from __future__ import annotations

import enum
import os
import ssl as ssl_module
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Self

import aiohttp

from ._config import DEFAULT_BASE_URL, PollPolicy, RateLimits, RetryPolicy, Timeouts
from ._exceptions import ClientClosedError
from ._models import RateLimitSnapshot
from ._polling import TaskSignals
from ._ratelimit import RateGovernor
from ._transport import Transport, new_session
from ._validation import check_api_key, check_base_url, check_header_value
from ._version import user_agent as user_agent_default

# The resources and the fleet are imported by their properties, on first use: they (and the
# models only they need) are most of the cost of ``import oec_async``.
if TYPE_CHECKING:
    from .fleet import Fleet
    from .resources.backups import Backups
    from .resources.deployments import Deployments
    from .resources.environments import Environments
    from .resources.org import Org
    from .resources.projects import Projects
    from .resources.servers import Servers
    from .resources.webhooks import Webhooks

__all__ = ["Client"]


class _State(enum.Enum):
    UNOPENED = "unopened"
    OPEN = "open"
    CLOSED = "closed"


class Client:
    """An async client for the OEC.sh public API.

    Open it with ``async with``; it owns one aiohttp session (or borrows yours).

    Example::

        async with Client(api_key="oec_live_rw_...") as client:
            action = await client.environments.deploy(env_id)
            final = await client.deployments.wait(action, timeout=600)
            print(final.status)

    Args:
        api_key: The API key; ``OEC_API_KEY`` when omitted. Never printed or logged.
        base_url: The API base URL; ``OEC_BASE_URL`` or the public API when omitted.
        timeout: Per-request timeouts: seconds (total) or a :class:`Timeouts`.
        retry: The retry policy, or an int as a shortcut for ``max_retries``.
        poll: How ``deployments.wait``/``watch`` poll by default.
        rate_limits: The key's budget for client-side pacing; ``RateLimits.disabled()`` turns
            pacing off (a 429 still pauses the client).
        connection_limit: The most connections open at once (own session only).
        session: An aiohttp session to use; it is never closed by the client.
        ssl: TLS verification: ``True`` (default), an ``ssl.SSLContext``, or ``False``.
        allow_insecure_http: Allow a plain-http base URL on a non-loopback host.
        user_agent: Replaces the default ``oec-async/<version>`` User-Agent.
        prefetch_pages: While a list's page is being read, fetch the next one (one request
            ahead, cancelled if the iteration stops early). ``False`` fetches on demand only.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | Timeouts | None = None,
        retry: RetryPolicy | int | None = None,
        poll: PollPolicy | None = None,
        rate_limits: RateLimits | None = None,
        connection_limit: int = 100,
        session: aiohttp.ClientSession | None = None,
        ssl: ssl_module.SSLContext | bool = True,
        allow_insecure_http: bool = False,
        user_agent: str | None = None,
        prefetch_pages: bool = True,
    ) -> None:
        self._api_key = check_api_key(api_key)
        if base_url is None:  # an explicit "" is an error, not a silent switch to production
            base_url = os.environ.get("OEC_BASE_URL") or DEFAULT_BASE_URL
        self.base_url = check_base_url(
            base_url, allow_insecure_http=allow_insecure_http, secret=self._api_key
        )
        if isinstance(timeout, Timeouts):
            self.timeouts = timeout
        elif timeout is None:
            self.timeouts = Timeouts()
        else:
            self.timeouts = Timeouts(total=timeout)
        given_retry: object = retry
        if isinstance(given_retry, bool):
            raise TypeError("retry must be a RetryPolicy or an int (max_retries)")
        self.retry_policy = (
            RetryPolicy(max_retries=retry) if isinstance(retry, int) else (retry or RetryPolicy())
        )
        self.poll_policy = poll or PollPolicy()
        self.rate_limits = rate_limits or RateLimits()
        limit: object = connection_limit
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(f"connection_limit must be an integer >= 1, got {connection_limit!r}")
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise TypeError(
                f"session must be an aiohttp.ClientSession, got {type(session).__name__}"
            )
        if not isinstance(ssl, bool | ssl_module.SSLContext):
            raise TypeError(f"ssl must be a bool or an ssl.SSLContext, got {type(ssl).__name__}")
        if not isinstance(prefetch_pages, bool):
            raise TypeError(f"prefetch_pages must be a bool, got {type(prefetch_pages).__name__}")
        self.prefetch_pages = prefetch_pages
        self._connection_limit = connection_limit
        self._borrowed_session = session
        self._ssl = ssl
        self._user_agent = check_header_value(user_agent or user_agent_default(), "User-Agent")
        self._state = _State.UNOPENED
        self._session: aiohttp.ClientSession | None = None
        self._transport: Transport | None = None
        self.governor = RateGovernor(self.rate_limits)
        self.task_signals = TaskSignals()

    def __repr__(self) -> str:
        return f"<Client base_url={self.base_url!r} key={self.key_hint} state={self._state.value}>"

    @property
    def key_hint(self) -> str:
        """A non-secret hint of which key is in use: its tier prefix only."""
        for prefix in ("oec_live_rw_", "oec_live_ro_"):
            if self._api_key.startswith(prefix):
                return prefix + "..."
        return "***"

    @property
    def key_tier(self) -> str | None:
        """``"full_access"`` or ``"read_only"`` when the key's prefix says, else ``None``."""
        if self._api_key.startswith("oec_live_rw_"):
            return "full_access"
        if self._api_key.startswith("oec_live_ro_"):
            return "read_only"
        return None

    @property
    def is_open(self) -> bool:
        """Whether the client is open and can send requests."""
        return self._state is _State.OPEN

    @property
    def rate_limit(self) -> RateLimitSnapshot | None:
        """The rate-limit headers of the last response that carried them."""
        return self._transport.rate_limit if self._transport is not None else None

    async def __aenter__(self) -> Self:
        if self._state is _State.OPEN:
            raise ClientClosedError("the client is already open")
        if self._state is _State.CLOSED:
            raise ClientClosedError(
                "the client was closed and cannot be reopened; create a new Client"
            )
        session = self._borrowed_session
        if session is None:
            session = new_session(connection_limit=self._connection_limit, ssl=self._ssl)
            self._session = session
        elif session.closed:
            raise ClientClosedError("the aiohttp session passed as session= is closed")
        self._transport = Transport(
            session=session,
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {self._api_key}",
                "Accept": "application/json",
                "User-Agent": self._user_agent,
            },
            secret=self._api_key,
            retry=self.retry_policy,
            timeouts=self.timeouts,
            governor=self.governor,
            ssl=self._ssl,
        )
        self._state = _State.OPEN
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client (and its own session; a borrowed one stays open). Idempotent."""
        self._state = _State.CLOSED
        if self._transport is not None:
            self._transport.close()
        self._transport = None
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _require_transport(self) -> Transport:
        transport = self._transport
        if transport is None:
            if self._state is _State.CLOSED:
                raise ClientClosedError("the client is closed; create a new Client")
            raise ClientClosedError(
                "the client is not open: use 'async with Client(...) as client'"
            )
        return transport

    @cached_property
    def environments(self) -> Environments:
        """Environments: get, list, status, and the actions deploy/restart/start/stop."""
        from .resources.environments import Environments

        return Environments(self)

    @cached_property
    def deployments(self) -> Deployments:
        """Tasks: get, list an environment's history, wait and watch."""
        from .resources.deployments import Deployments

        return Deployments(self)

    @cached_property
    def projects(self) -> Projects:
        """Projects: list, get, create, update, delete."""
        from .resources.projects import Projects

        return Projects(self)

    @cached_property
    def backups(self) -> Backups:
        """Backups: list an environment's, create, get, download links, restore."""
        from .resources.backups import Backups

        return Backups(self)

    @cached_property
    def webhooks(self) -> Webhooks:
        """Webhook subscriptions: list, create, get, update, delete, test, rotate_secret, deliveries."""
        from .resources.webhooks import Webhooks

        return Webhooks(self)

    @cached_property
    def servers(self) -> Servers:
        """Servers: list, get, metrics."""
        from .resources.servers import Servers

        return Servers(self)

    @cached_property
    def org(self) -> Org:
        """The organisation: get, usage, and ``api_keys`` (list, revoke)."""
        from .resources.org import Org

        return Org(self)

    @cached_property
    def fleet(self) -> Fleet:
        """Fleet fan-out: deploy/restart/start/stop many environments within the rate budget."""
        from .fleet import Fleet

        return Fleet(self)
