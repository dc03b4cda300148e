"""Live reads with their own per-target limit: runtime logs and metrics (index #20, #21, #37)."""

from __future__ import annotations

from aiohttp import web

from ._clock import isoformat
from ._context import Context, api_key, context, respond
from ._errors import ApiError, not_found
from ._validation import path_uuid, query_choice, query_int

routes = web.RouteTableDef()

_AVAILABLE_LINES = 500
_NOT_SERVING = frozenset({"stopped", "paused", "error", "failed"})


def limit_target(ctx: Context, target: str) -> None:
    """Count a call against the 6-per-window limit of one environment or server."""
    if not ctx.limits.enabled:
        return
    decision = ctx.target_limiter.hit(target, ctx.state.now())
    if decision.allowed:
        return
    retry_after = decision.retry_after
    raise ApiError(
        429,
        "target_rate_limit",
        f"At most {decision.limit} calls per {ctx.limits.target_window:g} seconds for this target.",
        extra={"retry_after": retry_after},
        headers={"Retry-After": str(retry_after)} if ctx.limits.send_429_headers else {},
    )


@routes.get("/environments/{env_id}/runtime-logs")
async def runtime_logs(request: web.Request) -> web.Response:
    """#20: newest lines of the live container log (404 when the environment is not serving)."""
    ctx = context(request)
    env = ctx.state.get_environment(api_key(request), path_uuid(request, "env_id"))
    source = query_choice(request.query, "source", "odoo", ("odoo", "container", "postgres"))
    lines = query_int(request.query, "lines", 200, ge=1, le=1000)
    status = env.status_at(ctx.state.now())
    if status in _NOT_SERVING:
        raise ApiError(404, "environment_not_running", f"Environment is {status}; no live log.")
    limit_target(ctx, f"runtime-logs:{env.id}")
    count = min(lines, _AVAILABLE_LINES)
    stamp = isoformat(ctx.state.clock.wall())
    log = "\n".join(
        f"{stamp} INFO {env.name} {source}: request {index} GET /web 200"
        for index in range(_AVAILABLE_LINES - count, _AVAILABLE_LINES)
    )
    return respond(
        {
            "environment_id": env.id,
            "source": source,
            "lines": count,
            "truncated": count < _AVAILABLE_LINES,
            "log": log,
            "fetched_at": stamp,
        }
    )


@routes.get("/environments/{env_id}/metrics")
async def environment_metrics(request: web.Request) -> web.Response:
    """#21: live environment metrics (`odoo`/`postgres` null unless running)."""
    ctx = context(request)
    env = ctx.state.get_environment(api_key(request), path_uuid(request, "env_id"))
    limit_target(ctx, f"metrics:{env.id}")
    status = env.status_at(ctx.state.now())
    limit = env.ram_mb * 2**20

    def container(cpu: float, share: float) -> dict[str, object] | None:
        if status != "running":
            return None
        used = int(limit * share)
        return {
            "status": "running",
            "cpu_percent": cpu,
            "memory_used_bytes": used,
            "memory_limit_bytes": limit,
            "memory_percent": round(100 * share, 1),
        }

    return respond(
        {
            "environment_id": env.id,
            "status": status,
            "odoo": container(3.5, 0.42),
            "postgres": container(1.2, 0.18),
            "disk": {
                "allocated_gb": env.disk_gb,
                "database_bytes": 432_198_144,
                "filestore_bytes": 211_345_920,
                "addons_bytes": 52_428_800,
                "measured_at": isoformat(ctx.state.clock.wall()),
            },
            "queried_at": isoformat(ctx.state.clock.wall()),
        }
    )


@routes.get("/servers/{server_id}/metrics")
async def server_metrics(request: web.Request) -> web.Response:
    """#37: live server metrics (404 for project-scoped keys)."""
    ctx = context(request)
    server = ctx.state.servers.get(path_uuid(request, "server_id"))
    if server is None or api_key(request).project_id is not None:
        raise not_found("Server")
    limit_target(ctx, f"server-metrics:{server.id}")
    running = sum(
        1
        for env in ctx.state.live_environments()
        if env.server_id == server.id and env.status_at(ctx.state.now()) == "running"
    )
    memory_total = server.ram_mb * 2**20
    disk_total = server.disk_gb * 2**30
    return respond(
        {
            "server_id": server.id,
            "status": "healthy",
            "cpu_percent": 12.5,
            "memory_percent": 40.0,
            "memory_used_bytes": int(memory_total * 0.4),
            "memory_total_bytes": memory_total,
            "disk_percent": 35.0,
            "disk_used_bytes": int(disk_total * 0.35),
            "disk_total_bytes": disk_total,
            "network_rx_bytes_per_second": 125_000,
            "network_tx_bytes_per_second": 98_000,
            "container_count": 2 * running,
            "containers_running": 2 * running,
            "queried_at": isoformat(ctx.state.clock.wall()),
        }
    )
