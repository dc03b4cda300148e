"""``client.projects``: list, read, create, update and delete projects."""

from __future__ import annotations

from .._config import Timeouts
from .._models import GitProvider, Project
from .._pagination import AsyncPaginator
from .._validation import (
    ProjectRef,
    ServerRef,
    check_branch,
    check_choice,
    check_confirm,
    check_odoo_version,
    check_project_id,
    check_server_id,
    check_text,
)
from ._base import Resource, same_id

__all__ = ["Projects"]


class Projects(Resource):
    """Projects: a Git repository each, deployed as environments."""

    def list(
        self,
        *,
        limit: int = 20,
        cursor: str | None = None,
        max_items: int | None = None,
        timeout: float | Timeouts | None = None,
    ) -> AsyncPaginator[Project]:
        """Every project the key can see (a project-scoped key sees its own only).

        No request is sent until the result is awaited (first page) or iterated.

        Args:
            limit: Page size, 1..100.
            cursor: Start from a saved ``page.next_cursor`` instead of the first page.
            max_items: Stop after this many items.
            timeout: Request timeout for each page.
        """
        return self._cursor_list(
            "/projects",
            Project,
            route="/projects",
            limit=limit,
            cursor=cursor,
            max_items=max_items,
            timeout=timeout,
        )

    async def get(
        self, project_id: ProjectRef, *, timeout: float | Timeouts | None = None
    ) -> Project:
        """Fetch one project.

        Raises:
            NotFoundError: no such project visible to the key.
        """
        path = f"/projects/{check_project_id(project_id)}"
        response = await self._send("GET", path, route="/projects/{project_id}", timeout=timeout)
        return same_id(self._parse(response, Project), response)

    async def create(
        self,
        name: str,
        *,
        server_id: ServerRef,
        default_branch: str | None = None,
        odoo_version: str | None = None,
        idempotency_key: str | None = None,
        timeout: float | Timeouts | None = None,
    ) -> Project:
        """Create a project (no environment is created). Needs an org-scoped full-access key.

        Args:
            name: 1..255 characters.
            server_id: The server its environments will run on.
            default_branch: The default branch (the API's default: ``main``).
            odoo_version: Such as ``"17.0"``.
            idempotency_key: Sent as ``X-Idempotency-Key``; one is generated otherwise, and
                retries of this call reuse it, so a retried create never makes two projects.
            timeout: Request timeout for this call.

        Raises:
            PermissionDeniedError: a read-only or project-scoped key.
        """
        body: dict[str, object] = {
            "name": check_text(name, "name", max_len=255),
            "server_id": check_server_id(server_id),
        }
        if default_branch is not None:
            body["default_branch"] = check_branch(default_branch, "default_branch")
        if odoo_version is not None:
            body["odoo_version"] = check_odoo_version(odoo_version)
        return await self._create(
            "/projects",
            body,
            Project,
            route="/projects",
            idempotency_key=idempotency_key,
            timeout=timeout,
        )

    async def update(
        self,
        project_id: ProjectRef,
        *,
        name: str | None = None,
        default_branch: str | None = None,
        odoo_version: str | None = None,
        git_repo_url: str | None = None,
        git_provider: GitProvider | str | None = None,
        timeout: float | Timeouts | None = None,
    ) -> Project:
        """Change some of a project's settings (running environments are not redeployed).

        Args:
            project_id: The project.
            name: 1..255 characters.
            default_branch: The default branch.
            odoo_version: Such as ``"17.0"``.
            git_repo_url: The repository URL (at most 2048 characters).
            git_provider: ``github``, ``gitlab`` or ``bitbucket`` (only needed for a self-hosted
                GitLab whose host name lacks "gitlab").
            timeout: Request timeout for this call.

        Raises:
            ValueError: nothing to change, or a value breaks the API's rules.
        """
        path = f"/projects/{check_project_id(project_id)}"
        body: dict[str, object] = {}
        if name is not None:
            body["name"] = check_text(name, "name", max_len=255)
        if default_branch is not None:
            body["default_branch"] = check_branch(default_branch, "default_branch")
        if odoo_version is not None:
            body["odoo_version"] = check_odoo_version(odoo_version)
        if git_repo_url is not None:
            body["git_repo_url"] = check_text(git_repo_url, "git_repo_url", max_len=2048)
        if git_provider is not None:
            body["git_provider"] = check_choice(git_provider, "git_provider", GitProvider)
        if not body:
            raise ValueError(
                "nothing to update: pass at least one of name, default_branch, odoo_version, "
                "git_repo_url, git_provider"
            )
        response = await self._send(
            "PATCH", path, route="/projects/{project_id}", json=body, timeout=timeout
        )
        return self._parse(response, Project)

    async def delete(
        self,
        project_id: ProjectRef,
        *,
        confirm: bool = False,
        timeout: float | Timeouts | None = None,
    ) -> None:
        """Delete a project. Needs ``confirm=True`` and an org-scoped full-access key.

        The API refuses while any environment of the project is running, deploying or pending.

        Args:
            project_id: The project.
            confirm: Must be ``True``; sent as ``X-Confirm-Delete: true``.
            timeout: Request timeout for this call.

        Raises:
            ValueError: ``confirm`` is not ``True`` (nothing is sent).
            ConflictError: the project still has active environments.
        """
        path = f"/projects/{check_project_id(project_id)}"
        check_confirm(confirm, f"deleting project {project_id}")
        await self._send(
            "DELETE",
            path,
            route="/projects/{project_id}",
            headers={"X-Confirm-Delete": "true"},
            timeout=timeout,
        )
