"""The Client: configuration, the session's lifecycle, and the resources."""

from __future__ import annotations

import copy
import enum
import os
import ssl as ssl_module
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Final, Self

import aiohttp
import anyio

from ._adapter import DEFAULT_MAX_RESPONSE_SIZE, AiohttpAdapter, new_session
from ._config import DEFAULT_BASE_URL, PollPolicy, RateLimits, RetryPolicy, Timeouts
from ._core import Params, build_request
from ._events import Event, Listener, deliver
from ._exceptions import ClientClosedError
from ._models import RateLimitSnapshot
from ._polling import TaskSignals
from ._ratelimit import RateGovernor, Slot
from ._response import APIResponse, RawResponses
from ._sharing import Budget, SharedStore
from ._transport import Transport
from ._validation import check_api_key, check_base_url, check_header_value
from ._version import user_agent as user_agent_default

# The resources and the fleet are imported by their properties, on first use: they are most of
# what ``import oec_async`` would otherwise cost beyond aiohttp.
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


def _timeouts(timeout: float | Timeouts | None, default: Timeouts) -> Timeouts:
    if timeout is None:
        return default
    if isinstance(timeout, Timeouts):
        return timeout
    return Timeouts(total=timeout)


def _retry_policy(retry: RetryPolicy | int | None, default: RetryPolicy) -> RetryPolicy:
    given: object = retry
    if isinstance(given, bool):
        raise TypeError("retry must be a RetryPolicy or an int (max_retries)")
    if isinstance(retry, int):
        return RetryPolicy(max_retries=retry)
    return retry or default


class _Shared:
    """What a client and all its views share: lifecycle, session, governor, listeners."""

    __slots__ = ("listeners", "session", "state", "task_signals", "transport")

    def __init__(self, listeners: list[Listener], task_signals: TaskSignals) -> None:
        self.state = _State.UNOPENED
        self.session: aiohttp.ClientSession | None = None
        self.transport: Transport | None = None
        self.listeners = listeners
        self.task_signals = task_signals


