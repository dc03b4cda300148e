"""``oec deployments list|get|wait``."""

from __future__ import annotations

from uuid import UUID

import click

from .._client import Client
from .._models import Deployment
from ._exit import ExitCode
from ._output import Output
from ._render import DEPLOYMENT_HEADERS, as_json, deployment_fields, deployment_row
from ._run import run_command, show_object
from ._settings import Settings, global_options, pass_settings
from ._task_view import TaskView

__all__ = ["deployments", "follow_task"]

MAX_PAGE_SIZE = 100


@click.group()
@global_options
def deployments() -> None:
    """Read tasks (deployments, restarts, starts, stops) and wait for them."""


@deployments.command("list")
@click.argument("environment_id", metavar="ENV", type=click.UUID)
@click.option(
    "--limit",
    metavar="N",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Show at most this many tasks, newest first.",
)
@click.option("--all", "everything", is_flag=True, help="Show every task (follows every page).")
@global_options
@pass_settings
def list_deployments(
    settings: Settings, environment_id: UUID, limit: int, everything: bool
) -> None:
    """List an environment's tasks, newest first."""
    out = settings.output()

    async def main() -> int:
        rows: list[Deployment] = []
        more = False
        total: int | None = None
        size = MAX_PAGE_SIZE if everything else min(limit, MAX_PAGE_SIZE)
        async with settings.client() as client:
            async for page in client.deployments.list(environment_id, limit=size).pages():
                shown = page.items if everything else page.items[: limit - len(rows)]
                rows.extend(shown)
                if out.json_mode:
                    for deployment in shown:
                        out.json(as_json(deployment))
                if not everything and len(rows) == limit:
                    more = len(shown) < len(page.items) or page.pagination.has_more
                    total = page.pagination.total
                    break
        if not out.json_mode:
            out.table(DEPLOYMENT_HEADERS, [deployment_row(d) for d in rows], status_column=2)
            if more:
                of = f" of {total}" if total is not None else ""
                out.message(f"showing the newest {len(rows)}{of}; use --limit N or --all for more")
        return ExitCode.OK

    run_command(settings, out, main)


@deployments.command("get")
@click.argument("task_id", metavar="TASK", type=click.UUID)
@global_options
@pass_settings
def get_deployment(settings: Settings, task_id: UUID) -> None:
    """Show one task."""
    show_object(settings, lambda client: client.deployments.get(task_id), deployment_fields)


async def follow_task(
    client: Client, out: Output, task_id: UUID, *, label: str, timeout: float | None
) -> Deployment:
    """Show a task's progress until it ends; returns the final Deployment.

    Raises:
        WaitTimeoutError: ``timeout`` seconds passed first.
    """
    final: Deployment | None = None
    with TaskView(out, label) as view:
        async for deployment in client.deployments.watch(task_id, timeout=timeout):
            final = deployment
            view.update(deployment)
        if final is None:  # pragma: no cover - the watcher always yields the terminal one
            raise RuntimeError("the task watch ended without a terminal state")
        view.finish(final)
    return final


@deployments.command("wait")
@click.argument("task_id", metavar="TASK", type=click.UUID)
@click.option(
    "--timeout",
    metavar="SECONDS",
    type=click.FloatRange(min=0, min_open=True),
    default=600.0,
    show_default=True,
    help="Give up (exit code 4) after this many seconds.",
)
@global_options
@pass_settings
def wait_deployment(settings: Settings, task_id: UUID, timeout: float) -> None:
    """Wait for a task to end, showing its progress. Exit code 1 if it failed."""
    out = settings.output()

    async def main() -> int:
        async with settings.client() as client:
            final = await follow_task(
                client, out, task_id, label=f"task {task_id}", timeout=timeout
            )
        return ExitCode.OK if final.succeeded else ExitCode.FAILED

    def interrupted() -> None:
        out.message(f"interrupted: stopped waiting; task {task_id} goes on on the server")

    run_command(settings, out, main, on_interrupt=interrupted)
