"""``client.fleet.plan()``: what a fleet call (or rollout) would do, from reads only."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final
from uuid import UUID

from attrs import frozen

from .._exceptions import APIError, NotFoundError
from .._ratelimit import WRITE
from ._rollout import Rollout
from ._spec import EnvironmentRef, FleetSpec, build_spec
from ._waves import BAKE_WATCHES, Waves

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["FleetPlan", "PlannedConflict", "PlannedWave", "estimate_seconds", "make_plan"]

logger: Final = logging.getLogger("oec_async")

ACTIONS: Final = ("deploy", "restart", "start", "stop")
_STARTS_FROM: Final[dict[str, frozenset[str]]] = {
    "deploy": frozenset({"running", "failed", "error"}),
    "restart": frozenset({"running", "failed", "error"}),
    "stop": frozenset({"running", "failed", "error"}),
    "start": frozenset({"stopped"}),
}
_BUSY: Final = frozenset({"deploying", "destroying", "pending", "creating", "restoring"})


@frozen(kw_only=True)
class PlannedWave:
    """One wave of a plan.

    Attributes:
        index: 0-based position.
        name: ``"canary"`` or ``"wave N"``.
        environment_ids: Its environments, in input order.
        environment_names: Their names where the reads showed them (else ``None``).
    """

    index: int
    name: str
    environment_ids: tuple[UUID, ...]
    environment_names: tuple[str | None, ...]


@frozen(kw_only=True)
class PlannedConflict:
    """An environment the action would not go through as asked.

    Attributes:
        environment_id: The environment.
        name: Its name, when known.
        status: Its status now (``None`` when it could not be read).
        reason: In words: a task already running, a stopped environment, not found...
    """

    environment_id: UUID
    name: str | None
    status: str | None
    reason: str


@frozen(kw_only=True)
class FleetPlan:
    """What a fleet call would do; ``print(plan)`` shows it. Made from reads only.

    Attributes:
        action: ``deploy``, ``restart``, ``start`` or ``stop``.
        waves: The waves (one wave of everything without a rollout).
        conflicts: Environments that would not simply take the action.
        writes: Write requests it will cost (one action per environment; replays of a
            ``batch_id`` cost the same).
        reads: About how many read requests it will cost: one per environment to confirm its
            end (for a health-checked deploy, the status read that also checks health), one
            more per health check of other actions, and the bake watches; project sweeps add
            a few.
        estimated_seconds: Its duration within the key's write budget: the pacing of the
            writes, the bakes and, when ``task_duration`` was given, the tasks.
        bake_seconds: The bakes' share of it.
        reads_spent: Reads the plan itself sent.
    """

    action: str
    waves: tuple[PlannedWave, ...]
    conflicts: tuple[PlannedConflict, ...]
    writes: int
    reads: int
    estimated_seconds: float
    bake_seconds: float
    reads_spent: int

    def __str__(self) -> str:
        total = sum(len(w.environment_ids) for w in self.waves)
        lines = [f"{self.action} of {total} environment(s) in {len(self.waves)} wave(s):"]
        for wave in self.waves:
            names = [
                n or str(e)
                for n, e in zip(wave.environment_names, wave.environment_ids, strict=False)
            ]
            shown = ", ".join(names[:5]) + (f", ... (+{len(names) - 5})" if len(names) > 5 else "")
            lines.append(f"  {wave.name}: {len(names)} environment(s): {shown}")
        if self.conflicts:
            lines.append(f"conflicts ({len(self.conflicts)}):")
            lines.extend(f"  {c.name or c.environment_id}: {c.reason}" for c in self.conflicts)
        else:
            lines.append("conflicts: none found")
        lines.append(f"cost: {self.writes} write(s), about {self.reads} read(s)")
        lines.append(
            f"estimated duration: {self.estimated_seconds:.0f}s within the key's budget "
            f"({self.bake_seconds:.0f}s of bakes)"
        )
        return "\n".join(lines)


def estimate_seconds(
    wave_sizes: Sequence[int],
    *,
    max_parallel: int,
    write_limit: int | None,
    window: float,
    available: float,
    bake: float,
    task_duration: float | None,
) -> float:
    """A wave-by-wave estimate: writes paced to the budget, tasks in batches, then the bake.

    Pure: ``write_limit`` None means writes are not paced; ``available`` is the number of
    write slots free at the start.
    """
    tokens = available
    total = 0.0
    task = task_duration or 0.0
    for size in wave_sizes:
        sending = 0.0
        if write_limit:
            if tokens >= size:
                tokens -= size
            else:
                windows = math.ceil((size - tokens) / write_limit)
                sending = windows * window
                tokens = windows * write_limit - (size - tokens)
        batches = math.ceil(size / max_parallel) * task
        spent = max(sending, batches) + task + bake
        total += spent
        if write_limit:
            tokens = min(float(write_limit), tokens + write_limit * (spent - sending) / window)
    return total


async def _statuses(
    client: Client, spec: FleetSpec
) -> tuple[dict[UUID, tuple[str | None, str | None]], set[UUID], int]:
    """Each environment's (status, name) from as few reads as possible; the missing; reads."""
    reads = 0
    seen: dict[UUID, tuple[str | None, str | None]] = {}
    wanted = {t.environment_id for t in spec.targets}
    projects = {t.project_id for t in spec.targets if t.project_id is not None}
    unknown = {t.environment_id for t in spec.targets if t.project_id is None}
    if unknown:
        found: list[UUID] = []
        try:
            async for project in client.projects.list(limit=100, max_items=len(unknown) + 1):
                found.append(project.id)
            reads += max(1, math.ceil(len(found) / 100))
        except APIError as error:
            logger.info("fleet plan: cannot list projects (%s)", error)
        if len(found) <= len(unknown):
            projects.update(found)
    for project_id in projects:
        reads += 1
        for env in await client.environments.list(project_id):
            if env.id in wanted:
                status = None if env.status is None else str(env.status)
                seen[env.id] = (status, env.name)
    missing: set[UUID] = set()
    for env_id in wanted - seen.keys():
        reads += 1
        try:
            env = await client.environments.get(env_id)
        except NotFoundError:
            missing.add(env_id)
            continue
        seen[env_id] = (None if env.status is None else str(env.status), env.name)
    return seen, missing, reads


