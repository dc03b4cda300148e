"""Action routes (index #10, #12-#16): 202 + task, one active task per environment."""

from __future__ import annotations

from aiohttp import web

from ._context import api_key, context, idempotent, respond
from ._errors import ApiError, FieldError, JSONObject
from ._idempotency import ACTION_HEADER
from ._state import API_PREFIX
from ._tasks import TaskRecord
from ._validation import MODULE_NAME, Fields, json_body, path_uuid

routes = web.RouteTableDef()

QUICK_UPDATE_MODES = ("pull_restart", "update_all", "update_specific", "reinitialize_specific")


def action_body(task: TaskRecord) -> JSONObject:
    """Return the 202 action response for `task`."""
    return {
        "task_id": task.id,
        "status": "queued",
        "environment_id": task.environment_id,
        "poll_url": f"{API_PREFIX}/deployments/{task.id}",
    }


def _validate(action: str, body: JSONObject) -> None:
    fields = Fields(body)
    if action == "deploy":
        fields.str_list("update_modules", min_items=1, max_items=50, pattern=MODULE_NAME)
    elif action == "quick-update":
        mode = fields.str_("mode", required=True, choices=QUICK_UPDATE_MODES)
        needs_modules = mode in ("update_specific", "reinitialize_specific")
        modules = fields.str_list("modules", min_items=1, max_items=50, pattern=MODULE_NAME)
        if mode is not None and needs_modules and modules is None and not fields.has("modules"):
            fields.errors.append(_missing("modules", f"modules is required for mode {mode}"))
        elif mode is not None and not needs_modules and fields.has("modules"):
            fields.errors.append(_missing("modules", f"modules is not accepted for mode {mode}"))
    fields.check()


def _missing(name: str, msg: str) -> FieldError:
    return FieldError(("body", name), msg, "value_error")


async def _act(request: web.Request, action: str) -> web.Response:
    ctx = context(request)
    key = api_key(request)
    env_id = path_uuid(request, "env_id")
    body = await json_body(request, required=False) if action in ("deploy", "quick-update") else {}

    def produce(seen_key: str | None) -> tuple[int, JSONObject]:
        env = ctx.state.get_environment(key, env_id)
        _validate(action, body)
        task = ctx.state.start_action(env, action, idempotency_key=seen_key)
        return 202, action_body(task)

    return idempotent(request, ACTION_HEADER, produce)


@routes.post("/environments/{env_id}/deploy")
async def deploy(request: web.Request) -> web.Response:
    """#12: full redeploy (optional `update_modules`); allowed from running, failed or error."""
    return await _act(request, "deploy")


@routes.post("/environments/{env_id}/restart")
async def restart(request: web.Request) -> web.Response:
    """#13: restart."""
    return await _act(request, "restart")


@routes.post("/environments/{env_id}/start")
async def start(request: web.Request) -> web.Response:
    """#14: start a stopped environment (409 `environment_not_stopped` otherwise)."""
    return await _act(request, "start")


@routes.post("/environments/{env_id}/stop")
async def stop(request: web.Request) -> web.Response:
    """#15: stop (keeps data)."""
    return await _act(request, "stop")


@routes.post("/environments/{env_id}/quick-update")
async def quick_update(request: web.Request) -> web.Response:
    """#16: pull and restart / update modules (`mode`, `modules`); running environments only."""
    return await _act(request, "quick-update")


@routes.delete("/environments/{env_id}")
async def delete_environment(request: web.Request) -> web.Response:
    """#10: destroy (needs `X-Confirm-Delete: true`); 202 + a `destroy` task."""
    ctx = context(request)
    env = ctx.state.get_environment(api_key(request), path_uuid(request, "env_id"))
    if request.headers.get("X-Confirm-Delete", "").lower() != "true":
        raise ApiError(
            400,
            "confirmation_required",
            "Deleting an environment needs the header X-Confirm-Delete: true.",
        )
    task = ctx.state.start_action(env, "destroy", idempotency_key=None)
    return respond(action_body(task), 202)
