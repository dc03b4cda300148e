"""``oec environments list|get|status``."""

from __future__ import annotations

from uuid import UUID

import click

from ._exit import ExitCode
from ._render import (
    ENVIRONMENT_HEADERS,
    as_json,
    environment_fields,
    environment_row,
    status_fields,
)
from ._run import run_command, show_object
from ._settings import Settings, global_options, pass_settings

__all__ = ["environments"]


@click.group()
@global_options
def environments() -> None:
    """Read environments."""


@environments.command("list")
@click.option("--project", "project_id", required=True, type=click.UUID, help="The project id.")
@click.option("--status", metavar="STATUS", help="Only this status, e.g. running or stopped.")
@global_options
@pass_settings
def list_environments(settings: Settings, project_id: UUID, status: str | None) -> None:
    """List a project's environments (oldest first)."""
    out = settings.output()

    async def main() -> int:
        async with settings.client() as client:
            page = await client.environments.list(project_id, status=status)
        if out.json_mode:
            for env in page:
                out.json(as_json(env))
        else:
            out.table(ENVIRONMENT_HEADERS, [environment_row(env) for env in page], status_column=2)
        return ExitCode.OK

    run_command(settings, out, main)


@environments.command("get")
@click.argument("environment_id", metavar="ENV", type=click.UUID)
@global_options
@pass_settings
def get_environment(settings: Settings, environment_id: UUID) -> None:
    """Show one environment."""
    show_object(
        settings, lambda client: client.environments.get(environment_id), environment_fields
    )


@environments.command("status")
@click.argument("environment_id", metavar="ENV", type=click.UUID)
@global_options
@pass_settings
def environment_status(settings: Settings, environment_id: UUID) -> None:
    """Show an environment's health and its last deploy."""
    show_object(settings, lambda client: client.environments.status(environment_id), status_fields)
