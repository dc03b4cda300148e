"""``oec deploy|restart|start|stop ENV...`` and ``oec fleet deploy --project P``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, Final, TypeVar
from uuid import UUID

import anyio
import click

from .._client import Client
from .._exceptions import APIError
from .._models import Environment
from ..fleet import ConflictPolicy
from ..resources.environments import ACTIONS, Action
from ._exit import ExitCode
from ._fleet_report import exit_code_of, write_report
from ._fleet_view import FleetView
from ._no_wait import start_without_waiting
from ._output import Output
from ._rollouts import RolloutChoice, WaveLines, answer_pauses, choose, print_plan, rollout_options
from ._run import run_command
from ._settings import Settings, global_options, pass_settings
from ._started import StartedTasks

__all__ = ["action_commands", "fleet"]

ON_CONFLICT: Final[Mapping[str, ConflictPolicy]] = {
    "attach": "attach",
    "skip": "skip",
    "wait-then-retry": "wait_then_retry",
    "fail": "raise",
}
"""``--on-conflict`` choices (when a task is already running) and the fleet's policy names."""

NAME_LOOKUPS: Final = 20
"""Up to this many environments given by id get their names looked up (one read each)."""

F = TypeVar("F", bound=Callable[..., object])


async def look_up(client: Client, environment_ids: Sequence[UUID]) -> dict[UUID, Environment]:
    """A few environments given by id, read once: the run shows their names, and the fleet
    knows their projects (so it can follow them with project sweeps).

    One read each, so only up to :data:`NAME_LOOKUPS` of them (more would spend the read
    budget the run needs). A lookup that fails leaves that id as it was: the run itself then
    reports what is wrong with the environment.
    """
    found: dict[UUID, Environment] = {}
    if len(environment_ids) > NAME_LOOKUPS:
        return found

    async def read(environment_id: UUID) -> None:
        try:
            found[environment_id] = await client.environments.get(environment_id)
        except APIError:
            return

    async with anyio.create_task_group() as tg:
        for environment_id in environment_ids:
            tg.start_soon(read, environment_id)
    return found


class _Rollout:
    """One action command's options, its output, and what it started (for Ctrl-C)."""

    def __init__(
        self,
        out: Output,
        action: Action,
        *,
        wait: bool,
        max_parallel: int,
        batch_id: str | None,
        on_conflict: str,
        timeout: float | None,
        report_path: str | None = None,
        choice: RolloutChoice | None = None,
    ) -> None:
        if not wait and on_conflict == "wait-then-retry":
            raise click.UsageError("--on-conflict wait-then-retry needs --wait")
        if not wait and report_path is not None:
            raise click.UsageError("--report needs --wait (the report shows how tasks ended)")
        if batch_id is not None and not 1 <= len(batch_id.strip()) <= 200:
            raise click.BadParameter("must be 1..200 characters", param_hint="'--batch-id'")
        self.out = out
        self.action = action
        self.wait = wait
        self.max_parallel = max_parallel
        self.batch_id = batch_id
        self.on_conflict = ON_CONFLICT[on_conflict]
        self.timeout = timeout
        self.report_path = report_path
        self.choice = choice or RolloutChoice(None, plan=False, yes=False)
        if self.choice.rollout is not None and not wait:
            raise click.UsageError("--waves needs --wait (a rollout follows each wave to its end)")
        self._started = StartedTasks(out, action)
        self._view: FleetView | None = None

    async def run(
        self,
        client: Client,
        environment_ids: Sequence[UUID],
        *,
        known: Mapping[UUID, Environment] | None = None,
    ) -> int:
        """Start the action on every environment, and follow it unless ``--no-wait``.

        Args:
            client: The open client.
            environment_ids: The environments, in order.
            known: Those already read (their names are shown); without it, a few are read.

        Returns:
            The exit code.
        """
        if self.choice.plan:
            await print_plan(
                client,
                self.out,
                self.action,
                environment_ids,
                choice=self.choice,
                max_parallel=self.max_parallel,
            )
            return ExitCode.OK
        if known is None:
            known = await look_up(client, environment_ids)
        names = {env_id: env.name for env_id, env in known.items() if env.name}
        self._started = StartedTasks(self.out, self.action, lambda env: names.get(env, str(env)))
        if not self.wait:
            return await start_without_waiting(
                client,
                self.out,
                self.action,
                environment_ids,
                self._started,
                on_conflict=self.on_conflict,
                batch_id=self.batch_id,
            )
        self._view = view = FleetView(
            self.out, self.action, environment_ids, names=names, batch_id=self.batch_id
        )
        rollout = self.choice.rollout
        hook = view if rollout is None else WaveLines(self.out, view, view.label, tally=view.tally)
        run = getattr(client.fleet, self.action)(
            [known.get(env_id, env_id) for env_id in environment_ids],
            max_parallel=self.max_parallel,
            on_conflict=self.on_conflict,
            batch_id=self.batch_id,
            timeout=self.timeout,
            on_event=hook,
            rollout=rollout,
        )
        if self.choice.asks:
            async with anyio.create_task_group() as tg:
                tg.start_soon(
                    partial(answer_pauses, run, self.out, yes=self.choice.yes, held=view.held)
                )
                report = await view.follow(client, run)
                tg.cancel_scope.cancel()
        else:
            report = await view.follow(client, run)
        view.summary(report)
        if self.report_path is not None:
            write_report(self.out, report, self.report_path)
        return exit_code_of(report, self.on_conflict)

    def interrupted(self) -> None:
        """After Ctrl-C: say what had been started."""
        if self._view is not None:
            self._view.report_interrupt()
            report = self._view.run.report if self._view.run is not None else None
            if self.report_path is not None and report is not None:
                write_report(self.out, report, self.report_path)
        else:
            self._started.report(batch_id=self.batch_id)


