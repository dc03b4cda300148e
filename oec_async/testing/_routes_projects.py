"""Project routes (index #1-#5)."""

from __future__ import annotations

import re

from aiohttp import web

from ._context import api_key, context, idempotent, respond
from ._errors import ApiError, JSONObject, not_found
from ._idempotency import CREATE_HEADER
from ._pagination import cursor_page
from ._records import ApiKeyRecord, Project
from ._validation import Fields, json_body, path_uuid

routes = web.RouteTableDef()

ODOO_VERSION = re.compile(r"^\d{1,2}\.\d$")
GIT_PROVIDERS = ("github", "gitlab", "bitbucket")
_BUSY = frozenset({"running", "deploying", "pending", "destroying"})


def require_org_scope(key: ApiKeyRecord) -> None:
    """Raise 403 `org_scope_required` for a project-scoped key."""
    if key.project_id is not None:
        raise ApiError(
            403, "org_scope_required", "This operation needs an organisation-scoped key."
        )


def _project_json(request: web.Request, project: Project) -> JSONObject:
    state = context(request).state
    return project.to_json(state.clock, len(state.live_environments(project.id)))


@routes.get("/projects")
async def list_projects(request: web.Request) -> web.Response:
    """#1: projects visible to the key, cursor-paged."""
    state = context(request).state
    key = api_key(request)
    visible = [p for p in state.projects.values() if not p.deleted and state.sees(key, p.id)]
    page, pagination = cursor_page(visible, lambda p: p.id, request.query)
    return respond({"data": [_project_json(request, p) for p in page], "pagination": pagination})


@routes.post("/projects")
async def create_project(request: web.Request) -> web.Response:
    """#2: create a project (org-scoped full-access key; `X-Idempotency-Key`)."""
    state = context(request).state
    key = api_key(request)
    body = await json_body(request)

    def produce(seen_key: str | None) -> tuple[int, JSONObject]:
        require_org_scope(key)
        fields = Fields(body)
        name = fields.str_("name", required=True, min_len=1)
        server_id = fields.uuid_("server_id", required=True)
        branch = fields.str_("default_branch", min_len=1) or "main"
        version = fields.str_("odoo_version", pattern=ODOO_VERSION) or "17.0"
        repo = fields.str_("git_repo_url", max_len=2048)
        fields.check()
        if server_id not in state.servers:
            raise not_found("Server")
        project = Project(
            id=state.new_id(),
            name=name or "",
            server_id=server_id,
            created_at=state.now(),
            default_branch=branch,
            odoo_version=version,
            git_repo_url=repo,
        )
        state.projects[project.id] = project
        state.note_created(seen_key, project.id)
        return 201, _project_json(request, project)

    return idempotent(request, CREATE_HEADER, produce)


@routes.get("/projects/{project_id}")
async def get_project(request: web.Request) -> web.Response:
    """#3: one project."""
    project = context(request).state.get_project(api_key(request), path_uuid(request, "project_id"))
    return respond(_project_json(request, project))


@routes.patch("/projects/{project_id}")
async def update_project(request: web.Request) -> web.Response:
    """#4: update name, default_branch, odoo_version, git_repo_url, git_provider."""
    project = context(request).state.get_project(api_key(request), path_uuid(request, "project_id"))
    fields = Fields(await json_body(request))
    name = fields.str_("name", min_len=1)
    branch = fields.str_("default_branch", min_len=1)
    version = fields.str_("odoo_version", pattern=ODOO_VERSION)
    repo = fields.str_("git_repo_url", max_len=2048)
    provider = fields.str_("git_provider", choices=GIT_PROVIDERS)
    fields.check()
    project.name = name or project.name
    project.default_branch = branch or project.default_branch
    project.odoo_version = version or project.odoo_version
    project.git_repo_url = repo or project.git_repo_url
    project.git_provider = provider or project.git_provider
    return respond(_project_json(request, project))


@routes.delete("/projects/{project_id}")
async def delete_project(request: web.Request) -> web.Response:
    """#5: delete (org-scoped key, `X-Confirm-Delete: true`, no busy environments); 204."""
    state = context(request).state
    key = api_key(request)
    project = state.get_project(key, path_uuid(request, "project_id"))
    require_org_scope(key)
    if request.headers.get("X-Confirm-Delete", "").lower() != "true":
        raise ApiError(
            400,
            "confirmation_required",
            "Deleting a project needs the header X-Confirm-Delete: true.",
        )
    now = state.now()
    envs = state.live_environments(project.id)
    busy = [env.id for env in envs if env.status_at(now) in _BUSY]
    if busy:
        raise ApiError(
            409,
            "project_has_active_environments",
            f"{len(busy)} environment(s) of this project are running, deploying or "
            "pending; stop or delete them first.",
            extra={"environment_ids": busy},
        )
    for env in envs:
        env.settle(now)
        env.base_status = "deleted"
    project.deleted = True
    return web.Response(status=204)
