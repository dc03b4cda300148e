"""Read routes for environments and their tasks (index #6, #8, #11, #17, #18, #19)."""

from __future__ import annotations

from aiohttp import web

from ._context import api_key, context, respond
from ._errors import not_found
from ._pagination import cursor_page
from ._tasks import TaskRecord
from ._validation import path_uuid, query_int, query_uuid

routes = web.RouteTableDef()


@routes.get("/projects/{project_id}/environments")
async def list_project_environments(request: web.Request) -> web.Response:
    """#6: a project's environments, oldest first, as a plain array (`?status=` filter)."""
    ctx = context(request)
    project = ctx.state.get_project(api_key(request), path_uuid(request, "project_id"))
    now = ctx.state.now()
    wanted = request.query.get("status", "").strip().lower()
    envs = [
        env.to_json(ctx.state.clock, now)
        for env in ctx.state.live_environments(project.id)
        if not wanted or env.status_at(now) == wanted
    ]
    return respond(envs)


@routes.get("/environments/{env_id}")
async def get_environment(request: web.Request) -> web.Response:
    """#8: one environment."""
    ctx = context(request)
    env = ctx.state.get_environment(api_key(request), path_uuid(request, "env_id"))
    return respond(env.to_json(ctx.state.clock, ctx.state.now()))


@routes.get("/environments/{env_id}/status")
async def get_environment_status(request: web.Request) -> web.Response:
    """#11: health and the latest task."""
    ctx = context(request)
    env = ctx.state.get_environment(api_key(request), path_uuid(request, "env_id"))
    now = ctx.state.now()
    status = env.status_at(now)
    container_running, db_ready, http_ok = env.health_at(now)
    last = env.tasks[-1] if env.tasks else None
    last_deploy = None
    if last is not None:
        task = last.to_json(ctx.state.clock, now)
        last_deploy = {k: task[k] for k in ("id", "type", "status", "started_at", "completed_at")}
    return respond(
        {
            "environment_id": env.id,
            "status": status,
            "url": env.url,
            "container_running": container_running,
            "db_ready": db_ready,
            "http_ok": http_ok,
            "last_deploy": last_deploy,
        }
    )


@routes.get("/deployments/{task_id}")
async def get_task(request: web.Request) -> web.Response:
    """#17: one task (the `poll_url` target), of any type."""
    ctx = context(request)
    task = ctx.state.get_task(api_key(request), path_uuid(request, "task_id"))
    return respond(task.to_json(ctx.state.clock, ctx.state.now()))


@routes.get("/environments/{env_id}/deployments")
async def list_deployments(request: web.Request) -> web.Response:
    """#18: an environment's action tasks, newest first, cursor-paged."""
    ctx = context(request)
    env = ctx.state.get_environment(api_key(request), path_uuid(request, "env_id"))
    newest_first = env.tasks[::-1]
    page, pagination = cursor_page(newest_first, _task_id, request.query)
    now = ctx.state.now()
    return respond(
        {
            "data": [task.to_json(ctx.state.clock, now) for task in page],
            "pagination": pagination,
        }
    )


@routes.get("/environments/{env_id}/logs")
async def get_task_log(request: web.Request) -> web.Response:
    """#19: the step log of the latest task, or of `task_id`."""
    ctx = context(request)
    env = ctx.state.get_environment(api_key(request), path_uuid(request, "env_id"))
    lines = query_int(request.query, "lines", 200, ge=1, le=1000)
    task: TaskRecord | None = env.tasks[-1] if env.tasks else None
    task_id = query_uuid(request.query, "task_id")
    if task_id is not None:
        task = next((t for t in env.tasks if t.id == task_id), None)
        if task is None:
            raise not_found("Task")
    if task is None:
        return respond({"task_id": None, "log": "", "lines": 0, "truncated": False})
    log = task.log_at(ctx.state.now())
    tail = log[-lines:]
    return respond(
        {
            "task_id": task.id,
            "log": "\n".join(tail),
            "lines": len(tail),
            "truncated": len(log) > len(tail),
        }
    )


def _task_id(task: TaskRecord) -> str:
    return task.id
