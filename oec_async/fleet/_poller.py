"""The central poller: one loop decides which read to send next, for every task of a run.

Instead of a poll loop per environment, each followed task is a :class:`Watch` with a due time
(see ``_schedule``). The loop picks the most useful read the moment the read budget has room
for it: first confirmations (a sweep or a webhook said a task may be over), then project sweeps
that are due (``_sweeps``), then the task polls whose time has come. It leaves a tenth of the
read budget to the caller's own reads. Reads go out in their own tasks, at most
``MAX_IN_FLIGHT`` at once, each using the slot the loop acquired for it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Final, Literal
from uuid import UUID

import anyio
import anyio.abc

from .._config import PollPolicy
from .._events import listening
from .._exceptions import APIError, APIStatusError, RateLimitError
from .._models import Deployment
from .._ratelimit import READ, Slot
from ._channel import Alarm
from ._events import FleetEvent, FleetStatusChanged, transport_listener
from ._schedule import (
    SWEEP_FRACTION,
    DurationEstimator,
    observed_duration,
    sweep_interval,
    task_poll_due,
)
from ._sweeps import PERMANENT_READ_ERRORS, ProjectState, SweepBook, discover_projects
from ._watch import PollQueue, Watch

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["MAX_IN_FLIGHT", "Awaited", "CentralPoller"]

Awaited = Literal["place", "end"] | None
"""What waits on tasks' ends (see :class:`CentralPoller`)."""

logger: Final = logging.getLogger("oec_async")

MAX_IN_FLIGHT: Final = 32
RESERVED_SHARE: Final = 0.1
"""The share of the read budget the poller leaves to the caller's own reads."""


