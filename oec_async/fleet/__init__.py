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
)
from ._fleet import Fleet
from ._outcome import FleetOutcome, FleetReport, OutcomeKind
from ._run import FleetRun
from ._spec import ConflictPolicy, EnvironmentRef, FleetOptions, idempotency_key
from ._stream import FleetEventStream

__all__ = [
    "ConflictPolicy",
    "EnvironmentRef",
    "Fleet",
    "FleetActionStarted",
    "FleetEnvironmentFinished",
    "FleetEvent",
    "FleetEventStream",
    "FleetOptions",
    "FleetOutcome",
    "FleetRateLimitWait",
    "FleetReport",
    "FleetRetry",
    "FleetRun",
    "FleetRunFinished",
    "FleetRunStarted",
    "FleetStatusChanged",
    "OutcomeKind",
    "idempotency_key",
]
