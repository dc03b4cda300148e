"""Servers, organisation and API keys (index #35, #36, #38-#41)."""

from __future__ import annotations

from aiohttp import web

from ._context import api_key, context, respond
from ._errors import not_found
from ._pagination import cursor_page
from ._records import Server
from ._routes_projects import require_org_scope
from ._state import FakeState
from ._validation import path_uuid

routes = web.RouteTableDef()


def _server_json(state: FakeState, server: Server) -> dict[str, object]:
    count = sum(1 for env in state.live_environments() if env.server_id == server.id)
    return server.to_json(state.clock, count)


@routes.get("/servers")
async def list_servers(request: web.Request) -> web.Response:
    """#35: servers, cursor-paged (a project-scoped key sees its project's server)."""
    state = context(request).state
    key = api_key(request)
    allowed = None
    if key.project_id is not None:
        project = state.projects.get(key.project_id)
        allowed = {project.server_id} if project is not None else set()
    servers = [s for s in state.servers.values() if allowed is None or s.id in allowed]
    page, pagination = cursor_page(servers, lambda s: s.id, request.query)
    return respond({"data": [_server_json(state, s) for s in page], "pagination": pagination})


@routes.get("/servers/{server_id}")
async def get_server(request: web.Request) -> web.Response:
    """#36: one server (404 for project-scoped keys)."""
    state = context(request).state
    server = state.servers.get(path_uuid(request, "server_id"))
    if server is None or api_key(request).project_id is not None:
        raise not_found("Server")
    return respond(_server_json(state, server))


@routes.get("/org")
async def get_org(request: web.Request) -> web.Response:
    """#38: the organisation, plan and limits."""
    return respond(context(request).state.org)


@routes.get("/org/usage")
async def get_usage(request: web.Request) -> web.Response:
    """#39: current usage (running environments and their resources)."""
    state = context(request).state
    now = state.now()
    running = [env for env in state.live_environments() if env.status_at(now) == "running"]
    return respond(
        {
            "environments_running": len(running),
            "cpu_used": sum(env.cpu_cores for env in running),
            "ram_mb_used": sum(env.ram_mb for env in running),
            "disk_gb_used": sum(env.disk_gb for env in state.live_environments()),
        }
    )


@routes.get("/org/api-keys")
async def list_api_keys(request: web.Request) -> web.Response:
    """#40: active API keys as a plain array (never the secrets)."""
    state = context(request).state
    return respond([k.to_json(state.clock) for k in state.keys.values() if not k.revoked])


@routes.delete("/org/api-keys/{key_id}")
async def revoke_api_key(request: web.Request) -> web.Response:
    """#41: revoke a key at once (org-scoped full-access key); 204."""
    state = context(request).state
    require_org_scope(api_key(request))
    key_id = path_uuid(request, "key_id")
    record = next((k for k in state.keys.values() if k.id == key_id and not k.revoked), None)
    if record is None:
        raise not_found("API key")
    record.revoked = True
    return web.Response(status=204)
