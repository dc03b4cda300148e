"""The request pipeline: record, inject faults, authenticate, rate-limit, render errors.

Order, as a gateway in front of the real API would have it: injected faults first (a faulty
answer is not authenticated, rate-limited or counted as a read/write; ``after_action`` faults
are applied to the handler's answer instead), then authentication (401), the key's read or
write bucket (429), the read-only check (403), and the route (404/405/409/422...).
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler

from ._context import Context, context, respond, set_api_key
from ._errors import GATEWAY_HTML, ApiError, RequestValidationError, render_error, render_validation
from ._faults import Fault
from ._observe import RequestRecord, redact_headers
from ._ratelimit import Decision, rate_limit_headers
from ._records import ApiKeyRecord
from ._state import API_PREFIX

_FAULT_CODES = {
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
    429: "rate_limit_exceeded",
}


@web.middleware
async def pipeline(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run one request through the fake's pipeline and record it."""
    ctx = context(request)
    start = ctx.state.now()
    ctx.state.stats.requests += 1
    ctx.in_flight += 1
    peak = max(ctx.state.anomalies.max_concurrent_requests, ctx.in_flight)
    ctx.state.anomalies.max_concurrent_requests = peak
    response: web.StreamResponse | None = None
    fault: Fault | None = None
    try:
        fault = ctx.faults.plan(request.method, request.path.removeprefix(API_PREFIX))
        if fault is not None:
            ctx.state.stats.faults += 1
            if fault.delay:
                await asyncio.sleep(fault.delay)
        if fault is not None and fault.kind != "slow" and not fault.after_action:
            response = _fault_response(request, ctx, fault)
        else:
            response = await _serve(request, handler, ctx)
            if fault is not None and fault.kind != "slow":
                response = _fault_response(request, ctx, fault)
        return response or web.Response(status=500)
    finally:
        ctx.in_flight -= 1
        if ctx.request_log_limit != 0:
            ctx.log_request(
                RequestRecord(
                    method=request.method,
                    path=request.path,
                    query=dict(request.query),
                    headers=redact_headers(request.headers),
                    time=start,
                    status=None if response is None else response.status,
                    fault=None if fault is None else fault.kind,
                )
            )


def _fault_response(request: web.Request, ctx: Context, fault: Fault) -> web.StreamResponse | None:
    """Return the faulty answer, or None after dropping the connection."""
    if fault.kind == "drop":
        ctx.state.stats.dropped += 1
        if request.transport is not None:
            request.transport.abort()
        return None
    headers = dict(fault.headers)
    if fault.kind == "non_json" or isinstance(fault.body, str):
        text = fault.body if isinstance(fault.body, str) else GATEWAY_HTML
        return web.Response(
            status=fault.status, text=text, content_type="text/html", headers=headers
        )
    if fault.body is not None:
        return respond(dict(fault.body), fault.status, headers)
    code = _FAULT_CODES.get(fault.status, "error")
    error = ApiError(fault.status, code, f"Injected fault: HTTP {fault.status}.")
    return respond(render_error(error, ctx.error_style), fault.status, headers)


async def _serve(request: web.Request, handler: Handler, ctx: Context) -> web.StreamResponse:
    decision: Decision | None = None
    try:
        key = _authenticate(request, ctx)
        set_api_key(request, key)
        decision = _rate_limit(request, ctx, key)
        if not _is_read(request):
            ctx.state.stats.writes += 1
            if key.read_only:
                raise ApiError(
                    403,
                    "read_only_key",
                    "This API key is read-only; use a full_access key to make changes.",
                )
        else:
            ctx.state.stats.reads += 1
        response = await handler(request)
    except ApiError as error:
        response = respond(render_error(error, ctx.error_style), error.status, error.headers)
        if error.status == 429:
            ctx.state.stats.rate_limited += 1
    except RequestValidationError as failure:
        response = respond(
            render_validation(failure, ctx.error_style, ctx.state.rules.field_error_shape), 422
        )
    except web.HTTPException as exc:
        code = "not_found" if exc.status == 404 else "method_not_allowed"
        http_error = ApiError(
            exc.status, code, "Resource not found." if exc.status == 404 else exc.reason
        )
        response = respond(render_error(http_error, ctx.error_style), exc.status)
    if decision is not None and (response.status != 429 or ctx.limits.send_429_headers):
        response.headers.update(rate_limit_headers(decision, ctx.limits.window))
    return response


def _is_read(request: web.Request) -> bool:
    return request.method in ("GET", "HEAD")


def _authenticate(request: web.Request, ctx: Context) -> ApiKeyRecord:
    authorization = request.headers.get("Authorization")
    header_key = request.headers.get("X-API-Key")
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
    elif header_key is not None:
        token = header_key.strip()
    else:
        raise ApiError(
            401,
            "missing_auth",
            "Missing API key: send Authorization: Bearer <key>.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key = ctx.state.keys.get(token)
    if key is None or key.revoked:
        raise ApiError(
            401,
            "invalid_key",
            "Invalid, revoked or inactive API key.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return key


def _rate_limit(request: web.Request, ctx: Context, key: ApiKeyRecord) -> Decision | None:
    if not ctx.limits.enabled:
        return None
    bucket = "read" if _is_read(request) else "write"
    decision, early = ctx.key_limiter.check(key.id, bucket, ctx.state.now())
    if early:
        ctx.state.anomalies.requests_before_retry_after += 1
    if decision.allowed:
        return decision
    retry_after = decision.retry_after
    headers: dict[str, str] = {}
    if ctx.limits.send_429_headers:
        headers = {
            "Retry-After": str(retry_after),
            **rate_limit_headers(decision, ctx.limits.window),
        }
    raise ApiError(
        429,
        "rate_limit_exceeded",
        f"Rate limit exceeded. You have made {decision.limit} {bucket} requests in the current "
        f"{ctx.limits.window:g}-second window. Please wait before retrying.",
        extra={"retry_after": retry_after},
        headers=headers,
    )
