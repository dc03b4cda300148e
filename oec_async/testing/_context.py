"""Per-server context shared by the middleware and the route handlers."""

from __future__ import annotations

import json
from collections.abc import Callable

import attrs
from aiohttp import web

from ._errors import ErrorStyle, JSONObject
from ._faults import FaultInjector
from ._idempotency import ACTION_HEADER, CREATE_HEADER
from ._observe import RequestRecord
from ._ratelimit import KeyRateLimiter, RateLimitConfig, WindowLimiter
from ._records import ApiKeyRecord
from ._state import FakeState


@attrs.define(kw_only=True)
class Context:
    """The state and configuration one running fake server works with."""

    state: FakeState
    error_style: ErrorStyle
    limits: RateLimitConfig
    faults: FaultInjector
    strict_webhook_urls: bool = False
    requests: list[RequestRecord] = attrs.Factory(list)
    request_log_limit: int | None = 100_000
    in_flight: int = 0
    key_limiter: KeyRateLimiter = attrs.field(init=False)
    target_limiter: WindowLimiter = attrs.field(init=False)
    webhook_limiter: WindowLimiter = attrs.field(init=False)
    on_event: Callable[[str, JSONObject, str | None], None] | None = None
    """Called as ``on_event(event, data, project_id)`` to queue a webhook event."""

    def __attrs_post_init__(self) -> None:
        """Build the limiters from `limits`."""
        self.key_limiter = KeyRateLimiter(self.limits)
        self.target_limiter = WindowLimiter(
            self.limits.target_calls_per_window, self.limits.target_window, aligned=False
        )
        self.webhook_limiter = WindowLimiter(
            self.limits.webhook_mutations_per_window, self.limits.webhook_window, aligned=False
        )

    def log_request(self, record: RequestRecord) -> None:
        """Append to `requests`, dropping the oldest records beyond `request_log_limit`."""
        limit = self.request_log_limit
        if limit == 0:
            return
        self.requests.append(record)
        if limit is not None and len(self.requests) > limit + max(limit // 10, 1):
            del self.requests[: len(self.requests) - limit]

    def emit(self, event: str, data: JSONObject, project_id: str | None) -> None:
        """Queue a webhook event (no-op when nothing listens)."""
        if self.on_event is not None:
            self.on_event(event, data, project_id)


CONTEXT: web.AppKey[Context] = web.AppKey("oec_fake_context", Context)
_KEY: web.RequestKey[ApiKeyRecord] = web.RequestKey("oec_fake_api_key", ApiKeyRecord)


def context(request: web.Request) -> Context:
    """Return the fake's context for `request`."""
    return request.app[CONTEXT]


def api_key(request: web.Request) -> ApiKeyRecord:
    """Return the authenticated key of `request` (set by the middleware)."""
    return request[_KEY]


def set_api_key(request: web.Request, key: ApiKeyRecord) -> None:
    """Remember the authenticated key of `request`."""
    request[_KEY] = key


def respond(body: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Return a JSON response."""
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers=headers
    )


def idempotency_keys(request: web.Request, header: str) -> tuple[str | None, str | None]:
    """Return (the key the route honours, any key the client sent under either header name).

    The second value only feeds the anomaly counters: a key sent under the wrong header name is
    ignored by the route, as the real API ignores it.
    """
    other = CREATE_HEADER if header == ACTION_HEADER else ACTION_HEADER
    honoured = request.headers.get(header) or None
    return honoured, honoured or request.headers.get(other) or None


def idempotent(
    request: web.Request, header: str, produce: Callable[[str | None], tuple[int, JSONObject]]
) -> web.Response:
    """Serve a create/action route with idempotent replay.

    `produce(seen_key)` performs the work and returns (status, body); 2xx answers are cached
    under the honoured key for this route, and a later request with the same key gets the cached
    answer without `produce` being called.
    """
    ctx = context(request)
    honoured, seen = idempotency_keys(request, header)
    now = ctx.state.now()
    if honoured is not None:
        cached = ctx.state.idempotency.lookup(request.method, request.path.lower(), honoured, now)
        if cached is not None:
            ctx.state.stats.replays += 1
            return respond(cached.body, cached.status, {"Idempotent-Replayed": "true"})
    status, body = produce(seen)
    if honoured is not None and 200 <= status < 300:
        ctx.state.idempotency.store(
            request.method, request.path.lower(), honoured, status, body, now
        )
    return respond(body, status)