def _conflict(action: str, status: str | None) -> str | None:
    if status is None:
        return None
    if status in _BUSY:
        return f"a task is already in progress (status {status})"
    if status not in _STARTS_FROM[action]:
        if action == "start":
            return f"not stopped (status {status}): start would be refused"
        return f"{status}: {action} needs a running environment and would be refused"
    return None


async def make_plan(
    client: Client,
    environments: Iterable[EnvironmentRef],
    *,
    action: str,
    rollout: Rollout | None,
    max_parallel: int,
    task_duration: float | None,
) -> FleetPlan:
    """Build the plan of a fleet call (validated like the call itself)."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    duration: object = task_duration
    if duration is not None and (
        isinstance(duration, bool)
        or not isinstance(duration, int | float)
        or not 0 <= duration < math.inf
    ):
        raise ValueError(f"task_duration must be a number of seconds >= 0, got {task_duration!r}")
    spec = build_spec(action, environments, max_parallel=max_parallel, rollout=rollout)
    seen, missing, spent = await _statuses(client, spec)
    conflicts: list[PlannedConflict] = []
    for target in spec.targets:
        env_id = target.environment_id
        status, name = seen.get(env_id, (None, target.name))
        reason = "not found (404)" if env_id in missing else _conflict(action, status)
        if reason is not None:
            conflicts.append(
                PlannedConflict(environment_id=env_id, name=name, status=status, reason=reason)
            )
    names = Waves.names_for(spec)
    waves = tuple(
        PlannedWave(
            index=i,
            name=names[i],
            environment_ids=tuple(spec.targets[p].environment_id for p in wave),
            environment_names=tuple(
                seen.get(spec.targets[p].environment_id, (None, spec.targets[p].name))[1]
                for p in wave
            ),
        )
        for i, wave in enumerate(spec.waves)
    )
    health = rollout is not None and rollout.health is not None and action != "stop"
    bake = rollout.bake if rollout is not None else 0.0
    n = len(spec.targets)
    bake_reads = (
        len(spec.waves) * BAKE_WATCHES * max(1, len({t.project_id for t in spec.targets}))
        if health and bake > 0
        else 0
    )
    governor = client.governor
    paced = governor.limits.enabled
    estimated = estimate_seconds(
        [len(w) for w in spec.waves],
        max_parallel=max_parallel,
        write_limit=governor.bucket_limit(WRITE) if paced else None,
        window=governor.bucket_window(WRITE) if paced else 0.0,
        available=governor.available(WRITE) if paced else math.inf,
        bake=bake,
        task_duration=task_duration,
    )
    return FleetPlan(
        action=action,
        waves=waves,
        conflicts=tuple(conflicts),
        writes=n,
        # One read confirms each end; a health check adds one, except for a deploy, whose
        # status read confirms its end too.
        reads=n * (2 if health and action != "deploy" else 1) + bake_reads,
        estimated_seconds=estimated,
        bake_seconds=bake * len(spec.waves),
        reads_spent=spent,
    )
