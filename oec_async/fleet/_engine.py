"""The engine of one fleet run: start environments in order, within the limits, and report.

One task group holds the central poller and one worker per environment in flight. A feeder
starts workers in input order as ``max_parallel`` tokens free up, and stops starting as soon as
the run must stop (``fail_fast``/``max_failures``, an error every environment would hit, the
overall timeout, cancellation). Workers that hold a token but have not sent their action yet
are let go at once: nothing more is POSTed after the stop.

The targets come in waves (one wave of all of them without a rollout): a wave starts when the
one before it has finished and baked. ``Waves`` owns what is known per wave (health checks,
bakes, failure budgets); ``StartGate`` owns whether an action may go out (stop, pause, the
write probe); the engine records outcomes and asks both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Final
from uuid import UUID

import anyio
import anyio.abc
import anyio.lowlevel
from attrs import evolve

from .._events import listening
from .._exceptions import (
    AuthenticationError,
    ClientClosedError,
    PaymentRequiredError,
    PermissionDeniedError,
    TaskInProgressError,
)
from .._ratelimit import Slot
from ._events import (
    FleetEnvironmentFinished,
    FleetEvent,
    FleetRateLimitWait,
    RolloutHalted,
    RolloutPaused,
    RolloutResumed,
    transport_listener,
)
from ._gate import StartGate
from ._outcome import FleetOutcome, FleetReport, OutcomeKind, RolloutHalt
from ._poller import Awaited, CentralPoller
from ._spec import FleetSpec, FleetTarget
from ._waves import Waves
from ._worker import EnvironmentState, outcome_for, run_environment

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["Engine"]

logger: Final = logging.getLogger("oec_async")

# Answers that every other environment of the run would get too: stop starting new ones.
_RUN_WIDE_ERRORS: Final = (
    AuthenticationError,
    ClientClosedError,
    PaymentRequiredError,
    PermissionDeniedError,
)


class Engine:
    """Runs one fleet call. ``publish`` receives every event, ``deliver`` every outcome."""

    def __init__(
        self,
        client: Client,
        spec: FleetSpec,
        *,
        publish: Callable[[FleetEvent], None],
        deliver: Callable[[FleetOutcome], None],
    ) -> None:
        self.client = client
        self.spec = spec
        self._publish = publish
        self._deliver = deliver
        self._states = [EnvironmentState() for _ in spec.targets]
        self._outcomes: list[FleetOutcome | None] = [None] * len(spec.targets)
        self._failures = 0
        self._started_at = anyio.current_time()
        self.poller = CentralPoller(
            client,
            policy=spec.poll or client.poll_policy,
            environment_ids=[t.environment_id for t in spec.targets],
            known_projects={
                t.environment_id: t.project_id for t in spec.targets if t.project_id is not None
            },
            emit=self.emit,
            elapsed=self.elapsed,
            awaited=self._ends_awaited,
        )
        self.gate = StartGate(client.governor, all_sent=self.poller.wake)
        self._feeding = False
        self._awaiting_place = False
        rollout = spec.rollout
        self.confirms_by_status = (
            rollout is not None and rollout.health == "status" and spec.action == "deploy"
        )
        self.timed_out = False
        self.cancelled = False
        self.halted: RolloutHalt | None = None
        self._bake_cut = anyio.CancelScope()
        self._rate_limit_waits: list[tuple[float, float, str]] = []
        self.waves = Waves(
            client,
            spec,
            emit=self.emit,
            elapsed=self.elapsed,
            project_of=self._project_of,
            record=self._record,
        )

    # -- RunControl for the workers ----------------------------------------------------------
    def emit(self, event: FleetEvent) -> None:
        """Publish a progress event."""
        if isinstance(event, FleetRateLimitWait):
            self._rate_limit_waits.append((event.elapsed, event.delay, event.bucket))
        self._publish(event)

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return anyio.current_time() - self._started_at

    def stopping(self) -> bool:
        """Whether new actions may no longer be sent."""
        return self.gate.stopped

    async def before_send(self) -> Slot | None:
        """Wait for a write slot and take it; ``None`` when the run stopped starting meanwhile."""
        return await self.gate.take_slot()

    def after_send(self) -> None:
        """The action answered (or failed)."""
        self.gate.sent()

    # -- pause, resume, halt ------------------------------------------------------------------
    def pause(self, reason: str = "paused") -> None:
        """Start nothing new until :meth:`resume` (actions in flight go on)."""
        if self.gate.pause():
            self.emit(RolloutPaused(wave=self.waves.current, reason=reason, elapsed=self.elapsed()))

    def resume(self) -> None:
        """Go on after :meth:`pause`."""
        if self.gate.resume():
            self.emit(RolloutResumed(wave=self.waves.current, elapsed=self.elapsed()))

    @property
    def paused(self) -> bool:
        """Whether the run is paused."""
        return self.gate.paused

    def halt(self, reason: str, *, budget: str | None = None, wave: int | None = None) -> None:
        """Stop for good: no new wave, no new start; tasks in flight are followed."""
        if self.halted is None:
            self.halted = RolloutHalt(
                reason=reason, wave=self.waves.current if wave is None else wave, budget=budget
            )
            logger.info("fleet: %s", self.halted)
            self.emit(RolloutHalted(halt=self.halted, elapsed=self.elapsed()))
        self.stop_starting()
        self._bake_cut.cancel()

    # -- the run -----------------------------------------------------------------------------
    async def run(self) -> FleetReport:
        """Run to the end (or the overall timeout); cancellation still finalises the report."""
        try:
            with anyio.move_on_after(self.spec.timeout) as overall:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(self._run_poller)
                    await self._feed(tg)
            self.timed_out = overall.cancelled_caught
        except anyio.get_cancelled_exc_class():
            self.cancelled = True
            raise
        finally:
            self._finalise()
        return self.report()

    def _ends_awaited(self) -> Awaited:
        """What waits on tasks' ends: a start waiting for a ``max_parallel`` place, or (every
        action of this wave sent) the end of the wave or run; ``None`` while sending."""
        if self._awaiting_place:
            return "place"
        return None if self._feeding or self.gate.waiting else "end"

    async def _run_poller(self) -> None:
        await self.poller.run()

    async def _feed(self, tg: anyio.abc.TaskGroup) -> None:
        limiter = anyio.CapacityLimiter(self.spec.max_parallel)
        last = len(self.spec.waves) - 1
        for wave, positions in enumerate(self.spec.waves):
            if self.stopping():
                break
            await self._run_wave(wave, positions, limiter)
            rollout = self.spec.rollout
            if rollout is not None and rollout.pause_between_waves and wave < last:
                self.pause("between waves")
        tg.cancel_scope.cancel()  # every worker is done: stop the poller

    async def _run_wave(
        self, wave: int, positions: tuple[int, ...], limiter: anyio.CapacityLimiter
    ) -> None:
        """Start the wave's environments in order; wait for them; bake it (rollouts)."""
        await anyio.lowlevel.checkpoint()  # a cancel or halt from the last wave's events lands
        await self.gate.wait_to_start()
        if self.stopping():
            return
        self.waves.start(wave)
        async with anyio.create_task_group() as workers:
            self._feeding = True
            for position in positions:
                await self.gate.wait_to_start()
                if self.stopping():
                    break
                token = object()
                if limiter.available_tokens < 1:
                    self._awaiting_place = True
                    self.poller.wake()  # a start now waits on a task's end
                try:
                    await limiter.acquire_on_behalf_of(token)
                finally:
                    self._awaiting_place = False
                if self.stopping():
                    limiter.release_on_behalf_of(token)
                    break
                workers.start_soon(self._worker, self.spec.targets[position], limiter, token)
            self._feeding = False
            self.poller.wake()  # the wave's end now waits on its tasks
        if not self.stopping():
            self._bake_cut = anyio.CancelScope()
            with listening(transport_listener(self.emit, self.elapsed, None)):
                await self.waves.bake(wave, cut=self._bake_cut)
        self.waves.release_all()
        self.waves.finish(wave, self._outcomes)

    async def _worker(
        self, target: FleetTarget, limiter: anyio.CapacityLimiter, token: object
    ) -> None:
        state = self._states[target.index]
        state.queued_at = self.elapsed()
        try:
            with listening(transport_listener(self.emit, self.elapsed, target.environment_id)):
                outcome = await run_environment(self, target, state)
                outcome = evolve(outcome, wave=self._wave_or_none(target.index))
                try:
                    outcome = await self.waves.check(outcome, report=state.status_report)
                except Exception as error:  # the environment's outcome, as in run_environment
                    outcome = evolve(outcome, kind=OutcomeKind.ERRORED, error=error)
            if not self.waves.hold(outcome):
                self._record(outcome)
        finally:
            limiter.release_on_behalf_of(token)

    def _project_of(self, environment_id: UUID) -> UUID | None:
        return self.poller.sweeps.project_of(environment_id)

    def _record(self, outcome: FleetOutcome) -> None:
        if self._outcomes[outcome.index] is not None:
            raise RuntimeError(f"second outcome for environment {outcome.environment_id}")
        if outcome.name is None:
            name = self.poller.sweeps.name_of(outcome.environment_id)
            if name is not None:
                outcome = evolve(outcome, name=name)
        self._outcomes[outcome.index] = outcome
        if self._is_failure(outcome):
            self._failures += 1
            limit = self.spec.max_failures
            if limit is not None and self._failures >= limit:
                logger.info("fleet: %d failure(s): starting no more environments", self._failures)
                self._stop_for(f"{self._failures} failure(s) reached the run's max_failures")
        if isinstance(outcome.error, _RUN_WIDE_ERRORS):
            if not self.gate.stopped and len(self.spec.targets) > 1:
                # One environment: its outcome says it all.
                logger.warning("fleet: starting no more environments after %s", outcome.error)
            self._stop_for(str(outcome.error), budget=None)
        halt = self.waves.count(outcome)
        if halt is not None:
            self.halt(halt.reason, budget=halt.budget, wave=halt.wave)
        self._deliver(outcome)
        self.emit(FleetEnvironmentFinished(outcome=outcome))

    def _stop_for(self, reason: str, *, budget: str | None = "run max_failures") -> None:
        """The run's own limits stop it: a rollout reports it as a halt."""
        if self.spec.rollout is not None:
            self.halt(reason, budget=budget)
        else:
            self.stop_starting()

    def _is_failure(self, outcome: FleetOutcome) -> bool:
        if outcome.kind in (OutcomeKind.FAILED, OutcomeKind.ERRORED, OutcomeKind.UNHEALTHY):
            return True
        if outcome.kind is OutcomeKind.CONFLICTED:
            skipped = isinstance(outcome.error, TaskInProgressError)
            return not (skipped and self.spec.on_conflict == "skip")
        return False

    def stop_starting(self) -> None:
        """Send no further action; environments not sent yet end ``not_started``."""
        self.gate.stop()

    def _finalise(self) -> None:
        """Give every environment without an outcome one: cancelled if in flight, else not started."""
        self.waves.release_all()
        elapsed = self.elapsed()
        for target, state in zip(self.spec.targets, self._states, strict=True):
            if self._outcomes[target.index] is not None:
                continue
            in_flight = state.started or state.task_id is not None
            kind = OutcomeKind.CANCELLED if in_flight else OutcomeKind.NOT_STARTED
            outcome = outcome_for(target, state, kind, elapsed, deployment=None)
            outcome = evolve(outcome, wave=self._wave_or_none(target.index))
            self._outcomes[target.index] = outcome
            self._deliver(outcome)
            self._publish(FleetEnvironmentFinished(outcome=outcome))

    def _wave_or_none(self, position: int) -> int | None:
        return self.waves.wave_of(position) if self.spec.rollout is not None else None

    def report(self) -> FleetReport:
        """The report of the run (complete once :meth:`run` has returned or been cancelled)."""
        return FleetReport(
            action=self.spec.action,
            outcomes=tuple(o for o in self._outcomes if o is not None),
            elapsed=self.elapsed(),
            batch_id=self.spec.batch_id,
            cancelled=self.cancelled,
            timed_out=self.timed_out,
            waves=self.waves.reports(self._outcomes),
            halted=self.halted,
            rate_limit_waits=tuple(self._rate_limit_waits),
        )
