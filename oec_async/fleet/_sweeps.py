"""Project sweeps: one ``GET /projects/{id}/environments`` shows many tasks' progress at once.

``discover_projects`` learns which projects hold a run's environments, when that is cheaper
than polling each task.

The book knows which project each environment lives in (given by the caller, or learned with
``GET /projects`` and one sweep per project), which projects have enough followed tasks to be
worth sweeping, and turns a sweep's environment statuses into hints for the poller: an
environment that was ``deploying`` and is settled again has a task that may be over.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Final
from uuid import UUID

import anyio

from .._enums import EnvironmentStatus
from .._exceptions import APIError, APIStatusError
from .._ratelimit import Slot
from ._events import FleetEvent, FleetStatusChanged
from ._schedule import SWEEP_MIN_WATCHES
from ._watch import Watch

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["PERMANENT_READ_ERRORS", "ProjectState", "SweepBook", "discover_projects"]

logger: Final = logging.getLogger("oec_async")

PERMANENT_READ_ERRORS: Final = frozenset({400, 401, 402, 403, 404, 410, 422})
"""Statuses after which reading the same URL again cannot help."""


class ProjectState:
    """A project whose environments' tasks are followed, and its sweeps.

    Attributes:
        id: The project.
        watches: Followed tasks of its environments that are not over yet.
        sweeping: Sweeps are worth it (enough tasks to follow) and possible.
        pending_discovery: One sweep is owed to learn which environments it holds.
        last_sweep_at: When the last sweep was sent.
        in_flight: A sweep is being sent.
        dead: Sweeping it failed for good (404/403): its tasks are polled one by one.
    """

    __slots__ = (
        "dead",
        "id",
        "in_flight",
        "last_sweep_at",
        "pending_discovery",
        "sweeping",
        "watches",
    )

    def __init__(self, project_id: UUID, *, pending_discovery: bool = False) -> None:
        self.id = project_id
        self.watches: set[Watch] = set()
        self.sweeping = False
        self.pending_discovery = pending_discovery
        self.last_sweep_at: float | None = None
        self.in_flight = False
        self.dead = False


class SweepBook:
    """Environments' projects, and the sweeps that follow their tasks.

    Args:
        client: The open client.
        known_projects: Environment -> project, where the caller knows it.
        environment_ids: Every environment of the run.
        current_watch: The live watch of an environment, if any.
        reschedule: Called when a watch's poll timing changes (a project starts or stops
            being swept, a sweep sees the task under way).
        hint: Called when a sweep suggests a task is over.
        emit: Where status events go.
        elapsed: Seconds since the run started.
    """

    def __init__(
        self,
        client: Client,
        *,
        known_projects: Mapping[UUID, UUID],
        environment_ids: Iterable[UUID],
        current_watch: Callable[[UUID], Watch | None],
        reschedule: Callable[[Watch], None],
        hint: Callable[[Watch], None],
        emit: Callable[[FleetEvent], None],
        elapsed: Callable[[], float],
    ) -> None:
        self._client = client
        self._env_project = dict(known_projects)
        self.unmapped = {env for env in environment_ids if env not in self._env_project}
        self.discovering = False
        """Projects are being looked up: environments without one wait for the answer."""
        self._projects: dict[UUID, ProjectState] = {}
        self._current_watch = current_watch
        self._reschedule = reschedule
        self._hint = hint
        self._emit = emit
        self._elapsed = elapsed
        self._names: dict[UUID, str] = {}
        self.sweeps = 0

    def project_of(self, environment_id: UUID) -> UUID | None:
        """The project of an environment, when known."""
        return self._env_project.get(environment_id)

    def name_of(self, environment_id: UUID) -> str | None:
        """The name of an environment, when a sweep has shown it."""
        return self._names.get(environment_id)

    # -- membership ---------------------------------------------------------------------------
    def join(self, watch: Watch, project_id: UUID | None) -> None:
        """Place ``watch`` in its project (given, or known from earlier reads)."""
        project_id = project_id or self._env_project.get(watch.environment_id)
        if project_id is None:
            return
        project = self._projects.get(project_id)
        if project is None:
            project = self._projects[project_id] = ProjectState(project_id)
        project.watches.add(watch)
        watch.join_project(
            project_id, swept_since=anyio.current_time() if project.sweeping else None
        )
        self._update(project)

    def leave(self, watch: Watch) -> None:
        """Take ``watch`` out of its project's sweeps."""
        project = self._projects.get(watch.project_id) if watch.project_id else None
        if project is not None and watch in project.watches:
            project.watches.discard(watch)
            self._update(project)

    def is_swept(self, watch: Watch) -> bool:
        """Whether ``watch``'s project is being swept."""
        project = self._projects.get(watch.project_id) if watch.project_id else None
        return project is not None and project.sweeping

    def _update(self, project: ProjectState) -> None:
        should = not project.dead and len(project.watches) >= SWEEP_MIN_WATCHES
        if should != project.sweeping:
            project.sweeping = should
            now = anyio.current_time()
            for watch in list(project.watches):
                watch.set_swept(now if should else None)
                self._reschedule(watch)

    # -- scheduling -----------------------------------------------------------------------------
    def next_due(self, now: float, interval: float) -> tuple[ProjectState | None, float]:
        """A project whose sweep is due now, or ``None`` and when the next one is."""
        wake_at = math.inf
        for project in self._projects.values():
            if project.in_flight or not (project.sweeping or project.pending_discovery):
                continue
            last = project.last_sweep_at
            due = -math.inf if project.pending_discovery or last is None else last + interval
            if due <= now:
                return project, now
            wake_at = min(wake_at, due)
        return None, wake_at

    def add_discovered(self, project_ids: Iterable[UUID]) -> None:
        """Owe one sweep to each of ``project_ids`` to learn its environments."""
        for project_id in project_ids:
            if project_id not in self._projects:
                self._projects[project_id] = ProjectState(project_id, pending_discovery=True)

    def discovery_pending(self) -> bool:
        """Whether a discovery sweep is still owed or out."""
        return any(p.pending_discovery for p in self._projects.values())

    def begin(self, project: ProjectState) -> None:
        """A sweep of ``project`` is about to be sent (not due again until it is over)."""
        project.in_flight = True

    # -- the read ---------------------------------------------------------------------------------
    async def sweep(self, project: ProjectState, slot: Slot) -> None:
        """Read the project's environments with the caller's ``slot`` and apply them."""
        self.sweeps += 1
        sent_at = anyio.current_time()
        project.last_sweep_at = sent_at
        project.in_flight = True
        try:
            page = await self._client._with_slot(slot).environments.list(project.id)
        except APIStatusError as error:
            if error.status in PERMANENT_READ_ERRORS:
                logger.info("fleet: cannot sweep project %s (%s)", project.id, error)
                project.dead = True
        except APIError as error:
            logger.info("fleet: sweep of project %s failed (%s)", project.id, error)
        except Exception as error:  # anything else the SDK raised: poll its tasks one by one
            logger.warning("fleet: sweep of project %s raised %r", project.id, error)
            project.dead = True
        else:
            for environment in page:
                if environment.name is not None:
                    self._names[environment.id] = environment.name
                self._apply(environment.id, environment.status, project, sent_at)
        finally:
            project.pending_discovery = False
            project.in_flight = False
            self._update(project)

    def _apply(
        self,
        env_id: UUID,
        status: EnvironmentStatus | None,
        project: ProjectState,
        sent_at: float,
    ) -> None:
        if env_id in self.unmapped:
            self.unmapped.discard(env_id)
            self._env_project[env_id] = project.id
        watch = self._current_watch(env_id)
        if watch is None or watch.done:
            return
        if watch.project_id is None:
            self.join(watch, project.id)
        if sent_at < watch.registered_at:
            return  # sent before the task began: its status says nothing about the task
        before_status, before_tracked = watch.env_status, watch.tracked
        maybe_over = watch.see_environment_status(status, sent_at)
        if status is not None and status != before_status:
            self._emit(
                FleetStatusChanged(
                    environment_id=env_id,
                    task_id=watch.task_id,
                    environment_status=status,
                    elapsed=self._elapsed(),
                )
            )
        if watch.tracked != before_tracked or before_status is None:
            self._reschedule(watch)
        if maybe_over:
            self._hint(watch)


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
