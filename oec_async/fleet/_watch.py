"""The record the central poller keeps for each task it follows, and the queue of its polls.

``Watch`` is the one owner of a followed task's state: the poller, the sweeps and the queue
tell it what they saw or did through its methods, and read its attributes; nothing else
assigns them. Its rules (what a sweep's status or a poll's answer means for the task) are
plain functions of what it has seen, tested with plain values.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable
from typing import Final
from uuid import UUID

from .._enums import EnvironmentStatus, TaskStatus
from .._models import Deployment, EnvironmentStatusReport
from .._polling import has_changed

__all__ = ["MAX_POLL_FAILURES", "PollQueue", "Watch"]

MAX_POLL_FAILURES: Final = 5
"""Consecutive failed polls of one task (each already retried by the transport) before giving up."""


class Watch:
    """One followed task: what has been seen of it, and when to look again.

    Attributes:
        task_id: The task.
        environment_id: Its environment.
        project_id: The environment's project, once known (enables project sweeps).
        action: The action that started it, when it is ours (``None`` when attached).
        registered_at: When following began (for our task: when the 202 arrived).
        polls: Task polls answered so far.
        last_poll_at: When the last task poll was sent.
        last: The last Deployment a task poll returned.
        last_active_at: The last time any read showed the task still active.
        first_env_status: The environment status of the first sweep after registration.
        env_status: The latest environment status a sweep showed.
        swept_since: When sweeps of its project began to cover it (``None``: not swept).
        tracked: A sweep showed the environment in a transitional status since registration,
            so its leaving that status will be seen by sweeps.
        hinted: News (a sweep, a webhook) says the task may be over: confirm it soon.
        in_flight: A task poll is being sent.
        failures: Consecutive task polls that failed.
        result: The terminal Deployment, once seen.
        error: Why following failed for good (a 404, repeated errors).
        version: Bumped on every change that moves its next poll (for the scheduler's heap).
        use_status: Confirm the task's end with ``GET /environments/{id}/status`` (its
            ``last_deploy``) rather than the task itself, as that read is also the health
            check a rollout needs; falls back to the task when the status cannot tell.
        status_report: The status read that confirmed the end (the health check's answer).
    """

    __slots__ = (
        "action",
        "env_status",
        "environment_id",
        "error",
        "failures",
        "first_env_status",
        "hinted",
        "in_flight",
        "last",
        "last_active_at",
        "last_poll_at",
        "polls",
        "project_id",
        "registered_at",
        "result",
        "status_report",
        "swept_since",
        "task_id",
        "tracked",
        "use_status",
        "version",
    )

    def __init__(
        self,
        task_id: UUID,
        environment_id: UUID,
        *,
        project_id: UUID | None,
        action: str | None,
        registered_at: float,
        use_status: bool = False,
    ) -> None:
        self.task_id = task_id
        self.environment_id = environment_id
        self.project_id = project_id
        self.action = action
        self.registered_at = registered_at
        self.polls = 0
        self.last_poll_at: float | None = None
        self.last: Deployment | None = None
        self.last_active_at: float | None = None
        self.first_env_status: EnvironmentStatus | None = None
        self.env_status: EnvironmentStatus | None = None
        self.swept_since: float | None = None
        self.tracked = False
        self.hinted = False
        self.in_flight = False
        self.failures = 0
        self.result: Deployment | None = None
        self.error: Exception | None = None
        self.version = 0
        self.use_status = use_status
        self.status_report: EnvironmentStatusReport | None = None

    # -- what was seen ------------------------------------------------------------------------
    def see_environment_status(self, status: EnvironmentStatus | None, sent_at: float) -> bool:
        """A sweep sent at ``sent_at`` showed ``status``; return whether the task may be over.

        A settled status means "over" only when a sweep has seen the environment in a
        transitional status (``deploying``...) since the task began, or when the settled
        status changed (a ``stop`` turns ``running`` into ``stopped``). A sweep sent before
        the task was registered says nothing about it.
        """
        if status is None or sent_at < self.registered_at:
            return False
        self.env_status = status
        if not status.is_terminal:  # transitional (or unknown): the task is under way
            self.tracked = True
            self.last_active_at = max(self.last_active_at or sent_at, sent_at)
            return False
        if self.tracked:
            return True
        if self.first_env_status is None:
            self.first_env_status = status
            return False
        return status != self.first_env_status

    def record_poll(self, deployment: Deployment, sent_at: float, *, confirm: bool) -> bool:
        """A task poll sent at ``sent_at`` returned ``deployment``; return whether it shows news.

        Args:
            deployment: What the poll returned.
            sent_at: When the poll was sent.
            confirm: The poll was sent because a sweep (or a webhook) said the task may be over.
        """
        changed = has_changed(self.last, deployment)
        self.polls += 1
        self.failures = 0
        self.last = deployment
        if deployment.is_terminal:
            return changed
        self.last_active_at = sent_at
        if confirm and self.tracked:
            # The environment looked settled but the task is not over: sweeps cannot tell this
            # environment's end until they see its status change again.
            self.tracked = False
            self.first_env_status = self.env_status
        return changed

    def confirm_from_status(self, report: EnvironmentStatusReport) -> Deployment | None:
        """A status read shows the environment's last deploy: the terminal Deployment when it
        is this task and it completed; ``None`` (and no more status reads) otherwise."""
        last = report.last_deploy
        if last is None or last.id != self.task_id or last.status is not TaskStatus.COMPLETED:
            self.use_status = False  # the task itself tells (a failure's message, progress)
            return None
        self.status_report = report
        began, ended = last.started_at, last.completed_at
        return Deployment(
            id=self.task_id,
            type=self.action,
            status=TaskStatus.COMPLETED,
            environment_id=self.environment_id,
            progress_percent=100.0,
            started_at=began,
            completed_at=ended,
            duration_seconds=(ended - began).total_seconds() if began and ended else None,
        )

    def record_failed_poll(self) -> bool:
        """A poll failed; return whether to give up on the task."""
        self.failures += 1
        return self.failures >= MAX_POLL_FAILURES

    # -- what is done with it -------------------------------------------------------------------
    def hint(self) -> bool:
        """News says the task may be over; return whether this is new (not hinted already)."""
        if self.hinted:
            return False
        self.hinted = True
        return True

    def start_poll(self, now: float) -> bool:
        """A poll of it is sent now; return whether it confirms a hint."""
        confirm = self.hinted
        self.hinted, self.in_flight, self.last_poll_at = False, True, now
        return confirm

    def end_poll(self) -> None:
        """The poll sent by :meth:`start_poll` is over."""
        self.in_flight = False

    def resolve(self, *, result: Deployment | None = None, error: Exception | None = None) -> None:
        """Following is over: the terminal Deployment, or why following failed."""
        self.result, self.error = result, error
        self.invalidate()

    def invalidate(self) -> int:
        """Its queued polls no longer count; return the new version (for a new queue entry)."""
        self.version += 1
        return self.version

    def join_project(self, project_id: UUID, *, swept_since: float | None) -> None:
        """It lives in ``project_id``, swept since ``swept_since`` (``None``: not swept)."""
        self.project_id = project_id
        if swept_since is not None:
            self.swept_since = swept_since

    def set_swept(self, since: float | None) -> None:
        """Its project's sweeps began (``since``) or stopped (``None``) covering it."""
        self.swept_since = since

    @property
    def done(self) -> bool:
        """Whether following is over (a terminal Deployment, or an error)."""
        return self.result is not None or self.error is not None

    def __repr__(self) -> str:
        state = "done" if self.done else "hinted" if self.hinted else f"{self.polls} polls"
        return f"<Watch task={self.task_id} env={self.environment_id} {state}>"


class PollQueue:
    """Watches waiting for their next poll.

    A watch is queued with its due time; queuing it again (its timing changed) supersedes the
    earlier entry. :meth:`urgent` puts a watch before every due one (a sweep or a webhook said
    its task may be over). Entries of watches that are no longer live are dropped lazily.

    Args:
        live: Whether a watch is still followed (and not being polled right now).
    """

    def __init__(self, live: Callable[[Watch], bool]) -> None:
        self._live = live
        self._heap: list[tuple[float, int, int, Watch]] = []
        self._seq = itertools.count()
        self._urgent: deque[Watch] = deque()

    def push(self, watch: Watch, due: float) -> None:
        """Queue ``watch`` for ``due`` (bumps its version: older entries no longer count)."""
        version = watch.invalidate()
        heapq.heappush(self._heap, (due, next(self._seq), version, watch))

    def urgent(self, watch: Watch) -> None:
        """Queue ``watch`` ahead of everything due."""
        self._urgent.append(watch)

    def pop_urgent(self) -> Watch | None:
        """The next hinted watch to confirm, if any."""
        while self._urgent:
            watch = self._urgent.popleft()
            if watch.hinted and self._live(watch):
                return watch
        return None

    def pop_due(self, now: float) -> tuple[Watch | None, float]:
        """The earliest watch due by ``now``, or ``None`` and the next due time (``inf``)."""
        heap = self._heap
        while heap:
            due, _, version, watch = heap[0]
            if version != watch.version or not self._live(watch):
                heapq.heappop(heap)
            elif due <= now:
                heapq.heappop(heap)
                return watch, now
            else:
                return None, due
        return None, float("inf")

    def __len__(self) -> int:
        return len(self._heap) + len(self._urgent)
