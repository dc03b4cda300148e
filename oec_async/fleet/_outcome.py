"""What a fleet run reports: one outcome per environment, and the report of the whole run."""

from __future__ import annotations

import enum
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final, overload
from uuid import UUID

from attrs import field, frozen

from .._models import Deployment
from .._validation import EnvironmentRef, check_environment_id

__all__ = [
    "COUNTED_KINDS",
    "FleetOutcome",
    "FleetReport",
    "OutcomeKind",
    "RolloutHalt",
    "WaveReport",
]


class OutcomeKind(enum.StrEnum):
    """How one environment's part of a fleet run ended."""

    SUCCEEDED = "succeeded"
    """The task (ours, or the one attached to) completed."""
    FAILED = "failed"
    """The task ended ``failed`` or ``cancelled`` on the server; see ``deployment.error_message``."""
    CONFLICTED = "conflicted"
    """The server refused the action with a 409 (another task active, wrong environment state)."""
    NOT_STARTED = "not_started"
    """Nothing was sent: the run stopped first (fail_fast, max_failures, timeout, cancellation)."""
    CANCELLED = "cancelled"
    """The run was cancelled (or hit its overall timeout) while this environment was in flight."""
    ERRORED = "errored"
    """An error while handling it (connection, 4xx/5xx after retries, per-environment timeout,
    or any other exception from the SDK's code); see ``error``."""
    UNHEALTHY = "unhealthy"
    """Rollouts: the task completed but a health check failed (at once or during the bake)."""


@frozen(kw_only=True)
class FleetOutcome:
    """How one environment's action ended.

    Attributes:
        environment_id: The environment.
        kind: How it ended (see :class:`OutcomeKind`).
        index: Its position in the list given to the fleet call.
        deployment: The terminal Deployment, when the task was followed to its end.
        error: The exception behind a conflicted, errored or failed outcome (``None`` otherwise).
        task_id: The task followed (ours, or the one attached to), when known.
        attached: We attached to a task someone else had started (409 ``task_in_progress``).
        started: Our action was accepted by the server, or may have been (its POST was sent and
            not refused): the environments a cancelled run may have changed.
        elapsed: Seconds from the start of the run to this outcome (same as ``finished_at``).
        name: The environment's name, when known (given as an Environment, or seen in a read).
        reattached: The task was one this batch had already started before this run (a re-run
            with the same ``batch_id`` got the server's idempotent replay), as far as the task's
            start time tells.
        queued_at: Seconds from the run's start to when the environment got its turn (a
            ``max_parallel`` place), ``None`` if it never did.
        started_at: Seconds from the run's start to when its action was sent, ``None`` if never.
        finished_at: Seconds from the run's start to its outcome.
        wave: The rollout wave (0-based) it belonged to; ``None`` without a rollout.
    """

    environment_id: UUID
    kind: OutcomeKind
    index: int
    deployment: Deployment | None = None
    error: Exception | None = field(default=None, eq=False)
    task_id: UUID | None = None
    attached: bool = False
    started: bool = False
    elapsed: float = 0.0
    name: str | None = None
    reattached: bool = False
    queued_at: float | None = None
    started_at: float | None = None
    wave: int | None = None

    @property
    def finished_at(self) -> float:
        """Seconds from the run's start to this outcome."""
        return self.elapsed

    @property
    def ok(self) -> bool:
        """Whether the environment's task completed successfully."""
        return self.kind is OutcomeKind.SUCCEEDED

    @property
    def error_message(self) -> str | None:
        """Why it did not succeed, in one line: the task's error message or the exception."""
        if self.deployment is not None and self.deployment.error_message:
            return self.deployment.error_message
        return str(self.error) if self.error is not None else None


COUNTED_KINDS: Final = frozenset({OutcomeKind.FAILED, OutcomeKind.UNHEALTHY, OutcomeKind.ERRORED})
"""Outcomes that count against a rollout's failure budgets (``conflicted`` does not)."""


def _count(outcomes: tuple[FleetOutcome, ...]) -> Mapping[OutcomeKind, int]:
    counts = dict.fromkeys(OutcomeKind, 0)
    for outcome in outcomes:
        counts[outcome.kind] += 1
    return MappingProxyType(counts)


@frozen(kw_only=True)
class RolloutHalt:
    """Why, and in which wave, a rollout stopped starting environments.

    Attributes:
        reason: In words (``"3 failures in wave 2 > max_failures_per_wave 0"``).
        wave: The index (0-based) of the wave it stopped in.
        budget: ``"max_failures_per_wave"``, ``"max_failures"``, ``"run max_failures"`` (the
            fleet's own ``fail_fast``/``max_failures``), or ``None`` (``run.halt()``, or an
            error every environment would hit).
    """

    reason: str
    wave: int
    budget: str | None = None

    def __str__(self) -> str:
        return f"halted in wave {self.wave + 1}: {self.reason}"