def _unique(environment_ids: Sequence[UUID]) -> list[UUID]:
    seen: list[UUID] = []
    for environment_id in environment_ids:
        if environment_id in seen:
            raise click.BadParameter(f"environment {environment_id} is given twice")
        seen.append(environment_id)
    return seen


def _rollout_options(command: F) -> F:
    """The options of every command that runs an action on several environments."""
    decorators = (
        click.option(
            "--wait/--no-wait",
            default=True,
            show_default=True,
            help="Follow the tasks to the end, or only start them and print their ids.",
        ),
        click.option(
            "--max-parallel",
            metavar="N",
            type=click.IntRange(min=1),
            default=20,
            show_default=True,
            help="Most environments with an action in flight at once.",
        ),
        click.option(
            "--batch-id",
            metavar="ID",
            help="Name this rollout: running it again re-attaches to the tasks it started "
            "instead of starting new ones.",
        ),
        click.option(
            "--on-conflict",
            type=click.Choice(list(ON_CONFLICT)),
            default="attach",
            show_default=True,
            help="When an environment already has a task running: follow that task, skip "
            "the environment, wait for it and then run ours, or count it as failed.",
        ),
        click.option(
            "--timeout",
            metavar="SECONDS",
            type=click.FloatRange(min=0, min_open=True),
            default=None,
            help="Stop waiting after this many seconds (exit code 4); the tasks go on.",
        ),
        click.option(
            "--report",
            "report_path",
            metavar="FILE",
            type=click.Path(dir_okay=False, writable=True),
            default=None,
            help="Also write the run as one self-contained HTML page (a timeline of every "
            "environment, the counts, the failures).",
        ),
    )
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _action_command(action: Action) -> click.Command:
    @click.command(
        name=action,
        help=f"{action.capitalize()} environments and follow their tasks to the end.\n\n"
        "One environment shows a progress bar of its task; several run through the fleet "
        "engine: at most --max-parallel at once, paced to the API's rate budget.",
    )
    @click.argument("environment_ids", metavar="ENV...", nargs=-1, required=True, type=click.UUID)
    @_rollout_options
    @rollout_options
    @global_options
    @pass_settings
    def command(settings: Settings, /, environment_ids: tuple[UUID, ...], **options: Any) -> None:
        targets = _unique(environment_ids)
        rollout = _rollout_for(settings.output(), action, options)

        async def main() -> int:
            async with settings.client() as client:
                return await rollout.run(client, targets)

        run_command(settings, rollout.out, main, on_interrupt=rollout.interrupted)

    return command


def _rollout_for(out: Output, action: Action, options: Mapping[str, Any]) -> _Rollout:
    """The run of one command, from its fleet options and its rollout options."""
    options = dict(options)
    fleet = {
        name: options.pop(name)
        for name in ("wait", "max_parallel", "batch_id", "on_conflict", "timeout", "report_path")
    }
    return _Rollout(out, action, **fleet, choice=choose(out, **options))


def action_commands() -> list[click.Command]:
    """``deploy``, ``restart``, ``start`` and ``stop``."""
    return [_action_command(action) for action in ACTIONS]


@click.group()
@global_options
def fleet() -> None:
    """Run an action on every matching environment of a project."""


@fleet.command("deploy")
@click.option("--project", "project_id", required=True, type=click.UUID, help="The project id.")
@click.option(
    "--status",
    metavar="STATUS",
    default="running",
    show_default=True,
    help="Only environments in this status ('any' for all of them).",
)
@_rollout_options
@rollout_options
@global_options
@pass_settings
def fleet_deploy(settings: Settings, /, project_id: UUID, status: str, **options: Any) -> None:
    """Deploy every environment of a project (by default, every running one)."""
    rollout = _rollout_for(settings.output(), "deploy", options)
    wanted = None if status.lower() == "any" else status

    async def main() -> int:
        async with settings.client() as client:
            environments = await client.environments.list(project_id, status=wanted)
            if not environments.items:
                which = "" if wanted is None else f"{wanted} "
                rollout.out.message(f"no {which}environments in project {project_id}")
                return ExitCode.OK
            known = {env.id: env for env in environments}
            return await rollout.run(client, list(known), known=known)

    run_command(settings, rollout.out, main, on_interrupt=rollout.interrupted)
