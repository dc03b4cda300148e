"""Backup routes (index #22-#26)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import wraps

from aiohttp import web

from ._backups import backup_visible, environment_snapshot, find_backup, take_safety_backup
from ._clock import isoformat
from ._context import api_key, context, idempotent, respond
from ._errors import ApiError, JSONObject, not_found
from ._idempotency import ACTION_HEADER
from ._pagination import page_page
from ._resources import Backup
from ._routes_actions import action_body
from ._validation import Fields, json_body, path_uuid, query_int

routes = web.RouteTableDef()

RETENTION_TYPES = ("daily", "weekly", "monthly", "yearly", "permanent")

Handler = Callable[[web.Request], Awaitable[web.Response]]


def _backup_route(handler: Handler) -> Handler:
    """Answer the route's 404s with a plain-string ``detail`` where the dialect does."""

    @wraps(handler)
    async def wrapper(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except ApiError as error:
            if error.status != 404 or not context(request).state.rules.plain_backup_errors:
                raise
            raise ApiError(404, error.code, error.message, plain_detail=True) from None

    return wrapper


def _not_completed() -> ApiError:
    return ApiError(
        400, "backup_not_completed", "Backup is not in COMPLETED status", plain_detail=True
    )


@routes.get("/environments/{env_id}/backups")
@_backup_route
async def list_backups(request: web.Request) -> web.Response:
    """#22: an environment's backups, newest first, page/page_size (filters `status`, `backup_type`)."""
    state = context(request).state
    env = state.get_environment_or_deleted(api_key(request), path_uuid(request, "env_id"))
    now, rules = state.now(), state.rules
    wanted_status = request.query.get("status")
    wanted_type = request.query.get("backup_type")
    items = [
        b
        for b in reversed(state.backups.values())
        if b.environment_id == env.id
        and backup_visible(state, b)
        and (wanted_status is None or b.status_at(now, rules) == wanted_status)
        and (wanted_type is None or b.backup_type == wanted_type)
    ]
    page, envelope = page_page(items, request.query, pages_field=rules.backup_pages_field)
    return respond({"items": [b.to_json(state.clock, now, rules) for b in page], **envelope})


@routes.post("/environments/{env_id}/backups")
@_backup_route
async def create_backup(request: web.Request) -> web.Response:
    """#23: start a manual backup; 201 `pending`; 409 if one is already running."""
    state = context(request).state
    env = state.get_environment(api_key(request), path_uuid(request, "env_id"))
    fields = Fields(await json_body(request, required=False))
    fields.str_("backup_type", choices=("manual",))
    include_filestore = fields.bool_("include_filestore")
    retention = fields.str_("retention_type", choices=RETENTION_TYPES) or "permanent"
    storage = fields.uuid_("storage_config_id")
    notes = fields.str_("notes", max_len=500)
    fields.check()
    if storage is not None and storage not in state.storage_configs:
        raise not_found("Storage configuration")
    now = state.now()
    running = [
        b for b in state.backups.values() if b.environment_id == env.id and b.task.is_active(now)
    ]
    if running:
        raise ApiError(
            409,
            "backup_in_progress",
            "A backup of this environment is already running.",
            extra={"backup_id": running[0].id},
        )
    task = state.create_task(env, "backup", idempotency_key=None)
    backup = Backup(
        id=state.new_id(),
        environment_id=env.id,
        task=task,
        created_at=now,
        snapshot=environment_snapshot(state, env),
        backup_type="manual",
        retention_type=retention,
        include_filestore=include_filestore is not False,
        notes=notes,
        storage_config_id=storage,
    )
    task.backup_id = backup.id
    state.backups[backup.id] = backup
    return respond(backup.to_json(state.clock, now, state.rules), 201)


@routes.get("/backups/{backup_id}")
@_backup_route
async def get_backup(request: web.Request) -> web.Response:
    """#24: one backup, with `environment_snapshot`."""
    state = context(request).state
    backup = find_backup(state, api_key(request), path_uuid(request, "backup_id"))
    return respond(backup.to_json(state.clock, state.now(), state.rules, detailed=True))


@routes.get("/backups/{backup_id}/download")
@_backup_route
async def download_backup(request: web.Request) -> web.Response:
    """#25: presigned URLs (`expires_in` 300..3600); completed backups only."""
    state = context(request).state
    backup = find_backup(state, api_key(request), path_uuid(request, "backup_id"))
    expires_in = query_int(request.query, "expires_in", 300, ge=300, le=3600)
    if backup.status_at(state.now(), state.rules) != "completed":
        raise _not_completed()
    base = f"https://storage.example.invalid/backups/{backup.id}"
    signature = f"?X-Amz-Expires={expires_in}&X-Amz-Signature=fake"
    return respond(
        {
            "backup_id": backup.id,
            "database_url": f"{base}/database.dump{signature}",
            "filestore_url": f"{base}/filestore.tar.gz{signature}"
            if backup.include_filestore
            else None,
            "manifest_url": f"{base}/manifest.json{signature}",
            "expires_in": expires_in,
            "expires_at": isoformat(state.clock.wall() + timedelta(seconds=expires_in)),
        }
    )


@routes.post("/backups/{backup_id}/restore")
@_backup_route
async def restore_backup(request: web.Request) -> web.Response:
    """#26: restore into the backup's environment (`X-Confirm-Restore: true`); 202 + task.

    In the live dialect a `pre_restore` safety backup is taken first (listed at once).
    """
    state = context(request).state
    key = api_key(request)
    backup_id = path_uuid(request, "backup_id")
    if request.headers.get("X-Confirm-Restore", "").lower() != "true":
        raise ApiError(
            400,
            "confirmation_required",
            "Restoring overwrites the environment; send X-Confirm-Restore: true.",
        )

    def produce(seen_key: str | None) -> tuple[int, JSONObject]:
        backup = find_backup(state, key, backup_id)
        if backup.status_at(state.now(), state.rules) != "completed":
            raise _not_completed()
        env = state.get_environment(key, backup.environment_id)
        task = state.start_action(env, "restore", idempotency_key=seen_key, backup_id=backup.id)
        if state.rules.safety_backup_on_restore:
            take_safety_backup(state, env, task)
        return 202, {**action_body(task), "backup_id": backup.id}

    return idempotent(request, ACTION_HEADER, produce)
