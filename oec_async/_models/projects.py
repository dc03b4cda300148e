"""Models of projects."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from attrs import frozen

from .._enums import _OpenStrEnum

__all__ = ["GitProvider", "Project"]


class GitProvider(_OpenStrEnum):
    """Where a project's repository is hosted."""

    GITHUB = "github"
    GITLAB = "gitlab"
    BITBUCKET = "bitbucket"


@frozen(kw_only=True)
class Project:
    """A project: one Git repository, deployed as environments on a server.

    Attributes:
        id: The project id.
        name: Its name.
        odoo_version: The Odoo version (``"17.0"``).
        git_repo_url: The repository URL.
        git_provider: Where the repository is hosted.
        default_branch: The branch new environments deploy by default.
        environment_count: Active environments.
        server_id: The server its environments run on.
        created_at: Creation time.
    """

    id: UUID
    name: str | None = None
    odoo_version: str | None = None
    git_repo_url: str | None = None
    git_provider: GitProvider | None = None
    default_branch: str | None = None
    environment_count: int | None = None
    server_id: UUID | None = None
    created_at: datetime | None = None
