"""Backup routes (index #22-#26)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from ._clock import isoformat
from ._context import api_key, context, idempotent, respond
from ._errors import ApiError, JSONObject, not_found
from ._idempotency import ACTION_HEADER
from ._pagination import page_page
from ._records import ApiKeyRecord
from ._resources import Backup
from ._routes_actions import action_body
from ._seed import environment_snapshot
from ._state import FakeState
from ._validation import Fields, json_body, path_uuid, query_int

routes = web.RouteTableDef()

RETENTION_TYPES = ("daily", "weekly", "monthly", "yearly", "permanent")


def _get_backup(state: FakeState, key: ApiKeyRecord, backup_id: str) -> Backup:
    backup = state.backups.get(backup_id)
    if backup is None:
        raise not_found("Backup")
    state.get_environment_or_deleted(key, backup.environment_id)  # visibility
    return backup


def _not_completed() -> ApiError:
    return ApiError(
        400, "backup_not_completed", "Backup is not in COMPLETED status", plain_detail=True
    )


@routes.get("/environments/{env_id}/backups")
async def list_backups(request: web.Request) -> web.Response:
    """#22: an environment's backups, newest first, page/page_size (filters `status`, `backup_type`)."""
    state = context(request).state
    env = state.get_environment_or_deleted(api_key(request), path_uuid(request, "env_id"))
    now = state.now()
    wanted_status = request.query.get("status")
    wanted_type = request.query.get("backup_type")
    items = [
        b
        for b in reversed(state.backups.values())
        if b.environment_id == env.id
        and (wanted_status is None or b.status_at(now) == wanted_status)
        and (wanted_type is None or b.backup_type == wanted_type)
    ]
    page, envelope = page_page(items, request.query)
    return respond({"items": [b.to_json(state.clock, now) for b in page], **envelope})


@routes.post("/environments/{env_id}/backups")
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
    if storage is not None:
        raise not_found("Storage configuration")
    now = state.now()
    running = [
        b
        for b in state.backups.values()
        if b.environment_id == env.id and b.status_at(now) in ("pending", "running")
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
    )
    task.backup_id = backup.id
    state.backups[backup.id] = backup
    return respond(backup.to_json(state.clock, now), 201)


@routes.get("/backups/{backup_id}")
async def get_backup(request: web.Request) -> web.Response:
    """#24: one backup, with `environment_snapshot`."""
    state = context(request).state
    backup = _get_backup(state, api_key(request), path_uuid(request, "backup_id"))
    return respond(backup.to_json(state.clock, state.now(), detailed=True))


@routes.get("/backups/{backup_id}/download")
async def download_backup(request: web.Request) -> web.Response:
    """#25: presigned URLs (`expires_in` 300..3600); completed backups only."""
    state = context(request).state
    backup = _get_backup(state, api_key(request), path_uuid(request, "backup_id"))
    expires_in = query_int(request.query, "expires_in", 300, ge=300, le=3600)
    if backup.status_at(state.now()) != "completed":
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
async def restore_backup(request: web.Request) -> web.Response:
    """#26: restore into the backup's environment (`X-Confirm-Restore: true`); 202 + task."""
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
        backup = _get_backup(state, key, backup_id)
        if backup.status_at(state.now()) != "completed":
            raise _not_completed()
        env = state.get_environment(key, backup.environment_id)
        task = state.start_action(env, "restore", idempotency_key=seen_key, backup_id=backup.id)
        return 202, {**action_body(task), "backup_id": backup.id}

    return idempotent(request, ACTION_HEADER, produce)
