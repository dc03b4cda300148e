"""A rollout's waves while it runs: health checks, bakes, failure budgets, wave reports.

``Waves`` owns every per-wave fact (when each started and ended, its failures, the outcomes it
holds back during its bake); the engine asks it and tells it what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final
from uuid import UUID

import anyio
from attrs import evolve

from .._models import Deployment, EnvironmentStatusReport
from ._events import FleetEvent, HealthChecked, WaveBaking, WaveFinished, WaveStarted
from ._outcome import (
    COUNTED_KINDS,
    FleetOutcome,
    OutcomeKind,
    RolloutHalt,
    WaveReport,
)
from ._rollout import (
    EnvironmentUnhealthyError,
    Rollout,
    failure_limit,
    listed_status_verdict,
    status_verdict,
    wave_names,
)
from ._spec import FleetSpec

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["Waves"]


def _baked_before(outcomes: Iterable[FleetOutcome], bake: float) -> bool:
    """Whether every outcome is a re-attached task that completed at least ``bake`` seconds
    ago (a re-run of the batch after a crash): the wave has been up longer than its bake."""
    now = datetime.now(UTC)
    for outcome in outcomes:
        done = outcome.deployment.completed_at if outcome.deployment is not None else None
        if not outcome.reattached or done is None or (now - done).total_seconds() < bake:
            return False
    return True


BAKE_WATCHES: Final = 3
"""Reads of a wave's projects during its bake (the last one is the final re-check)."""
_NO_HEALTH_ACTIONS: Final = frozenset({"stop"})


