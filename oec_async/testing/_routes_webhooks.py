"""Webhook management routes (index #27-#34), with the 10-per-60-s mutation limit."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from .._validation import is_local_address
from ._context import Context, api_key, context, idempotent, respond
from ._delivery import WebhookDispatcher, is_loopback_url
from ._errors import ApiError, FieldError, JSONObject, not_found
from ._idempotency import CREATE_HEADER
from ._pagination import offset_page
from ._records import ApiKeyRecord
from ._resources import WEBHOOK_EVENTS, WEBHOOK_FORMATS, Webhook
from ._validation import Fields, json_body, path_uuid

routes = web.RouteTableDef()

DISPATCHER: web.AppKey[WebhookDispatcher] = web.AppKey("oec_fake_dispatcher", WebhookDispatcher)


def _url_problem(url: str, strict: bool) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Must be a valid HTTPS URL."
    loopback = is_loopback_url(url)
    if strict:
        if parts.scheme != "https":
            return "Must be a valid HTTPS URL."
        if is_local_address(parts.hostname):
            return "Private and loopback addresses are not allowed."
    elif parts.scheme != "https" and not loopback:
        return "Must be a valid HTTPS URL (the fake also accepts http to loopback)."
    return None


def _read(ctx: Context, body: JSONObject, *, creating: bool) -> Fields:
    fields = Fields(body)
    url = fields.str_("url", required=creating, min_len=1, max_len=2048)
    if url is not None and (problem := _url_problem(url, ctx.strict_webhook_urls)):
        fields.errors.append(_field_error("url", problem))
    most = ctx.state.rules.max_webhook_events
    fields.str_list("events", min_items=1, max_items=most, choices=WEBHOOK_EVENTS)
    if creating and not fields.has("events"):
        fields.errors.append(_field_error("events", "Field required", "missing"))
    fields.str_("description", max_len=500)
    fields.str_("format", choices=WEBHOOK_FORMATS)
    fields.bool_("is_active")
    return fields


def _field_error(name: str, msg: str, type_: str = "value_error") -> FieldError:
    return FieldError(("body", name), msg, type_)


def _limit_mutation(ctx: Context, key: ApiKeyRecord) -> None:
    if not ctx.limits.enabled:
        return
    decision = ctx.webhook_limiter.hit(key.id, ctx.state.now())
    if not decision.allowed:
        raise ApiError(
            429,
            "webhook_mutation_rate_limit",
            f"At most {decision.limit} webhook changes per {ctx.limits.webhook_window:g} seconds.",
            extra={"retry_after": decision.retry_after},
            headers={"Retry-After": str(decision.retry_after)}
            if ctx.limits.send_429_headers
            else {},
        )


def _get(ctx: Context, key: ApiKeyRecord, webhook_id: str) -> Webhook:
    hook = ctx.state.webhooks.get(webhook_id)
    if hook is None or not ctx.state.sees(key, hook.project_id):
        raise not_found("Webhook")
    return hook


def _dispatcher(request: web.Request) -> WebhookDispatcher:
    return request.app[DISPATCHER]


@routes.get("/webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    """#27: webhooks visible to the key, limit/offset paged (default limit 50)."""
    ctx = context(request)
    key = api_key(request)
    hooks = [h for h in ctx.state.webhooks.values() if ctx.state.sees(key, h.project_id)]
    page, envelope = offset_page(hooks, request.query)
    return respond({"items": [h.to_json(ctx.state.clock) for h in page], **envelope})


@routes.post("/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    """#28: create (`X-Idempotency-Key`); 201 with the signing `secret`, shown once."""
    ctx = context(request)
    key = api_key(request)
    body = await json_body(request)
    _limit_mutation(ctx, key)

    def produce(seen_key: str | None) -> tuple[int, JSONObject]:
        fields = _read(ctx, body, creating=True)
        project_id = fields.uuid_("project_id", required=key.project_id is not None)
        fields.check()
        if project_id is not None:
            ctx.state.get_project(key, project_id)
        hook = Webhook(
            id=ctx.state.new_id(),
            url=body["url"],
            events=list(body["events"]),
            secret=ctx.state.new_secret("whsec_", 32),
            created_at=ctx.state.now(),
            description=body.get("description"),
            project_id=project_id,
            format=body.get("format") or "raw",
            is_active=body.get("is_active") is not False,
        )
        ctx.state.webhooks[hook.id] = hook
        ctx.state.note_created(seen_key, hook.id)
        _dispatcher(request).wake()
        return 201, hook.to_json(ctx.state.clock, with_secret=True)

    return idempotent(request, CREATE_HEADER, produce)


@routes.get("/webhooks/{webhook_id}")
async def get_webhook(request: web.Request) -> web.Response:
    """#29: one webhook (no secret)."""
    ctx = context(request)
    hook = _get(ctx, api_key(request), path_uuid(request, "webhook_id"))
    return respond(hook.to_json(ctx.state.clock))


@routes.patch("/webhooks/{webhook_id}")
async def update_webhook(request: web.Request) -> web.Response:
    """#30: update url, events, description, format, is_active."""
    ctx = context(request)
    key = api_key(request)
    hook = _get(ctx, key, path_uuid(request, "webhook_id"))
    body = await json_body(request)
    _limit_mutation(ctx, key)
    _read(ctx, body, creating=False).check()
    hook.url = body.get("url") or hook.url
    hook.events = list(body.get("events") or hook.events)
    hook.description = body.get("description", hook.description)
    hook.format = body.get("format") or hook.format
    if body.get("is_active") is not None:
        hook.is_active = bool(body["is_active"])
    _dispatcher(request).wake()
    return respond(hook.to_json(ctx.state.clock))


@routes.delete("/webhooks/{webhook_id}")
async def delete_webhook(request: web.Request) -> web.Response:
    """#31: delete with its delivery history; 204."""
    ctx = context(request)
    key = api_key(request)
    hook = _get(ctx, key, path_uuid(request, "webhook_id"))
    _limit_mutation(ctx, key)
    del ctx.state.webhooks[hook.id]
    return web.Response(status=204)


@routes.post("/webhooks/{webhook_id}/test")
async def test_webhook(request: web.Request) -> web.Response:
    """#32: send a `ping` now (loopback URLs only); no delivery record is kept."""
    ctx = context(request)
    hook = _get(ctx, api_key(request), path_uuid(request, "webhook_id"))
    saved = (hook.last_triggered_at, hook.failure_count)
    record = await _dispatcher(request).send(hook, "ping", {"webhook_id": hook.id})
    hook.last_triggered_at, hook.failure_count = saved
    message = {
        "delivered": None,
        "skipped": "The fake server only delivers to loopback addresses.",
    }.get(record["status"], record["response_body"])
    return respond(
        {
            "success": record["status"] == "delivered",
            "status_code": record["response_status"],
            "duration_ms": record["duration_ms"],
            "message": message,
        }
    )


@routes.post("/webhooks/{webhook_id}/rotate-secret")
async def rotate_secret(request: web.Request) -> web.Response:
    """#33: a new signing secret; the old one stops at once."""
    ctx = context(request)
    hook = _get(ctx, api_key(request), path_uuid(request, "webhook_id"))
    hook.secret = ctx.state.new_secret("whsec_", 32)
    return respond({"secret": hook.secret})


@routes.get("/webhooks/{webhook_id}/deliveries")
async def list_deliveries(request: web.Request) -> web.Response:
    """#34: the 50 most recent delivery attempts, newest first, as a plain array."""
    ctx = context(request)
    hook = _get(ctx, api_key(request), path_uuid(request, "webhook_id"))
    return respond(hook.deliveries)
