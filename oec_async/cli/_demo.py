"""``oec demo``: a fleet deploy against the bundled fake server, with no account needed.

The fake runs in this process on 127.0.0.1 with the real API's rate limits (20 writes and 120
reads per window), but with the window compressed from a minute to two seconds, and tasks that
take a few seconds. About 5% of environments start out stopped (their deploy is refused), two
already have a teammate's deploy running (the fleet attaches to it), and ``--failure-rate`` of the
tasks fail, so every kind of outcome shows up.
"""

from __future__ import annotations

import random
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Final
from uuid import UUID

import click
from attrs import evolve

from .._config import PollPolicy, RateLimits
from ..fleet import Rollout
from ..testing import FakeOEC, RateLimitConfig
from ._fleet_report import exit_code_of
from ._fleet_view import FleetView
from ._output import Output
from ._rollouts import WaveLines
from ._run import run_command
from ._settings import Settings, output_options, pass_settings

__all__ = ["demo"]

WINDOW: Final = 2.0
"""The demo's rate-limit window in seconds (the real API's is 60)."""
TASK_SECONDS: Final = (2.0, 6.0)
"""The range of task durations, in seconds."""
STOPPED_FRACTION: Final = 0.05
BUSY_ENVIRONMENTS: Final = 2
"""Environments that already have a deploy running when the demo's fleet starts."""
TIME_SCALE_ENV: Final = "OEC_DEMO_TIME_SCALE"


@click.command()
@click.option(
    "--environments",
    "count",
    metavar="N",
    type=click.IntRange(1, 2000),
    default=60,
    show_default=True,
    help="Environments to deploy.",
)
@click.option(
    "--failure-rate",
    "fail_rate",
    metavar="FRACTION",
    type=click.FloatRange(0.0, 1.0),
    default=0.05,
    show_default=True,
    help="Share of tasks that end failed.",
)
# The old spelling, kept working but no longer shown.
@click.option("--fail-rate", "old_fail_rate", type=click.FloatRange(0.0, 1.0), hidden=True)
@click.option(
    "--max-parallel",
    metavar="N",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Most environments with a deploy in flight at once.",
)
@click.option(
    "--waves",
    is_flag=True,
    help="Roll out in waves (a canary, 10%, the rest) with health checks and a bake: the "
    "canary passes, and the second wave halts on environments seeded to turn unhealthy.",
)
@click.option("--seed", type=int, default=None, help="Make the run reproducible.")
@click.option(
    "--report",
    "report_path",
    metavar="FILE",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Where to write the run's HTML page [default: a new file in the temp directory].",
)
@click.option(
    "--time-scale",
    type=click.FloatRange(min=0.01, max=10.0),
    envvar=TIME_SCALE_ENV,
    default=1.0,
    hidden=True,
    help="Multiply every duration (window, tasks, polls); the tests run at 0.1.",
)
@output_options
@pass_settings
def demo(
    settings: Settings,
    count: int,
    fail_rate: float,
    max_parallel: int,
    waves: bool,
    seed: int | None,
    report_path: str | None,
    time_scale: float,
    old_fail_rate: float | None = None,
) -> None:
    """Deploy a fleet on a local fake OEC server: live progress, rate limits, a summary.

    Needs no account and no network: the fake server runs in this process on 127.0.0.1.
    Writes a picture of the run (one self-contained HTML page) and prints its path.
    """
    if old_fail_rate is not None:
        fail_rate = old_fail_rate
    out = settings.output()
    window = WINDOW * time_scale
    rng = random.Random(seed)
    views: list[FleetView] = []

    def interrupted() -> None:
        if views:
            views[0].report_interrupt()

    async def main() -> int:
        limits = RateLimitConfig(reads_per_window=120, writes_per_window=20, window=window)
        fake = FakeOEC(
            environments=count,
            stopped_fraction=STOPPED_FRACTION,
            failure_rate=fail_rate,
            rate_limits=limits,
            seed=rng.randrange(2**31),
        )
        async with fake:
            for env_id in fake.environment_ids:
                fake.set_environment_behaviour(
                    env_id, duration=rng.uniform(*TASK_SECONDS) * time_scale
                )
            client = fake.client(
                rate_limits=RateLimits(reads_per_window=120, writes_per_window=20, window=window),
                poll=PollPolicy(initial_interval=0.5 * time_scale, max_interval=2.0 * time_scale),
            )
            async with client:
                environments = await client.environments.list(fake.project_id)
                running = [e.id for e in environments if e.status == "running"]
                for busy_id in running[: BUSY_ENVIRONMENTS if count >= 10 else 0]:
                    await client.environments.deploy(busy_id)  # a teammate's, already running
                if not out.json_mode:
                    _introduce(out, count, window, time_scale, fail_rate, max_parallel)
                fake.reset_stats()
                names = {e.id: e.name for e in environments if e.name}
                ids = [e.id for e in environments]
                view = FleetView(out, "deploy", ids, names=names)
                views.append(view)
                rollout = None
                if waves:
                    busy = running[: BUSY_ENVIRONMENTS if count >= 10 else 0]
                    rollout = _seed_rollout(fake, ids, [e for e in running if e not in busy])
                    rollout = evolve(rollout, bake=DEMO_BAKE * time_scale)
                    if not out.json_mode:
                        out.text(
                            "Rolling out in waves: a canary, then 10%, then the rest; each wave "
                            "is health-checked and baked. Two environments of the second wave "
                            "are seeded to turn unhealthy."
                        )
                        out.text("")
                hook = (
                    view if rollout is None else WaveLines(out, view, view.label, tally=view.tally)
                )
                run = client.fleet.deploy(
                    list(environments),  # models: the run and its report know their names
                    max_parallel=max_parallel,
                    on_event=hook,
                    rollout=rollout,
                )
                report = await view.follow(client, run)
            stats = fake.stats
            page = report.write_html(report_path or _default_report_path()).resolve()
            view.summary(
                report,
                totals=(
                    f"{stats.requests} requests ({stats.writes} writes, {stats.reads} reads)",
                    f"{stats.rate_limited} rate-limited (429)",
                ),
                extra={
                    "requests": stats.requests,
                    "writes": stats.writes,
                    "reads": stats.reads,
                    "rate_limited": stats.rate_limited,
                    "report": str(page),
                },
            )
            if not out.json_mode:
                out.text(f"A picture of this run: {page}")
            return exit_code_of(report)

    run_command(settings, out, main, on_interrupt=interrupted)


