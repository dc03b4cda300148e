"""The engine of one fleet run: start environments in order, within the limits, and report.

One task group holds the central poller and one worker per environment in flight. A feeder
starts workers in input order as ``max_parallel`` tokens free up, and stops starting as soon as
the run must stop (``fail_fast``/``max_failures``, an error every environment would hit, the
overall timeout, cancellation). Workers that hold a token but have not sent their action yet
are let go at once: nothing more is POSTed after the stop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import anyio
import anyio.abc

from .._events import listening
from .._exceptions import (
    AuthenticationError,
    PaymentRequiredError,
    PermissionDeniedError,
    TaskInProgressError,
)
from .._ratelimit import WRITE, Slot
from ._events import FleetEnvironmentFinished, FleetEvent, transport_listener
from ._outcome import FleetOutcome, FleetReport, OutcomeKind
from ._poller import CentralPoller
from ._spec import FleetSpec, FleetTarget
from ._worker import EnvironmentState, outcome_for, run_environment

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["Engine"]

logger: Final = logging.getLogger("oec_async")

# Answers that every other environment of the run would get too: stop starting new ones.
_RUN_WIDE_ERRORS: Final = (AuthenticationError, PaymentRequiredError, PermissionDeniedError)


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
        self._stop = False
        self._waiting_scopes: set[anyio.CancelScope] = set()
        self._probe_lock = anyio.Lock()
        self._probe_owner: anyio.TaskInfo | None = None
        self._probe_done = False
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
        )
        self.timed_out = False
        self.cancelled = False

    # -- RunControl for the workers ----------------------------------------------------------
    def emit(self, event: FleetEvent) -> None:
        """Publish a progress event."""
        self._publish(event)

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return anyio.current_time() - self._started_at

    def stopping(self) -> bool:
        """Whether new actions may no longer be sent."""
        return self._stop

    async def before_send(self) -> Slot | None:
        """Wait for a write slot and take it; ``None`` when the run stopped starting meanwhile.

        Until a response has confirmed the write budget with its headers, one action goes out
        at a time: a server whose budget is smaller than the configured one is learned from
        the first answer instead of from a burst of 429s.
        """
        holding = False
        slot: Slot | None = None
        with anyio.CancelScope() as scope:
            self._waiting_scopes.add(scope)
            try:
                if not self._stop:
                    if self._needs_probe():
                        await self._probe_lock.acquire()
                        holding = True
                        if not self._needs_probe():
                            self._probe_lock.release()
                            holding = False
                    slot = await self.client.governor.acquire_slot(WRITE)
            except BaseException:
                if holding:
                    self._probe_lock.release()
                    holding = False
                raise
            finally:
                self._waiting_scopes.discard(scope)
        if scope.cancelled_caught or self._stop or slot is None:
            if holding:
                self._probe_lock.release()
            return None
        if holding:
            self._probe_owner = anyio.get_current_task()
        return slot

    def after_send(self) -> None:
        """The action answered (or failed): the probe, if this was it, is over."""
        owner = self._probe_owner
        if owner is not None and owner == anyio.get_current_task():
            self._probe_owner = None
            self._probe_done = True  # the budget is as known as it will get
            self._probe_lock.release()

    def _needs_probe(self) -> bool:
        governor = self.client.governor
        return governor.limits.enabled and not self._probe_done and not governor.is_confirmed(WRITE)

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

    async def _run_poller(self) -> None:
        await self.poller.run()

    async def _feed(self, tg: anyio.abc.TaskGroup) -> None:
        limiter = anyio.CapacityLimiter(self.spec.max_parallel)
        async with anyio.create_task_group() as workers:
            for target in self.spec.targets:
                if self.stopping():
                    break
                token = object()
                await limiter.acquire_on_behalf_of(token)
                if self.stopping():
                    limiter.release_on_behalf_of(token)
                    break
                workers.start_soon(self._worker, target, limiter, token)
        tg.cancel_scope.cancel()  # every worker is done: stop the poller

    async def _worker(
        self, target: FleetTarget, limiter: anyio.CapacityLimiter, token: object
    ) -> None:
        state = self._states[target.index]
        try:
            with listening(transport_listener(self.emit, self.elapsed, target.environment_id)):
                outcome = await run_environment(self, target, state)
            self._record(outcome)
        finally:
            limiter.release_on_behalf_of(token)

    def _record(self, outcome: FleetOutcome) -> None:
        if self._outcomes[outcome.index] is not None:
            raise RuntimeError(f"second outcome for environment {outcome.environment_id}")
        self._outcomes[outcome.index] = outcome
        if self._is_failure(outcome):
            self._failures += 1
            limit = self.spec.max_failures
            if limit is not None and self._failures >= limit:
                logger.info("fleet: %d failure(s): starting no more environments", self._failures)
                self.stop_starting()
        if isinstance(outcome.error, _RUN_WIDE_ERRORS):
            if (
                not self._stop and len(self.spec.targets) > 1
            ):  # one environment: its outcome says it
                logger.warning("fleet: starting no more environments after %s", outcome.error)
            self.stop_starting()
        self._deliver(outcome)
        self.emit(FleetEnvironmentFinished(outcome=outcome))

    def _is_failure(self, outcome: FleetOutcome) -> bool:
        if outcome.kind in (OutcomeKind.FAILED, OutcomeKind.ERRORED):
            return True
        if outcome.kind is OutcomeKind.CONFLICTED:
            skipped = isinstance(outcome.error, TaskInProgressError)
            return not (skipped and self.spec.on_conflict == "skip")
        return False

    def stop_starting(self) -> None:
        """Send no further action; environments not sent yet end ``not_started``."""
        self._stop = True
        for scope in list(self._waiting_scopes):
            scope.cancel()

    def _finalise(self) -> None:
        """Give every environment without an outcome one: cancelled if in flight, else not started."""
        elapsed = self.elapsed()
        for target, state in zip(self.spec.targets, self._states, strict=True):
            if self._outcomes[target.index] is not None:
                continue
            in_flight = state.started or state.task_id is not None
            kind = OutcomeKind.CANCELLED if in_flight else OutcomeKind.NOT_STARTED
            outcome = outcome_for(target, state, kind, elapsed, deployment=None)
            self._outcomes[target.index] = outcome
            self._deliver(outcome)
            self._publish(FleetEnvironmentFinished(outcome=outcome))

    def report(self) -> FleetReport:
        """The report of the run (complete once :meth:`run` has returned or been cancelled)."""
        return FleetReport(
            action=self.spec.action,
            outcomes=tuple(o for o in self._outcomes if o is not None),
            elapsed=self.elapsed(),
            batch_id=self.spec.batch_id,
            cancelled=self.cancelled,
            timed_out=self.timed_out,
        )
