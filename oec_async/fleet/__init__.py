"""Fleet fan-out: one action over many environments, within limits and the rate budget.

Reach it as ``client.fleet``; every public name is also exported from ``oec_async``.
"""

from __future__ import annotations

from ._events import (
    FleetActionStarted,
    FleetEnvironmentFinished,
    FleetEvent,
    FleetRateLimitWait,
    FleetRetry,
    FleetRunFinished,
    FleetRunStarted,
    FleetStatusChanged,
    HealthChecked,
    RolloutHalted,
    RolloutPaused,
    RolloutResumed,
    WaveBaking,
    WaveFinished,
    WaveStarted,
)
from ._fleet import Fleet
from ._outcome import FleetOutcome, FleetReport, OutcomeKind, RolloutHalt, WaveReport
from ._plan import FleetPlan, PlannedConflict, PlannedWave
from ._rollout import EnvironmentUnhealthyError, HealthProbe, Rollout, WaveSize
from ._run import FleetEventStream, FleetRun
from ._spec import ConflictPolicy, EnvironmentRef, FleetOptions, idempotency_key

__all__ = [
    "ConflictPolicy",
    "EnvironmentRef",
    "EnvironmentUnhealthyError",
    "Fleet",
    "FleetActionStarted",
    "FleetEnvironmentFinished",
    "FleetEvent",
    "FleetEventStream",
    "FleetOptions",
    "FleetOutcome",
    "FleetPlan",
    "FleetRateLimitWait",
    "FleetReport",
    "FleetRetry",
    "FleetRun",
    "FleetRunFinished",
    "FleetRunStarted",
    "FleetStatusChanged",
    "HealthChecked",
    "HealthProbe",
    "OutcomeKind",
    "PlannedConflict",
    "PlannedWave",
    "Rollout",
    "RolloutHalt",
    "RolloutHalted",
    "RolloutPaused",
    "RolloutResumed",
    "WaveBaking",
    "WaveFinished",
    "WaveReport",
    "WaveSize",
    "WaveStarted",
    "idempotency_key",
]
