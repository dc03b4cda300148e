"""Learning which projects hold a run's environments, when that is cheaper than polling."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final
from uuid import UUID

from .._exceptions import APIError
from ._schedule import SWEEP_MIN_WATCHES

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["discover_projects"]

logger: Final = logging.getLogger("oec_async")


async def discover_projects(client: Client, unmapped: Iterable[UUID]) -> list[UUID]:
    """The projects worth one sweep each to learn where ``unmapped`` environments live.

    ``GET /projects`` names the projects; when there are few of them compared to the
    environments, one sweep of each maps every environment and costs less than a poll per
    task. With many projects and few environments it does not, and nothing is returned.
    Errors are logged, never raised: discovery only saves reads.
    """
    wanted = len(set(unmapped))
    if wanted < SWEEP_MIN_WATCHES:
        return []
    budget = max(1, wanted // SWEEP_MIN_WATCHES)
    found: list[UUID] = []
    try:
        async for project in client.projects.list(limit=100, max_items=budget + 1):
            found.append(project.id)
    except APIError as error:
        logger.info("fleet: cannot list projects (%s); polling tasks one by one", error)
        return []
    return found if len(found) <= budget else []
