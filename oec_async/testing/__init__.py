"""A realistic fake OEC.sh API server for tests, demos and benchmarks, plus a pytest plugin.

Example::

    from oec_async.testing import FakeOEC, ManualClock

    async with FakeOEC(environments=5, clock=ManualClock()) as fake:
        async with fake.client() as client:
            action = await client.environments.deploy(fake.environment_ids[0])
        fake.advance(1.0)                   # the task is now completed
        assert fake.anomalies.total == 0

Run it as its own process with ``python -m oec_async.testing --help``.
"""

from __future__ import annotations

from ._clock import FakeClock, LoopClock, ManualClock, MonotonicClock
from ._delivery import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign_payload,
)
from ._dialect import Dialect
from ._errors import ErrorStyle
from ._faults import Fault, FaultConfig, FaultRule
from ._idempotency import ACTION_HEADER, CREATE_HEADER
from ._observe import Anomalies, RequestRecord, Stats
from ._ratelimit import RateLimitConfig
from ._server import FakeOEC
from ._tasks import TaskRecord
from ._virtual_time import VirtualTimeLoop, run_in_virtual_time

__all__ = [
    "ACTION_HEADER",
    "CREATE_HEADER",
    "DELIVERY_HEADER",
    "EVENT_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Anomalies",
    "Dialect",
    "ErrorStyle",
    "FakeClock",
    "FakeOEC",
    "Fault",
    "FaultConfig",
    "FaultRule",
    "LoopClock",
    "ManualClock",
    "MonotonicClock",
    "RateLimitConfig",
    "RequestRecord",
    "Stats",
    "TaskRecord",
    "VirtualTimeLoop",
    "run_in_virtual_time",
    "sign_payload",
]