DEMO_BAKE: Final = 2.0
"""Seconds each wave of ``--waves`` is baked (times the time scale)."""
UNHEALTHY_IN_WAVE_2: Final = 2


def _seed_rollout(fake: FakeOEC, ids: list[UUID], running: list[UUID]) -> Rollout:
    """The demo's rollout: a running canary that passes; a second wave with two environments
    seeded to turn unhealthy (so it halts) and the rest healthy."""
    canary = running[0]
    fake.script(str(canary), "succeeded")
    rest = [env for env in ids if env != canary]
    second = rest[: max(1, len(ids) // 10)]
    sick = [env for env in second if env in running][:UNHEALTHY_IN_WAVE_2]
    for env in second:
        fake.script(str(env), "unhealthy" if env in sick else "succeeded")
    return Rollout(waves=["10%", "100%"], canary=[canary], health="status")


def _default_report_path() -> Path:
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
    return Path(tempfile.gettempdir()) / f"oec-demo-{stamp}.html"


def _introduce(
    out: Output, count: int, window: float, scale: float, fail_rate: float, parallel: int
) -> None:
    low, high = (s * scale for s in TASK_SECONDS)
    out.text(
        f"Fake OEC server on 127.0.0.1: {count} environments, rate limits 20 writes and 120 reads "
        f"per {window:g}s window (the real API: per minute), tasks of {low:g}-{high:g}s, "
        f"{fail_rate:.0%} of them fail."
    )
    out.text(f"Deploying all {count} with at most {parallel} in flight...")
    out.text("")
