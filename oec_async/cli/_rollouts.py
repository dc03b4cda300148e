"""The rollout options of ``oec deploy|restart|start|stop`` (``--waves`` ... ``--plan``).

Parsing them into a :class:`~oec_async.Rollout`, showing a run's waves, answering the pauses
between waves (a question on a terminal, ``--yes`` elsewhere), and printing a plan.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TypeVar, cast
from uuid import UUID

import anyio
import anyio.to_thread
import click
from attrs import frozen

from .._client import Client
from ..fleet import (
    FleetEvent,
    FleetPlan,
    FleetRun,
    HealthChecked,
    Rollout,
    RolloutHalted,
    RolloutPaused,
    RolloutResumed,
    WaveBaking,
    WaveFinished,
    WaveSize,
    WaveStarted,
)
from ..resources.environments import Action
from ._output import Output
from ._render import seconds
from ._tally import RunTally

__all__ = ["RolloutChoice", "WaveLines", "answer_pauses", "print_plan", "rollout_options"]

F = TypeVar("F", bound=Callable[..., object])

ROLLOUT_EVENTS = (
    WaveStarted,
    WaveBaking,
    WaveFinished,
    HealthChecked,
    RolloutPaused,
    RolloutResumed,
    RolloutHalted,
)


def _size(text: str, option: str) -> WaveSize:
    item = text.strip()
    if item.isdigit():
        return int(item)
    if item.endswith("%") and item[:-1].replace(".", "", 1).isdigit():
        return item
    raise click.BadParameter(f"{item!r} is neither a number nor a percentage", param_hint=option)


def can_ask(out: Output) -> bool:
    """Whether a question can be asked: human output, and a terminal to answer on."""
    return not out.json_mode and sys.stdin.isatty()


def parse_waves(value: str | None) -> list[WaveSize] | None:
    """``"1,10%,100%"`` -> ``[1, "10%", "100%"]``."""
    if value is None:
        return None
    return [_size(item, "'--waves'") for item in value.split(",") if item.strip()]


@frozen
class RolloutChoice:
    """What the rollout options asked for.

    Attributes:
        rollout: The rollout (``None`` without ``--waves``).
        plan: ``--plan``: print the plan and exit, without any write.
        yes: ``--yes``: go on after each wave without asking.
    """

    rollout: Rollout | None
    plan: bool
    yes: bool

    @property
    def asks(self) -> bool:
        """Whether the run pauses between waves (and so must ask, or be told ``--yes``)."""
        return self.rollout is not None and self.rollout.pause_between_waves


def choose(
    out: Output,
    *,
    waves: str | None,
    bake: float,
    max_failures_per_wave: str,
    max_failures: str | None,
    health: bool,
    pause_between_waves: bool,
    plan: bool,
    yes: bool,
) -> RolloutChoice:
    """Check the options together and build the rollout.

    Raises:
        click.UsageError: an option that needs ``--waves``, or a pause that cannot ask.
        click.BadParameter: a value the rollout refuses.
    """
    sizes = parse_waves(waves)
    if sizes is None:
        extra = [
            name
            for name, given in (
                ("--bake", bake != 0),
                ("--max-failures-per-wave", max_failures_per_wave != "0"),
                ("--max-failures", max_failures is not None),
                ("--no-health", not health),
                ("--pause-between-waves", pause_between_waves),
            )
            if given
        ]
        if extra:
            raise click.UsageError(f"{', '.join(extra)} needs --waves (e.g. --waves 1,10%,100%)")
        return RolloutChoice(None, plan, yes)
    if pause_between_waves and not yes and not plan and not can_ask(out):
        raise click.UsageError(
            "--pause-between-waves asks before each wave, and there is no terminal to ask on: "
            "add --yes to go on without asking"
        )
    try:
        rollout = Rollout(
            waves=sizes,
            bake=bake,
            health="status" if health else None,
            max_failures_per_wave=_size(max_failures_per_wave, "'--max-failures-per-wave'"),
            max_failures=None if max_failures is None else _size(max_failures, "'--max-failures'"),
            pause_between_waves=pause_between_waves,
        )
    except (TypeError, ValueError) as error:
        raise click.BadParameter(str(error)) from None
    return RolloutChoice(rollout, plan, yes)


def rollout_options(command: F) -> F:
    """The ``--waves`` ... ``--plan`` options."""
    decorators = (
        click.option(
            "--waves",
            metavar="SIZES",
            default=None,
            help="Roll out in waves, e.g. 1,10%,100%: sizes as numbers or percentages of all "
            "the environments; the last size repeats.",
        ),
        click.option(
            "--bake",
            metavar="SECONDS",
            type=click.FloatRange(min=0),
            default=0.0,
            show_default=True,
            help="Watch each finished wave this long before the next one starts.",
        ),
        click.option(
            "--max-failures-per-wave",
            metavar="N|N%",
            default="0",
            show_default=True,
            help="Failed, unhealthy or errored environments a wave may have; one more halts.",
        ),
        click.option(
            "--max-failures",
            metavar="N|N%",
            default=None,
            help="The same over the whole rollout (a percentage of all environments).",
        ),
        click.option(
            "--health/--no-health",
            default=True,
            show_default=True,
            help="Check each environment's status (container, database, HTTP) after its task.",
        ),
        click.option(
            "--pause-between-waves",
            is_flag=True,
            help="Ask before each wave (off a terminal, needs --yes).",
        ),
        click.option(
            "--plan",
            is_flag=True,
            help="Print what would happen (waves, conflicts, cost, duration) and exit, "
            "without any write.",
        ),
        click.option("--yes", is_flag=True, help="Go on after each wave without asking."),
    )
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


async def print_plan(
    client: Client,
    out: Output,
    action: str,
    environment_ids: Sequence[UUID],
    *,
    choice: RolloutChoice,
    max_parallel: int,
) -> None:
    """``--plan``: print the plan (reads only)."""
    plan: FleetPlan = await client.fleet.plan(
        environment_ids,
        action=cast("Action", action),
        rollout=choice.rollout,
        max_parallel=max_parallel,
    )
    if out.json_mode:
        out.json(
            {
                "event": "plan",
                "action": plan.action,
                "waves": [
                    {
                        "name": w.name,
                        "environment_ids": [str(e) for e in w.environment_ids],
                        "environment_names": list(w.environment_names),
                    }
                    for w in plan.waves
                ],
                "conflicts": [
                    {"environment_id": str(c.environment_id), "name": c.name, "reason": c.reason}
                    for c in plan.conflicts
                ],
                "writes": plan.writes,
                "reads": plan.reads,
                "estimated_seconds": round(plan.estimated_seconds, 3),
            }
        )
        return
    for line in str(plan).splitlines():
        out.text(line)


class WaveLines:
    """The ``on_event`` of a rollout: wave lines (or JSON), then the fleet view for the rest."""

    def __init__(
        self,
        out: Output,
        view: Callable[[FleetEvent], None],
        label: Callable[[UUID], str] = str,
        *,
        tally: RunTally | None = None,
    ) -> None:
        self.out = out
        self.view = view
        self.label = label
        self.tally = tally

    def __call__(self, event: FleetEvent) -> None:
        if not isinstance(event, ROLLOUT_EVENTS):
            self.view(event)
            return
        if self.tally is not None:
            if isinstance(event, WaveStarted):
                self.tally.wave_started(event.name, event.wave, event.waves)
            elif isinstance(event, WaveBaking):
                self.tally.wave_baking(event.seconds)
            elif isinstance(event, WaveFinished | RolloutHalted):
                self.tally.wave_finished()
        if self.out.json_mode:
            self.out.json(_event_json(event))
            return
        text = self._text(event)
        if text is not None:
            style = "red" if isinstance(event, RolloutHalted | HealthChecked) else "bold"
            self.out.line(text, style=style)

    def _text(self, event: FleetEvent) -> str | None:
        if isinstance(event, WaveStarted):
            count = len(event.environment_ids)
            return f"{event.name} ({event.wave + 1} of {event.waves}): {count} environment(s)"
        if isinstance(event, WaveBaking):
            until = time.strftime("%H:%M:%S", time.localtime(time.time() + event.seconds))
            return f"{event.name}: every environment finished; baking {seconds(event.seconds)} (until {until})"
        if isinstance(event, WaveFinished):
            wave = event.report
            counts = ", ".join(f"{n} {kind.value}" for kind, n in wave.counts.items() if n)
            baked = f", baked {seconds(wave.baked)}" if wave.baked else ""
            verdict = "healthy" if wave.healthy else "not healthy"
            return f"{wave.name} done: {counts or 'nothing'}{baked}: {verdict}"
        if isinstance(event, HealthChecked) and not event.healthy:
            return f"{self.label(event.environment_id)} unhealthy: {event.reason}"
        if isinstance(event, RolloutHalted):
            return f"rollout {event.halt}"
        return None


def _event_json(event: FleetEvent) -> dict[str, object]:
    if isinstance(event, WaveStarted):
        return {
            "event": "wave_started",
            "wave": event.wave,
            "name": event.name,
            "environment_ids": [str(e) for e in event.environment_ids],
            "elapsed": round(event.elapsed, 3),
        }
    if isinstance(event, WaveBaking):
        return {
            "event": "wave_baking",
            "wave": event.wave,
            "name": event.name,
            "seconds": round(event.seconds, 3),
            "elapsed": round(event.elapsed, 3),
        }
    if isinstance(event, WaveFinished):
        wave = event.report
        return {
            "event": "wave_finished",
            "wave": wave.index,
            "name": wave.name,
            "counts": {kind.value: n for kind, n in wave.counts.items()},
            "healthy": wave.healthy,
            "baked": round(wave.baked, 3),
            "elapsed": round(event.elapsed, 3),
        }
    if isinstance(event, HealthChecked):
        return {
            "event": "health",
            "environment_id": str(event.environment_id),
            "healthy": event.healthy,
            "reason": event.reason,
            "wave": event.wave,
            "baking": event.baking,
            "elapsed": round(event.elapsed, 3),
        }
    if isinstance(event, RolloutHalted):
        return {
            "event": "halted",
            "wave": event.halt.wave,
            "reason": event.halt.reason,
            "budget": event.halt.budget,
            "elapsed": round(event.elapsed, 3),
        }
    kind = "paused" if isinstance(event, RolloutPaused) else "resumed"
    return {"event": kind, "elapsed": round(getattr(event, "elapsed", 0.0), 3)}


def _confirm(question: str) -> bool:
    return click.confirm(question, default=False)


async def answer_pauses(
    run: FleetRun,
    out: Output,
    *,
    yes: bool,
    held: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext,
) -> None:
    """Answer each pause between waves: ``--yes`` goes on, a terminal asks (runs until cancelled).

    ``held``: stops the live display while the question is on screen.
    """
    sizes = [len(wave) for wave in run.waves]
    async with run.events() as events:
        async for event in events:
            if not isinstance(event, RolloutPaused) or event.reason != "between waves":
                continue
            upcoming = event.wave + 1
            question = (
                f"wave {upcoming + 1} of {len(sizes)}: {sizes[upcoming]} environments. Continue?"
            )
            if yes:
                out.line(f"{question} yes (--yes)")
                run.resume()
                continue
            with held():
                go_on = await anyio.to_thread.run_sync(_confirm, question, abandon_on_cancel=True)
            if go_on:
                run.resume()
            else:
                run.halt("stopped at the prompt between waves")
