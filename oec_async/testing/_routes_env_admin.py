"""Environment create and update (index #7, #9)."""

from __future__ import annotations

from aiohttp import web

from ._context import api_key, context, idempotent, respond
from ._errors import JSONObject, not_found
from ._idempotency import CREATE_HEADER
from ._records import Environment
from ._validation import Fields, json_body, path_uuid

routes = web.RouteTableDef()

ENVIRONMENT_TYPES = ("development", "staging", "production")


def _sizes(fields: Fields) -> tuple[float | None, float | None, float | None]:
    return (
        fields.number("cpu_cores", ge=0.25, le=32),
        fields.number("ram_mb", ge=256, le=131072, integer=True),
        fields.number("disk_gb", ge=1, le=1000, integer=True),
    )


@routes.post("/projects/{project_id}/environments")
async def create_environment(request: web.Request) -> web.Response:
    """#7: create an environment (status `deploying`) and queue its first deploy; 201."""
    ctx = context(request)
    state = ctx.state
    key = api_key(request)
    project_id = path_uuid(request, "project_id")
    body = await json_body(request)

    def produce(seen_key: str | None) -> tuple[int, JSONObject]:
        project = state.get_project(key, project_id)
        fields = Fields(body)
        name = fields.str_("name", required=True, min_len=1)
        env_type = fields.str_("environment_type", choices=ENVIRONMENT_TYPES) or "development"
        branch = fields.str_("branch", min_len=1)
        vm_id = fields.uuid_("vm_id")
        domain = fields.str_("domain", max_len=253, pattern=state.rules.host_name)
        cpu, ram, disk = _sizes(fields)
        fields.str_("postgres_version", max_len=10)
        for flag in ("enable_pgtune", "enable_pgbouncer", "enable_read_replica", "with_demo_data"):
            fields.bool_(flag)
        fields.check()
        server_id = vm_id or project.server_id
        if vm_id is not None and vm_id not in state.servers:
            raise not_found("Server")
        now = state.now()
        env = Environment(
            id=state.new_id(),
            name=name or "",
            project_id=project.id,
            server_id=server_id,
            created_at=now,
            updated_at=now,
            base_status="pending",
            environment_type=env_type,
            odoo_version=project.odoo_version or "17.0",
            branch=branch or project.default_branch or "main",
            custom_domain=domain,
            cpu_cores=cpu or 1.0,
            ram_mb=int(ram or 2048),
            disk_gb=int(disk or 10),
            last_commit=state.new_secret("", 7).lower(),
            failed_status=state.rules.failed_environment_status,
        )
        state.environments[env.id] = env
        state.note_created(seen_key, env.id)
        state.create_task(env, "deploy", idempotency_key=None)
        ctx.emit(
            "environment.created",
            {"environment_id": env.id, "name": env.name, "project_id": project.id},
            project.id,
        )
        return 201, env.to_json(state.clock, now)

    return idempotent(request, CREATE_HEADER, produce)


@routes.patch("/environments/{env_id}")
async def update_environment(request: web.Request) -> web.Response:
    """#9: update name, branch, domain (``""`` removes it), cpu_cores, ram_mb, disk_gb."""
    state = context(request).state
    env = state.get_environment(api_key(request), path_uuid(request, "env_id"))
    body = await json_body(request)
    fields = Fields(body)
    name = fields.str_("name", min_len=1)
    branch = fields.str_("branch", min_len=1)
    domain = (
        ""
        if body.get("domain") == ""
        else fields.str_("domain", max_len=253, pattern=state.rules.host_name)
    )
    cpu, ram, disk = _sizes(fields)
    fields.check()
    env.name = name or env.name
    env.branch = branch or env.branch
    if domain is not None:
        env.custom_domain = domain or None
    env.cpu_cores = cpu if cpu is not None else env.cpu_cores
    env.ram_mb = int(ram) if ram is not None else env.ram_mb
    env.disk_gb = int(disk) if disk is not None else env.disk_gb
    env.updated_at = state.now()
    return respond(env.to_json(state.clock, state.now()))