class CentralPoller:
    """Follows many tasks within the read budget; :meth:`run` loops until cancelled.

    Args:
        client: The open client.
        policy: Bounds on poll intervals.
        environment_ids: Every environment of the run (to learn their projects early).
        known_projects: Environment -> project, where the caller already knows it.
        emit: Where fleet events go.
        elapsed: Seconds since the run started (stamped on events).
        awaited: What waits on tasks' ends now: ``"place"`` (an environment waits for a
            ``max_parallel`` place: every end counts), ``"end"`` (every action is out: the
            wave's or run's end waits on the last task) or ``None`` (actions are still being
            sent); sweeps relax while the ends cannot change what happens next.
    """

    def __init__(
        self,
        client: Client,
        *,
        policy: PollPolicy,
        environment_ids: Iterable[UUID],
        known_projects: Mapping[UUID, UUID],
        emit: Callable[[FleetEvent], None],
        elapsed: Callable[[], float],
        awaited: Callable[[], Awaited] = lambda: "end",
    ) -> None:
        self._client = client
        self._awaited = awaited
        self._policy = policy
        self._emit = emit
        self._elapsed = elapsed
        self._estimator = DurationEstimator()
        self._by_env: dict[UUID, Watch] = {}
        self._queue = PollQueue(lambda w: self._live(w) and not w.in_flight)
        self._alarm = Alarm()
        self._in_flight = 0
        self._first_registered: float | None = None
        self._last_registered: float | None = None
        self.task_polls = 0
        self.sweeps = SweepBook(
            client,
            known_projects=known_projects,
            environment_ids=environment_ids,
            current_watch=self._by_env.get,
            reschedule=self._schedule,
            hint=self.hint,
            emit=emit,
            elapsed=elapsed,
        )

    # -- what the environment workers call -------------------------------------------------
    def watch(
        self,
        task_id: UUID,
        environment_id: UUID,
        *,
        project_id: UUID | None,
        action: str | None,
        use_status: bool = False,
    ) -> Watch:
        """Start following a task (``action`` is ``None`` for a task someone else started).

        ``use_status``: confirm its end with the environment's status read (see ``Watch``).
        """
        watch = Watch(
            task_id,
            environment_id,
            project_id=None,
            action=action,
            registered_at=anyio.current_time(),
            use_status=use_status,
        )
        self._by_env[environment_id] = watch
        if self._first_registered is None and action is not None:
            self._first_registered = watch.registered_at
        if action is not None:
            self._last_registered = watch.registered_at
        self.sweeps.join(watch, project_id)
        self._schedule(watch)
        return watch

    async def wait(self, watch: Watch) -> Deployment:
        """Wait for ``watch``'s task to end; a ``client.task_signals`` push makes us look now.

        Raises:
            APIError: following failed for good (e.g. the task is 404).
        """
        signals = self._client.task_signals
        while not watch.done:
            await signals.sleep(watch.task_id, math.inf)
            if not watch.done:  # news from elsewhere (a webhook): confirm it at once
                self.hint(watch)
        if watch.result is None:
            raise watch.error or RuntimeError("watch ended without a result")
        return watch.result

    def hint(self, watch: Watch) -> None:
        """Something says ``watch``'s task may be over: poll it before anything else."""
        if not self._live(watch) or not watch.hint():
            return
        if not watch.in_flight:
            self._queue.urgent(watch)
            self._alarm.wake()

    def wake(self) -> None:
        """Look at the schedule again now (what is awaited changed)."""
        self._alarm.wake()

    def forget(self, watch: Watch) -> None:
        """Stop following ``watch`` (its worker is done with it)."""
        if self._by_env.get(watch.environment_id) is watch:
            del self._by_env[watch.environment_id]
        self.sweeps.leave(watch)
        watch.invalidate()

    # -- the loop ----------------------------------------------------------------------------
    async def run(self) -> None:
        """Send reads until cancelled."""
        async with anyio.create_task_group() as tg:
            if self.sweeps.unmapped:
                self.sweeps.discovering = True
                tg.start_soon(self._discover)
            while True:
                await self._alarm.sleep(await self._dispatch(tg))

    async def _dispatch(self, tg: anyio.abc.TaskGroup) -> float:
        """Start every read that is due and fits; return how long to sleep before looking again."""
        while self._in_flight < MAX_IN_FLIGHT:
            budget_wait = self._client.governor.background_delay(READ, RESERVED_SHARE)
            if budget_wait > 0:
                return budget_wait
            now = anyio.current_time()
            job, wake_at = self._next_job(now)
            if job is None and wake_at == math.inf and self._stalled():
                self._rescue()
                continue
            if job is None:
                until = self._relaxed_until(now)
                if now < until < wake_at:
                    return until - now  # then sweeps tighten: look again at that moment
                return wake_at - now
            slot = await self._client.governor.acquire_slot(READ)  # at once: the budget has room
            self._in_flight += 1
            if isinstance(job, ProjectState):
                self.sweeps.begin(job)
                tg.start_soon(self._sweep, job, slot)
            else:
                confirm = job.start_poll(anyio.current_time())
                tg.start_soon(self._poll, job, confirm, slot)
        return math.inf

    def _next_job(self, now: float) -> tuple[Watch | ProjectState | None, float]:
        confirm = self._queue.pop_urgent()
        if confirm is not None:
            return confirm, now
        project, sweep_at = self.sweeps.next_due(now, self._sweep_interval())
        if project is not None:
            return project, now
        watch, poll_at = self._queue.pop_due(now)
        return watch, min(sweep_at, poll_at)

    def _sweep_interval(self) -> float:
        governor = self._client.governor
        pacing = governor.limits.enabled
        first = self._first_registered
        return sweep_interval(
            self._estimator.estimate,
            self._policy,
            read_limit=governor.bucket_limit(READ) if pacing else None,
            read_window=governor.bucket_window(READ) if pacing else None,
            age=0.0 if first is None else anyio.current_time() - first,
            relaxed=anyio.current_time() < self._relaxed_until(anyio.current_time()),
        )

    def _relaxed_until(self, now: float) -> float:
        """Until when nothing waits on a task's end (``-inf``: something does now).

        While actions are still being sent and no start waits for a ``max_parallel`` place,
        until that changes (the engine wakes the poller then); once every action is out,
        until the latest task could be over, by the shortest duration seen in this run.
        """
        awaited = self._awaited()
        if awaited is None:
            return math.inf
        shortest, latest = self._estimator.shortest, self._last_registered
        if awaited == "place" or shortest is None or latest is None:
            return -math.inf
        return latest + shortest * (1 - SWEEP_FRACTION)

    def _stalled(self) -> bool:
        """Live tasks, yet nothing scheduled, nothing out, no lookup under way: never happens
        by design; if it ever did, every task would wait forever."""
        return (
            self._in_flight == 0
            and not self.sweeps.discovering
            and any(self._live(w) for w in self._by_env.values())
        )

    def _rescue(self) -> None:
        logger.warning("fleet: poller found followed tasks with nothing scheduled; rescheduling")
        for watch in list(self._by_env.values()):
            if self._live(watch):
                self._schedule(watch)

    # -- reads -------------------------------------------------------------------------------
    async def _sweep(self, project: ProjectState, slot: Slot) -> None:
        try:
            with listening(transport_listener(self._emit, self._elapsed, None)):
                await self.sweeps.sweep(project, slot)
        finally:
            self._in_flight -= 1
            if self.sweeps.discovering and not self.sweeps.discovery_pending():
                self._end_discovery()
            self._alarm.wake()

    async def _discover(self) -> None:
        found: list[UUID] = []
        try:
            with listening(transport_listener(self._emit, self._elapsed, None)):
                found = await discover_projects(self._client, self.sweeps.unmapped)
        except Exception as error:  # discovery only saves reads: tasks are polled one by one
            logger.warning("fleet: project discovery raised %r", error)
        finally:
            self.sweeps.add_discovered(found)
            if not self.sweeps.discovery_pending():
                self._end_discovery()
            self._alarm.wake()

    def _end_discovery(self) -> None:
        """Tasks held for the lookup are scheduled again (on their own if still unmapped)."""
        self.sweeps.discovering = False
        for watch in list(self._by_env.values()):
            if not watch.done and not watch.in_flight:
                self._schedule(watch)

    async def _poll(self, watch: Watch, confirm: bool, slot: Slot) -> None:
        self.task_polls += 1
        sent_at = watch.last_poll_at or anyio.current_time()
        try:
            with listening(transport_listener(self._emit, self._elapsed, watch.environment_id)):
                view = self._client._with_slot(slot)
                if confirm and watch.use_status:
                    report = await view.environments.status(watch.environment_id)
                    confirmed = watch.confirm_from_status(report)
                    deployment = confirmed or await self._unconfirmed(watch)
                else:
                    deployment = await view.deployments.get(watch.task_id)
        except RateLimitError:
            pass  # the bucket is paused; the poll is simply due again
        except APIError as error:
            permanent = isinstance(error, APIStatusError) and error.status in PERMANENT_READ_ERRORS
            if permanent or watch.record_failed_poll():
                self._resolve(watch, error=error)
            else:
                logger.info("fleet: poll of task %s failed (%s)", watch.task_id, error)
        except Exception as error:  # anything else the SDK raised: this task's end, not the run's
            logger.warning("fleet: poll of task %s raised %r", watch.task_id, error)
            self._resolve(watch, error=error)
        else:
            if watch.record_poll(deployment, sent_at, confirm=confirm):
                self._emit(FleetStatusChanged.of(watch.environment_id, deployment, self._elapsed()))
            if deployment.is_terminal:
                self._resolve(watch, result=deployment)
        finally:
            watch.end_poll()
            self._in_flight -= 1
            if not watch.done:
                self._schedule(watch)
                if watch.hinted:  # news arrived while this poll was out: look again
                    self._queue.urgent(watch)
            self._alarm.wake()

    async def _unconfirmed(self, watch: Watch) -> Deployment:
        """The status read could not confirm the end: read the task itself now (a new slot)."""
        self.task_polls += 1
        return await self._client.deployments.get(watch.task_id)

    # -- bookkeeping -------------------------------------------------------------------------
    def _live(self, watch: Watch) -> bool:
        return not watch.done and self._by_env.get(watch.environment_id) is watch

    def _schedule(self, watch: Watch) -> None:
        if self.sweeps.discovering and watch.project_id is None and not watch.hinted:
            self._queue.push(watch, math.inf)  # its project may be known in a moment
            return
        swept = self.sweeps.is_swept(watch)
        due = task_poll_due(
            watch,
            estimate=self._estimator.estimate if watch.action else None,
            policy=self._policy,
            sweep_every=self._sweep_interval() if swept else None,
        )
        self._queue.push(watch, due)
        self._alarm.wake()

    def _resolve(
        self, watch: Watch, *, result: Deployment | None = None, error: Exception | None = None
    ) -> None:
        watch.resolve(result=result, error=error)
        self.sweeps.leave(watch)
        if result is not None and watch.action is not None:
            self._estimator.add(observed_duration(watch, anyio.current_time()))
        self._client.task_signals.notify(watch.task_id)  # wakes the worker in wait()
