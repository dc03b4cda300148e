"""A rate budget shared by many processes on one API key (``pip install 'oec-async[redis]'``).

Example::

    from oec_async import Client
    from oec_async.budget import RedisBudget

    async with Client(budget=RedisBudget("redis://127.0.0.1:6379/0")) as client:
        await client.fleet.deploy(env_ids)

Or set ``OEC_BUDGET_URL=redis://127.0.0.1:6379/0``: ``Client()`` and the ``oec`` CLI pick it up.
"""

from .._events import SharedBudgetRestored, SharedBudgetUnavailable
from ._redis import DEFAULT_PREFIX, BudgetStats, RedisBuckets, RedisBudget

__all__ = [
    "DEFAULT_PREFIX",
    "BudgetStats",
    "RedisBuckets",
    "RedisBudget",
    "SharedBudgetRestored",
    "SharedBudgetUnavailable",
]
