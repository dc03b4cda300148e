"""``FleetRun``: the handle a fleet call returns — await it, iterate it, watch its events.

``await run`` runs the engine in the awaiting task, inside its task groups: nothing detached.

``async for outcome in run`` (and ``run.events()``, ``async with run``) must keep POSTing and
polling while the consumer's loop body runs, so the engine's task groups cannot live in the
iterating frame (suspending a frame inside a task group or cancel scope hands cancellation to
the wrong code). Only then does the engine run in one detached task that the run owns;
outcomes and events travel through queues, and the consumer's side only ever waits on those.
Who ends that task: the run itself, when it has a report; or whoever iterates, awaits or leaves
``async with`` and is cancelled, which cancels the engine's scope and waits (shielded) until it
has stopped and written its report, so nothing outlives the cancellation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from uuid import UUID

import anyio

from ._channel import Channel
from ._engine import Engine
from ._events import FleetEvent, FleetRunFinished, FleetRunStarted
from ._outcome import FleetOutcome, FleetReport
from ._spec import FleetSpec

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["FleetEventStream", "FleetRun"]


class FleetRun:
    """A fleet action over many environments; nothing is sent until it is used.

    Use it in any of these ways (they combine):

    * ``report = await run`` runs it to the end and returns the :class:`FleetReport`;
    * ``async for outcome in run:`` yields each environment's :class:`FleetOutcome` as it
      finishes (``await run`` afterwards returns the report at once);
    * ``run.events()`` streams progress events; ``on_event=`` gets them as a callback;
    * ``async with run:`` starts it and guarantees it is stopped when the block exits.

    Cancelling whatever awaits or iterates the run cancels it: no further action is sent,
    in-flight requests are cancelled, and ``run.report`` says which environments had been
    started (``outcome.started``) and how each ended.

    Example::

        run = client.fleet.deploy(env_ids, max_parallel=20, batch_id="release-42")
        async for outcome in run:
            print(outcome.environment_id, outcome.kind, outcome.error_message or "")
        report = await run
        print(report.summary())
    """

    def __init__(self, client: Client, spec: FleetSpec) -> None:
        self._client = client
        self._spec = spec
        self._outcomes: Channel[FleetOutcome] = Channel()
        self._finished: list[FleetOutcome] = []
        self._subscribers: list[Channel[FleetEvent]] = []
        self._task: asyncio.Task[None] | None = None
        self._done: anyio.Event | None = None
        self._report: FleetReport | None = None
        self._error: BaseException | None = None
        self._cancel_requested = False
        self._scope: anyio.CancelScope | None = None
        self._engine: Engine | None = None
        self._early: list[Callable[[Engine], None]] = []

    def __repr__(self) -> str:
        state = "done" if self.done else "running" if self._done is not None else "not started"
        return (
            f"<FleetRun {self._spec.action} of {len(self._spec.targets)} environments, "
            f"{len(self._finished)} finished, {state}>"
        )

    # -- state ------------------------------------------------------------------------------
    @property
    def action(self) -> str:
        """The action (``deploy``, ``restart``, ``start``, ``stop``)."""
        return self._spec.action

    @property
    def environment_ids(self) -> tuple[UUID, ...]:
        """The environments, in the order given."""
        return tuple(t.environment_id for t in self._spec.targets)

    @property
    def waves(self) -> tuple[tuple[UUID, ...], ...]:
        """The environments of each wave (one wave of all of them without a rollout)."""
        targets = self._spec.targets
        return tuple(tuple(targets[p].environment_id for p in wave) for wave in self._spec.waves)

    @property
    def batch_id(self) -> str | None:
        """The batch id the idempotency keys derive from, if one was given."""
        return self._spec.batch_id

    @property
    def outcomes(self) -> tuple[FleetOutcome, ...]:
        """The outcomes so far, in the order the environments finished."""
        return tuple(self._finished)

    @property
    def done(self) -> bool:
        """Whether the run has ended (completed, failed, timed out or cancelled)."""
        return self._done is not None and self._done.is_set()

    @property
    def report(self) -> FleetReport | None:
        """The report once the run has ended (also after a cancellation), else ``None``."""
        return self._report

    # -- control ----------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop the run: nothing more is sent, in-flight requests are cancelled.

        Returns at once; ``await run`` (or ``run.report`` once ``run.done``) gives the report.
        """
        self._cancel_requested = True
        if self._scope is not None:
            self._scope.cancel()

    def pause(self) -> None:
        """Start no new environment until :meth:`resume`; actions in flight go on.

        Emits ``RolloutPaused``. Works with or without a rollout, before or during the run.
        """
        self._control(lambda engine: engine.pause())

    def resume(self) -> None:
        """Go on after :meth:`pause` (or after a wave with ``pause_between_waves=True``)."""
        self._control(lambda engine: engine.resume())

    def halt(self, reason: str = "halted by the caller") -> None:
        """Stop for good: no new wave and no new start; tasks in flight are followed to their
        end, environments never started end ``not_started``; ``report.halted`` says ``reason``.
        """
        text: object = reason
        if not isinstance(text, str):
            raise TypeError(f"reason must be a string, got {type(text).__name__}")
        self._control(lambda engine: engine.halt(reason))

    @property
    def paused(self) -> bool:
        """Whether the run is paused (by :meth:`pause` or between waves)."""
        return self._engine is not None and self._engine.paused

    def _control(self, action: Callable[[Engine], None]) -> None:
        if self.done:
            return  # nothing left to pause, resume or halt
        if self._engine is not None:
            action(self._engine)
        else:
            self._early.append(action)  # applied when the engine is built

    def events(self) -> FleetEventStream:
        """A stream of this run's progress events, from now on.

        Iterating it starts the run if needed, but does not stop it: cancel or ``await`` the
        run itself (or use ``async with run:``) to control its life, and to get its result
        (an error inside the run is raised there, not by the stream).
        """
        channel: Channel[FleetEvent] = Channel()
        if self.done:
            channel.close()
        else:
            self._subscribers.append(channel)
        return FleetEventStream(channel, start=self._start, unsubscribe=self._unsubscribe)

    def _unsubscribe(self, channel: Channel[FleetEvent]) -> None:
        if channel in self._subscribers:
            self._subscribers.remove(channel)

    # -- consumption --------------------------------------------------------------------------
    def __await__(self) -> Generator[Any, None, FleetReport]:
        return self._result().__await__()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> FleetOutcome:
        self._start()
        try:
            return await self._outcomes.get()
        except anyio.EndOfStream:
            await self._join()  # every outcome was delivered: let the engine finish
        except BaseException:
            await self._stop_and_join()
            raise
        if self._error is not None:
            raise self._error
        raise StopAsyncIteration

    async def __aenter__(self) -> Self:
        self._start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.done:
            await self._stop_and_join()

    async def _result(self) -> FleetReport:
        if self._done is None:
            await self._run_here()
        else:
            await self._join()
        if self._error is not None:
            raise self._error
        if self._report is None:  # pragma: no cover - the engine always leaves a report
            raise RuntimeError("the fleet run ended without a report")
        return self._report

    # -- the engine ------------------------------------------------------------------------
    async def _run_here(self) -> None:
        """``await run`` with nothing started: the engine runs in the awaiting task."""
        self._client._require_transport()  # ClientClosedError now, not inside the run
        done = self._done = anyio.Event()
        try:
            await self._main()
        finally:
            done.set()

    def _start(self) -> anyio.Event:
        if self._done is None:
            self._client._require_transport()  # ClientClosedError now, not inside the run
            self._done = anyio.Event()
            # The one detached task of the fleet (see the module docstring): it ends when the
            # engine has its report, or when a consumer cancels the run's scope and waits.
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._main(), name=f"oec-fleet-{self._spec.action}")
            self._task.add_done_callback(self._on_task_done)
        return self._done

    async def _main(self) -> None:
        engine = Engine(self._client, self._spec, publish=self._publish, deliver=self._deliver)
        self._engine = engine
        self._publish(
            FleetRunStarted(
                action=self._spec.action,
                environment_ids=self.environment_ids,
                batch_id=self._spec.batch_id,
            )
        )
        for action in self._early:
            action(engine)
        self._early.clear()
        if self._cancel_requested:
            engine.stop_starting()
            engine.cancelled = True
        scope = self._scope = anyio.CancelScope()
        try:
            with scope:
                self._report = await engine.run()
        except anyio.get_cancelled_exc_class():
            raise  # cancelled from outside (``await run`` cancelled): the report is written below
        except BaseException as error:  # a bug inside the run: the consumer re-raises it
            self._error = _unwrap(error)
        finally:
            if self._report is None:
                self._report = engine.report()
            self._publish(FleetRunFinished(report=self._report))
            self._outcomes.close()
            for channel in self._subscribers:
                channel.close()
            self._subscribers.clear()

    def _on_task_done(self, _: asyncio.Task[None]) -> None:
        if self._done is not None:
            self._done.set()

    async def _join(self) -> None:
        done = self._start()
        try:
            await done.wait()
        except BaseException:
            await self._stop_and_join()
            raise

    async def _stop_and_join(self) -> None:
        self.cancel()
        done = self._start()
        with anyio.CancelScope(shield=True):
            await done.wait()

    def _publish(self, event: FleetEvent) -> None:
        self._client._emit(event)  # the client's listeners (event_hooks, listening()) see it too
        for channel in self._subscribers:
            channel.put(event)
        hook = self._spec.on_event
        if hook is not None:
            try:
                hook(event)
            except Exception as error:
                # The caller's bug, not an environment's outcome: it ends the run (cancelled,
                # report complete) and ``await run`` / iteration raise it.
                if self._error is None:
                    self._error = error
                self.cancel()

    def _deliver(self, outcome: FleetOutcome) -> None:
        self._finished.append(outcome)
        self._outcomes.put(outcome)


class FleetEventStream:
    """Progress events of one :class:`FleetRun`, as an async iterator.

    Ends after the run's last event. ``aclose()`` (or leaving ``async with``) unsubscribes.
    """

    def __init__(
        self,
        channel: Channel[FleetEvent],
        *,
        start: Callable[[], object],
        unsubscribe: Callable[[Channel[FleetEvent]], None],
    ) -> None:
        self._channel = channel
        self._start = start
        self._unsubscribe = unsubscribe

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> FleetEvent:
        self._start()
        try:
            return await self._channel.get()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        """Stop receiving events (the run goes on)."""
        self._channel.close()
        self._unsubscribe(self._channel)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _unwrap(error: BaseException) -> BaseException:
    """The first real error inside task-group wrapping (a note counts the others)."""
    if not isinstance(error, BaseExceptionGroup):
        return error
    cancelled = anyio.get_cancelled_exc_class()
    leaves = [e for e in _leaves(error) if not isinstance(e, cancelled)]
    if not leaves:
        return error
    first = leaves[0]
    if len(leaves) > 1:
        first.add_note(f"({len(leaves) - 1} more error(s) ended other parts of the fleet run)")
    return first


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]