def _shared_budget(budget: Budget | None, api_key: str) -> SharedStore | None:
    if budget is None:
        url = os.environ.get("OEC_BUDGET_URL", "").strip()
        if not url:
            return None
        from .budget import RedisBudget

        budget = RedisBudget(url)
    if not callable(getattr(budget, "for_key", None)):
        raise TypeError(
            f"budget must be a shared budget such as RedisBudget, got {type(budget).__name__}"
        )
    return budget.for_key(api_key)


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
        user_agent: Replaces the default ``oec-async/<version>`` User-Agent (no control
            characters: a CR, LF or NUL raises ``ValueError``).
        prefetch_pages: While a list's page is being read, fetch the next one (one request
            ahead, cancelled if the iteration stops early). ``False`` fetches on demand only.
        event_hooks: Listeners that receive every :class:`Event` of this client (requests,
            attempts, retries, rate-limit waits, fleet progress); see :meth:`add_listener`.
        max_response_size: The most bytes (decompressed) read from one answer; a larger one
            is cut off and raises :class:`ResponseValidationError`. 16 MiB by default.
        clock: The time seam: monotonic seconds, used by retries, polling and the rate
            governor (default :func:`time.monotonic`, the event loop's clock).
        sleep: The time seam: the sleep used by retries, polling and the rate governor
            (default :func:`anyio.sleep`). A test passes a fake pair to skip waits.
        budget: A rate budget shared with the other processes on this key, such as
            ``oec_async.budget.RedisBudget(url)``; ``OEC_BUDGET_URL`` when omitted. Without
            either, the client paces itself alone.
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
        event_hooks: Iterable[Listener] | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        budget: Budget | None = None,
    ) -> None:
        self._api_key = check_api_key(api_key)
        if base_url is None:  # an explicit "" is an error, not a silent switch to production
            base_url = os.environ.get("OEC_BASE_URL") or DEFAULT_BASE_URL
        self.base_url = check_base_url(
            base_url, allow_insecure_http=allow_insecure_http, secret=self._api_key
        )
        self.timeouts = _timeouts(timeout, Timeouts())
        self.retry_policy = _retry_policy(retry, RetryPolicy())
        self.poll_policy = poll or PollPolicy()
        self.rate_limits = rate_limits or RateLimits()
        limit: object = connection_limit
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(f"connection_limit must be an integer >= 1, got {connection_limit!r}")
        size: object = max_response_size
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(
                f"max_response_size must be an integer >= 1 (bytes), got {max_response_size!r}"
            )
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise TypeError(
                f"session must be an aiohttp.ClientSession, got {type(session).__name__}"
            )
        if not isinstance(ssl, bool | ssl_module.SSLContext):
            raise TypeError(f"ssl must be a bool or an ssl.SSLContext, got {type(ssl).__name__}")
        if not isinstance(prefetch_pages, bool):
            raise TypeError(f"prefetch_pages must be a bool, got {type(prefetch_pages).__name__}")
        hooks = list(event_hooks or ())
        for hook in hooks:
            if not callable(hook):
                raise TypeError(f"event_hooks must hold callables, got {type(hook).__name__}")
        self.prefetch_pages = prefetch_pages
        self._connection_limit = connection_limit
        self._max_response_size = max_response_size
        self._borrowed_session = session
        self._ssl = ssl
        self._user_agent = check_header_value(user_agent or user_agent_default(), "User-Agent")
        self._headers: Final = {
            "Authorization": f"Bearer {self._api_key}",
            "Accept": "application/json",
            "User-Agent": self._user_agent,
        }
        self._clock = clock or time.monotonic
        self._sleep = sleep or anyio.sleep
        self._shared = _Shared(hooks, TaskSignals(sleep=sleep, clock=clock))
        self.governor = RateGovernor(
            self.rate_limits,
            emit=self._emit,
            clock=self._clock,
            sleep=self._sleep,
            shared=_shared_budget(budget, self._api_key),
        )
        # Per view: a slot for the next request, and where raw answers are collected.
        self._prepaid: list[Slot] = []
        self._captured: list[APIResponse[object]] | None = None

    def __repr__(self) -> str:
        return f"<Client base_url={self.base_url!r} key={self.key_hint} state={self._state.value}>"

    # -- views -------------------------------------------------------------------------

    def _view(self) -> Self:
        """A copy sharing session, governor and listeners, with its own options and resources."""
        view = copy.copy(self)
        for name in _RESOURCES:
            view.__dict__.pop(name, None)  # cached resources are bound to their client
        view._prepaid = []
        view._captured = None
        return view

    def with_options(
        self,
        *,
        timeout: float | Timeouts | None = None,
        retry: RetryPolicy | int | None = None,
        poll: PollPolicy | None = None,
    ) -> Self:
        """A view of this client with other defaults; it shares the session, the rate
        governor, the listeners and the lifecycle (closing either closes both).

        Example::

            patient = client.with_options(timeout=120, retry=RetryPolicy(max_retries=8))
            await patient.backups.create(env_id)

        Args:
            timeout: Per-request timeouts (seconds, or a :class:`Timeouts`).
            retry: The retry policy, or an int for ``max_retries``.
            poll: How ``deployments.wait``/``watch`` poll.
        """
        view = self._view()
        view.timeouts = _timeouts(timeout, self.timeouts)
        view.retry_policy = _retry_policy(retry, self.retry_policy)
        given: object = poll
        if poll is not None and not isinstance(given, PollPolicy):
            raise TypeError(f"poll must be a PollPolicy, got {type(poll).__name__}")
        view.poll_policy = poll or self.poll_policy
        return view

    def _with_slot(self, slot: Slot) -> Self:
        """A view whose next request sends its first attempt on ``slot`` (already counted by
        the governor) instead of taking one; its retries take slots as usual."""
        view = self._view()
        view._prepaid = [slot]
        return view

    @property
    def with_raw_response(self) -> RawResponses:
        """Every method, answering with the raw response instead of the parsed value.

        Example::

            raw = await client.with_raw_response.deployments.get(task_id)
            print(raw.status, raw.request_id, raw.rate_limit)
            deployment = raw.parse()
        """
        return RawResponses(self)

    # -- events ------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """Deliver every event of this client (and its views) to ``listener``.

        A listener is called synchronously in the task that emits; it must not block. If it
        raises, the error is logged (logger ``oec_async``) and ignored.
        """
        if not callable(listener):
            raise TypeError(f"listener must be callable, got {type(listener).__name__}")
        self._shared.listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop delivering events to ``listener``.

        Raises:
            ValueError: ``listener`` was not registered.
        """
        try:
            self._shared.listeners.remove(listener)
        except ValueError:
            raise ValueError("listener is not registered on this client") from None

    def _emit(self, event: Event) -> None:
        deliver(event, self._shared.listeners)

    # -- state -------------------------------------------------------------------------

    @property
    def _state(self) -> _State:
        return self._shared.state

    @property
    def task_signals(self) -> TaskSignals:
        """Wakes waiters of a task early (a webhook push); shared by the client's views."""
        return self._shared.task_signals

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
        transport = self._shared.transport
        return transport.rate_limit if transport is not None else None

    async def __aenter__(self) -> Self:
        shared = self._shared
        if shared.state is _State.OPEN:
            raise ClientClosedError("the client is already open")
        if shared.state is _State.CLOSED:
            raise ClientClosedError(
                "the client was closed and cannot be reopened; create a new Client"
            )
        session = self._borrowed_session
        if session is None:
            session = new_session(connection_limit=self._connection_limit, ssl=self._ssl)
            shared.session = session
        elif session.closed:
            raise ClientClosedError("the aiohttp session passed as session= is closed")
        # Unix time moves with the seam's clock, so a fake clock drives Retry-After dates too.
        offset = time.time() - self._clock()
        clock = self._clock
        adapter = AiohttpAdapter(
            session, ssl=self._ssl, secret=self._api_key, max_response_size=self._max_response_size
        )
        shared.transport = Transport(
            sender=adapter,
            governor=self.governor,
            emit=self._emit,
            listeners=shared.listeners,
            secret=self._api_key,
            clock=clock,
            sleep=self._sleep,
            wall_clock=lambda: offset + clock(),
        )
        shared.state = _State.OPEN
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
        shared = self._shared
        shared.state = _State.CLOSED
        if shared.transport is not None:
            shared.transport.close()
        shared.transport = None
        session, shared.session = shared.session, None
        if session is not None:
            await session.close()
        await self.governor.aclose()

    def _require_transport(self) -> Transport:
        transport = self._shared.transport
        if transport is None:
            if self._state is _State.CLOSED:
                raise ClientClosedError("the client is closed; create a new Client")
            raise ClientClosedError(
                "the client is not open: use 'async with Client(...) as client'"
            )
        return transport

    async def _request(
        self,
        method: str,
        path: str,
        *,
        route: str,
        params: Params | None = None,
        json: object = None,
        headers: Mapping[str, str] | None = None,
        idempotency_header: str | None = None,
        idempotency_key: str | None = None,
        timeout: float | Timeouts | None = None,
        max_retries: int | None = None,
    ) -> APIResponse[object]:
        """The one entry point of the resources into the send path."""
        transport = self._require_transport()
        request = build_request(
            method,
            path,
            route=route,
            base_url=self.base_url,
            headers=self._headers,
            params=params,
            json_body=json,
            extra_headers=headers,
            idempotency_header=idempotency_header,
            idempotency_key=idempotency_key,
        )
        prepaid = self._prepaid
        raw = await transport.call(
            request,
            retry=self.retry_policy,
            timeouts=self.timeouts if timeout is None else _timeouts(timeout, self.timeouts),
            max_retries=max_retries,
            slot=prepaid.pop() if prepaid else None,
        )
        response: APIResponse[object] = APIResponse(raw, request, self._api_key)
        if self._captured is not None:
            self._captured.append(response)
        return response

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


# The resources are cached per client object; a view drops them so that its own are built.
_RESOURCES: Final = tuple(
    name for name, member in vars(Client).items() if isinstance(member, cached_property)
)
