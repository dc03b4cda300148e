"""Progress events of a fleet run, for an ``on_event`` hook or ``run.events()``.

Every one is an :class:`~oec_async.Event`, also delivered to the client's listeners
(``Client(event_hooks=...)``, ``client.add_listener``) and to ``oec_async.listening`` blocks
around the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Self
from uuid import UUID

from attrs import frozen

from .._enums import EnvironmentStatus, TaskStatus
from .._events import Event, RateLimitWait, RetryScheduled, TransportEvent
from .._models import Deployment
from ._outcome import FleetOutcome, FleetReport, RolloutHalt, WaveReport

__all__ = [
    "FleetActionStarted",
    "FleetEnvironmentFinished",
    "FleetEvent",
    "FleetRateLimitWait",
    "FleetRetry",
    "FleetRunFinished",
    "FleetRunStarted",
    "FleetStatusChanged",
    "HealthChecked",
    "RolloutHalted",
    "RolloutPaused",
    "RolloutResumed",
    "WaveBaking",
    "WaveFinished",
    "WaveStarted",
    "transport_listener",
]


@frozen(kw_only=True)
class FleetActionStarted(Event):
    """The server accepted the action (202), or we attached to the task already running.

    Attributes:
        environment_id: The environment.
        task_id: The task now followed.
        attached: The task is someone else's (409 ``task_in_progress``, ``on_conflict="attach"``).
        elapsed: Seconds since the run started.
    """

    environment_id: UUID
    task_id: UUID
    attached: bool = False
    elapsed: float = 0.0


@frozen(kw_only=True)
class FleetStatusChanged(Event):
    """A read showed news about an environment's task.

    Polls report the task's own status and progress; a project sweep reports the environment's
    status only (``status`` and ``progress_percent`` are then ``None``).

    Attributes:
        environment_id: The environment.
        task_id: Its task.
        status: The task's status, when a task poll saw it.
        progress_percent: 0-100, when a task poll saw it.
        current_step: The task's current step, when a task poll saw it.
        environment_status: The environment's status, when a project sweep saw it.
        elapsed: Seconds since the run started.
    """

    environment_id: UUID
    task_id: UUID
    status: TaskStatus | None = None
    progress_percent: float | None = None
    current_step: str | None = None
    environment_status: EnvironmentStatus | None = None
    elapsed: float = 0.0

    @classmethod
    def of(cls, environment_id: UUID, deployment: Deployment, elapsed: float) -> Self:
        """The event for a task poll that returned ``deployment``."""
        return cls(
            environment_id=environment_id,
            task_id=deployment.id,
            status=deployment.status,
            progress_percent=deployment.progress_percent,
            current_step=deployment.current_step,
            elapsed=elapsed,
        )


@frozen(kw_only=True)
class FleetRateLimitWait(Event):
    """A request of the run waits for the rate budget.

    Attributes:
        environment_id: The environment whose action waits, or ``None`` for the shared poller.
        bucket: ``"read"`` or ``"write"``.
        delay: Seconds it waits.
        reason: ``"budget"`` (pacing) or ``"429"`` (the server refused; the bucket is paused).
        elapsed: Seconds since the run started.
    """

    environment_id: UUID | None
    bucket: str
    delay: float
    reason: str
    elapsed: float = 0.0


@frozen(kw_only=True)
class FleetRetry(Event):
    """A request of the run failed and will be retried (same idempotency key).

    Attributes:
        environment_id: The environment whose request failed, or ``None`` for a project sweep.
        method: The HTTP method.
        path: The path relative to the base URL.
        attempt: The retry number (1 for the first retry).
        delay: Seconds until the retry.
        reason: What failed (``"503 service_unavailable"``, ``"connection dropped"``...).
        elapsed: Seconds since the run started.
    """

    environment_id: UUID | None
    method: str
    path: str
    attempt: int
    delay: float
    reason: str
    elapsed: float = 0.0


@frozen(kw_only=True)
class FleetEnvironmentFinished(Event):
    """An environment has its outcome (sent once per environment, in finish order).

    Attributes:
        outcome: The outcome.
    """

    outcome: FleetOutcome

    @property
    def environment_id(self) -> UUID:
        """The environment."""
        return self.outcome.environment_id


@frozen(kw_only=True)
class FleetRunStarted(Event):
    """A fleet run begins (the first event of every run).

    Attributes:
        action: The action (``deploy``, ``restart``, ``start``, ``stop``).
        environment_ids: Its environments, in the order given.
        batch_id: The batch id its idempotency keys derive from, if any.
    """

    action: str
    environment_ids: tuple[UUID, ...]
    batch_id: str | None = None


@frozen(kw_only=True)
class FleetRunFinished(Event):
    """A fleet run has ended, completed or not (the last event of every run).

    Attributes:
        report: The run's report (complete, also after a cancellation).
    """

    report: FleetReport


@frozen(kw_only=True)
class WaveStarted(Event):
    """A rollout wave starts sending its actions.

    Attributes:
        wave: Its index (0-based).
        name: ``"canary"`` or ``"wave N"``.
        waves: How many waves the rollout has.
        environment_ids: Its environments.
        elapsed: Seconds since the run started.
    """

    wave: int
    name: str
    waves: int
    environment_ids: tuple[UUID, ...]
    elapsed: float = 0.0


@frozen(kw_only=True)
class WaveBaking(Event):
    """Every environment of a rollout wave finished: the wave is watched for ``seconds``.

    Attributes:
        wave: Its index (0-based).
        name: ``"canary"`` or ``"wave N"``.
        seconds: The bake time; the wave is re-checked at its end.
        elapsed: Seconds since the run started.
    """

    wave: int
    name: str
    seconds: float
    elapsed: float = 0.0


@frozen(kw_only=True)
class WaveFinished(Event):
    """A rollout wave ended (its environments finished and its bake is over, or it halted).

    Attributes:
        report: The wave's report.
        elapsed: Seconds since the run started.
    """

    report: WaveReport
    elapsed: float = 0.0


@frozen(kw_only=True)
class HealthChecked(Event):
    """A health check of an environment whose task completed.

    Attributes:
        environment_id: The environment.
        healthy: What the check found.
        reason: Why it is unhealthy (``None`` when healthy).
        wave: The wave (0-based).
        baking: The check was part of the wave's bake (a watch or its final re-check).
        elapsed: Seconds since the run started.
    """

    environment_id: UUID
    healthy: bool
    reason: str | None = None
    wave: int = 0
    baking: bool = False
    elapsed: float = 0.0


@frozen(kw_only=True)
class RolloutPaused(Event):
    """The rollout starts no new environment until ``run.resume()`` (in flight ones go on).

    Attributes:
        wave: The wave it paused in (or after).
        reason: ``"paused"`` (``run.pause()``) or ``"between waves"``.
        elapsed: Seconds since the run started.
    """

    wave: int
    reason: str
    elapsed: float = 0.0


@frozen(kw_only=True)
class RolloutResumed(Event):
    """``run.resume()`` let the rollout go on.

    Attributes:
        wave: The wave it resumes in (or the next one).
        elapsed: Seconds since the run started.
    """

    wave: int
    elapsed: float = 0.0


@frozen(kw_only=True)
class RolloutHalted(Event):
    """The rollout halted: no new wave, no new start; in-flight tasks are followed to their end.

    Attributes:
        halt: Why, and in which wave.
        elapsed: Seconds since the run started.
    """

    halt: RolloutHalt
    elapsed: float = 0.0


FleetEvent = (
    FleetRunStarted
    | FleetRunFinished
    | FleetActionStarted
    | FleetStatusChanged
    | FleetRateLimitWait
    | FleetRetry
    | FleetEnvironmentFinished
    | WaveStarted
    | WaveBaking
    | WaveFinished
    | HealthChecked
    | RolloutPaused
    | RolloutResumed
    | RolloutHalted
)
"""Any event of a fleet run."""


def transport_listener(
    emit: Callable[[FleetEvent], None], elapsed: Callable[[], float], env_id: UUID | None
) -> Callable[[TransportEvent], None]:
    """A listener for ``oec_async.listening`` turning transport events into fleet events."""

    def forward(event: TransportEvent) -> None:
        if isinstance(event, RateLimitWait):
            emit(
                FleetRateLimitWait(
                    environment_id=env_id,
                    bucket=event.bucket,
                    delay=event.delay,
                    reason=event.reason,
                    elapsed=elapsed(),
                )
            )
        elif isinstance(event, RetryScheduled):
            emit(
                FleetRetry(
                    environment_id=env_id,
                    method=event.method,
                    path=event.path,
                    attempt=event.attempt,
                    delay=event.delay,
                    reason=event.reason,
                    elapsed=elapsed(),
                )
            )

    return forward