@frozen(kw_only=True)
class WaveReport:
    """One wave of a rollout.

    Attributes:
        index: 0-based position of the wave.
        name: ``"canary"`` or ``"wave N"``.
        environment_ids: Its environments, in input order.
        counts: Outcomes by kind (every kind, zeros included).
        started_at: Seconds from the run's start to the wave's start (``None``: never started).
        finished_at: Seconds from the run's start to the end of its bake (``None``: not ended).
        healthy: Every environment of the wave succeeded and passed its health checks
            (``None`` when the wave never started).
        baked: Seconds it was watched after its last environment finished.
        resumed: A re-run of the batch found every environment of the wave re-attached to a
            task that had completed longer than the bake ago: it was health-checked again but
            not baked again.
    """

    index: int
    name: str
    environment_ids: tuple[UUID, ...]
    counts: Mapping[OutcomeKind, int]
    started_at: float | None = None
    finished_at: float | None = None
    healthy: bool | None = None
    baked: float = 0.0
    resumed: bool = False

    @property
    def failures(self) -> int:
        """Failed, unhealthy and errored environments of the wave."""
        return sum(self.counts[kind] for kind in COUNTED_KINDS)


@frozen(kw_only=True)
class FleetReport:
    """Every environment's outcome, in the order the environments were given.

    Iterating a report (or indexing it by position) gives the outcomes in input order;
    :meth:`outcome` finds one by environment id.

    Attributes:
        action: The action run (``deploy``, ``restart``, ``start``, ``stop``).
        outcomes: One outcome per environment, in input order.
        counts: How many outcomes of each kind (every kind present, zeros included).
        elapsed: Wall-clock seconds the run took.
        batch_id: The batch id the idempotency keys were derived from, if any.
        cancelled: The run was cancelled before every environment finished.
        timed_out: The run's overall ``timeout`` passed before every environment finished.
        waves: Rollouts: one report per wave (empty without a rollout).
        halted: Rollouts: why and in which wave it stopped starting environments, or ``None``.
        rate_limit_waits: Every wait of the run's requests for the rate budget, as
            ``(start, seconds, bucket)`` with ``start`` in seconds since the run's start.
    """

    action: str
    outcomes: tuple[FleetOutcome, ...]
    counts: Mapping[OutcomeKind, int] = field(init=False, eq=False)
    elapsed: float = 0.0
    batch_id: str | None = None
    cancelled: bool = False
    timed_out: bool = False
    waves: tuple[WaveReport, ...] = ()
    halted: RolloutHalt | None = None
    rate_limit_waits: tuple[tuple[float, float, str], ...] = field(default=(), eq=False)

    @counts.default
    def _counts(self) -> Mapping[OutcomeKind, int]:
        return _count(self.outcomes)

    @property
    def ok(self) -> bool:
        """Whether every environment succeeded."""
        return self.counts[OutcomeKind.SUCCEEDED] == len(self.outcomes)

    @property
    def reattached(self) -> int:
        """How many environments re-attached to a task this batch had started before this run."""
        return sum(1 for o in self.outcomes if o.reattached)

    @property
    def started(self) -> tuple[UUID, ...]:
        """Environments whose action was (or may have been) started by this run."""
        return tuple(o.environment_id for o in self.outcomes if o.started)

    def by_kind(self, kind: OutcomeKind | str) -> tuple[FleetOutcome, ...]:
        """The outcomes of one kind, in input order."""
        wanted = OutcomeKind(kind)
        return tuple(o for o in self.outcomes if o.kind is wanted)

    def in_finish_order(self) -> tuple[FleetOutcome, ...]:
        """The outcomes in the order the environments finished."""
        return tuple(sorted(self.outcomes, key=lambda o: (o.elapsed, o.index)))

    def outcome(self, environment_id: EnvironmentRef) -> FleetOutcome:
        """The outcome of one environment (given by id, or as the Environment).

        Raises:
            KeyError: the environment was not part of this run.
        """
        wanted = UUID(check_environment_id(environment_id))
        for outcome in self.outcomes:
            if outcome.environment_id == wanted:
                return outcome
        raise KeyError(f"environment {wanted} was not part of this fleet run")

    def __len__(self) -> int:
        return len(self.outcomes)

    def __iter__(self) -> Iterator[FleetOutcome]:
        return iter(self.outcomes)

    @overload
    def __getitem__(self, index: int) -> FleetOutcome: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[FleetOutcome, ...]: ...

    def __getitem__(self, index: int | slice) -> FleetOutcome | tuple[FleetOutcome, ...]:
        return self.outcomes[index]

    def write_html(self, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
        """Write the run as one self-contained HTML page: a timeline, the counts, the failures.

        The page needs no network access (inline styles, script and SVG); every name and
        message in it is escaped.

        Args:
            path: The file to write (UTF-8; replaced if it exists).
            title: The page's heading (default: the action and the number of environments).

        Returns:
            The path written.
        """
        from ._html import write_html  # the renderer is only needed by those who ask for it

        return write_html(self, path, title=title)

    def summary(self) -> str:
        """One line such as ``deploy: 18 succeeded, 1 failed, 1 not_started in 62.3s``."""
        parts = [f"{n} {kind.value}" for kind, n in self.counts.items() if n]
        state = " (cancelled)" if self.cancelled else " (timed out)" if self.timed_out else ""
        body = ", ".join(parts) if parts else "no environments"
        if self.reattached:
            body += f" ({self.reattached} re-attached)"
        halted = f"; {self.halted}" if self.halted is not None else ""
        return f"{self.action}: {body} in {self.elapsed:.1f}s{state}{halted}"