class Waves:
    """The waves of one run (a single wave of everything without a rollout).

    Args:
        client: The open client (health checks are its reads, paced like any other).
        spec: The run.
        emit: Where events go.
        elapsed: Seconds since the run started.
        project_of: The project of an environment, when known (for bake sweeps).
        record: Gives an outcome to the engine (a held one after its bake).
    """

    def __init__(
        self,
        client: Client,
        spec: FleetSpec,
        *,
        emit: Callable[[FleetEvent], None],
        elapsed: Callable[[], float],
        project_of: Callable[[UUID], UUID | None],
        record: Callable[[FleetOutcome], None],
    ) -> None:
        self._client = client
        self._spec = spec
        self._emit = emit
        self._elapsed = elapsed
        self._project_of = project_of
        self._record = record
        self.rollout: Rollout | None = spec.rollout
        count = len(spec.waves)
        self.names = self.names_for(spec)
        self._wave_of = {pos: w for w, wave in enumerate(spec.waves) for pos in wave}
        self._started: list[float | None] = [None] * count
        self._finished: list[float | None] = [None] * count
        self._baked = [0.0] * count
        self._resumed = [False] * count
        self._failures = [0] * count
        self._total_failures = 0
        self._held: list[dict[UUID, FleetOutcome]] = [{} for _ in range(count)]
        self.current = 0

    def __len__(self) -> int:
        return len(self._spec.waves)

    @staticmethod
    def names_for(spec: FleetSpec) -> tuple[str, ...]:
        """The waves' names: the first is the ``canary`` when named so or of size 1."""
        rollout = spec.rollout
        canary = rollout is not None and (rollout.canary is not None or len(spec.waves[0]) == 1)
        return wave_names(len(spec.waves), canary=canary)

    def wave_of(self, position: int) -> int:
        """The wave of the environment at ``position``."""
        return self._wave_of[position]

    # -- a wave's life --------------------------------------------------------------------------
    def start(self, wave: int) -> None:
        """Wave ``wave`` starts sending."""
        self.current = wave
        self._started[wave] = self._elapsed()
        if self.rollout is not None:
            targets = self._spec.targets
            self._emit(
                WaveStarted(
                    wave=wave,
                    name=self.names[wave],
                    waves=len(self),
                    environment_ids=tuple(
                        targets[p].environment_id for p in self._spec.waves[wave]
                    ),
                    elapsed=self._elapsed(),
                )
            )

    def finish(self, wave: int, outcomes: Sequence[FleetOutcome | None]) -> None:
        """Wave ``wave`` is over (its bake too, or it halted)."""
        self._finished[wave] = self._elapsed()
        if self.rollout is not None:
            self._emit(WaveFinished(report=self.report(wave, outcomes), elapsed=self._elapsed()))

    # -- failure budgets ------------------------------------------------------------------------
    def count(self, outcome: FleetOutcome) -> RolloutHalt | None:
        """Count ``outcome`` against the budgets; the halt it causes, if any."""
        rollout = self.rollout
        if rollout is None or outcome.kind not in COUNTED_KINDS or outcome.wave is None:
            return None
        if self._spec.force and outcome.reattached:
            return None  # force=True: what an earlier run of the batch found does not halt again
        wave = outcome.wave
        self._failures[wave] += 1
        self._total_failures += 1
        size = len(self._spec.waves[wave])
        limit = failure_limit(rollout.max_failures_per_wave, size)
        if limit is not None and self._failures[wave] > limit:
            return RolloutHalt(
                reason=(
                    f"{self._failures[wave]} failed/unhealthy/errored in {self.names[wave]} "
                    f"> max_failures_per_wave {rollout.max_failures_per_wave!r}"
                ),
                wave=wave,
                budget="max_failures_per_wave",
            )
        limit = failure_limit(rollout.max_failures, len(self._spec.targets))
        if limit is not None and self._total_failures > limit:
            return RolloutHalt(
                reason=(
                    f"{self._total_failures} failed/unhealthy/errored in all "
                    f"> max_failures {rollout.max_failures!r}"
                ),
                wave=wave,
                budget="max_failures",
            )
        return None

    # -- health ---------------------------------------------------------------------------------
    def _checks_health(self) -> bool:
        rollout = self.rollout
        return (
            rollout is not None
            and rollout.health is not None
            and self._spec.action not in _NO_HEALTH_ACTIONS
        )

    async def check(
        self, outcome: FleetOutcome, *, report: EnvironmentStatusReport | None = None
    ) -> FleetOutcome:
        """Check a succeeded environment's health (once its task completed).

        ``report``: the status read that confirmed the task's end, if one did: it answers the
        ``"status"`` check without another read.

        Raises:
            Exception: whatever the check raised (the engine makes it ``errored``).
        """
        if outcome.kind is not OutcomeKind.SUCCEEDED or not self._checks_health():
            return outcome
        if report is not None and self.rollout is not None and self.rollout.health == "status":
            return self._verdict(outcome, status_verdict(report), baking=False)
        reason = await self._probe(outcome)
        return self._verdict(outcome, reason, baking=False)

    async def _probe(self, outcome: FleetOutcome) -> str | None:
        """Ask the rollout's health check about a succeeded environment: why it is unhealthy."""
        rollout = self.rollout
        assert rollout is not None
        assert rollout.health is not None
        env_id = outcome.environment_id
        if rollout.health == "status":
            return status_verdict(await self._client.environments.status(env_id))
        # A succeeded outcome always carries its terminal Deployment.
        deployment = outcome.deployment or Deployment(id=outcome.task_id or env_id)
        healthy: object = await rollout.health(env_id, deployment)
        if not isinstance(healthy, bool):
            raise TypeError(f"the health probe must return True or False, got {healthy!r}")
        return None if healthy else "the health probe said no"

    def _verdict(self, outcome: FleetOutcome, reason: str | None, *, baking: bool) -> FleetOutcome:
        self._emit(
            HealthChecked(
                environment_id=outcome.environment_id,
                healthy=reason is None,
                reason=reason,
                wave=outcome.wave or 0,
                baking=baking,
                elapsed=self._elapsed(),
            )
        )
        if reason is None:
            return outcome
        return evolve(
            outcome,
            kind=OutcomeKind.UNHEALTHY,
            error=EnvironmentUnhealthyError(outcome.environment_id, reason, name=outcome.name),
        )

    # -- bake -----------------------------------------------------------------------------------
    def hold(self, outcome: FleetOutcome) -> bool:
        """Keep a healthy outcome back until its wave's bake ends (``True``: held)."""
        rollout = self.rollout
        if rollout is None or rollout.bake <= 0 or outcome.kind is not OutcomeKind.SUCCEEDED:
            return False
        assert outcome.wave is not None
        self._held[outcome.wave][outcome.environment_id] = outcome
        return True

    async def bake(self, wave: int, *, cut: anyio.CancelScope) -> None:
        """Watch wave ``wave`` for the bake time, re-check it, and release what it held.

        ``cut`` ends the watch early (a halt); the held outcomes are released as they are.
        """
        rollout = self.rollout
        held = self._held[wave]
        if rollout is None or not held:
            return
        if _baked_before(held.values(), rollout.bake):
            self._resumed[wave] = True  # a re-run: the wave has been up longer than its bake
            self.release(wave)
            return
        began = anyio.current_time()
        self._emit(
            WaveBaking(
                wave=wave, name=self.names[wave], seconds=rollout.bake, elapsed=self._elapsed()
            )
        )
        try:
            with cut:
                for step in range(1, BAKE_WATCHES + 1):
                    await anyio.sleep_until(began + rollout.bake * step / BAKE_WATCHES)
                    await self._watch(wave, final=step == BAKE_WATCHES)
        finally:
            self._baked[wave] = anyio.current_time() - began
            self.release(wave)

    def release(self, wave: int) -> None:
        """Give the engine the outcomes wave ``wave`` held back."""
        held = self._held[wave]
        for outcome in list(held.values()):
            del held[outcome.environment_id]
            self._record(outcome)

    async def _watch(self, wave: int, *, final: bool) -> None:
        """One look at the held environments: a sweep of their projects, and at the end a
        status read (or the user's probe) for those no sweep covers."""
        held = self._held[wave]
        if not self._checks_health():
            return
        rollout = self.rollout
        assert rollout is not None
        by_project: dict[UUID, list[UUID]] = {}
        alone: list[UUID] = []
        for env_id in held:
            project = self._project_of(env_id)
            if project is None or rollout.health != "status":
                alone.append(env_id)
            else:
                by_project.setdefault(project, []).append(env_id)
        for project, env_ids in by_project.items():
            listed = {env.id: env.status for env in await self._client.environments.list(project)}
            for env_id in env_ids:
                status = listed.get(env_id)
                reason = listed_status_verdict(None if status is None else str(status))
                if reason is not None or final:
                    self._judge(wave, env_id, reason)
        if final:
            for env_id in alone:
                outcome = held.get(env_id)
                if outcome is not None:
                    self._judge(wave, env_id, await self._probe(outcome))

    def _judge(self, wave: int, env_id: UUID, reason: str | None) -> None:
        outcome = self._held[wave].get(env_id)
        if outcome is None:
            return
        checked = self._verdict(outcome, reason, baking=True)
        if checked.kind is OutcomeKind.UNHEALTHY:
            del self._held[wave][env_id]
            self._record(checked)  # counts at once: the wave may halt before its bake ends

    def release_all(self) -> None:
        """Give the engine every outcome still held (the run ends)."""
        for wave in range(len(self._held)):
            self.release(wave)

    # -- reports --------------------------------------------------------------------------------
    def report(self, wave: int, outcomes: Sequence[FleetOutcome | None]) -> WaveReport:
        """Wave ``wave``'s report from the outcomes so far (indexed by input position)."""
        positions = self._spec.waves[wave]
        mine = [o for o in (outcomes[p] for p in positions) if o is not None]
        counts: Mapping[OutcomeKind, int] = {
            kind: sum(1 for o in mine if o.kind is kind) for kind in OutcomeKind
        }
        started = self._started[wave]
        healthy = None
        if started is not None:
            healthy = len(mine) == len(positions) and all(
                o.kind is OutcomeKind.SUCCEEDED for o in mine
            )
        return WaveReport(
            index=wave,
            name=self.names[wave],
            environment_ids=tuple(self._spec.targets[p].environment_id for p in positions),
            counts=counts,
            started_at=started,
            finished_at=self._finished[wave],
            healthy=healthy,
            baked=self._baked[wave],
            resumed=self._resumed[wave],
        )

    def reports(self, outcomes: Sequence[FleetOutcome | None]) -> tuple[WaveReport, ...]:
        """Every wave's report (empty without a rollout)."""
        if self.rollout is None:
            return ()
        return tuple(self.report(w, outcomes) for w in range(len(self)))
