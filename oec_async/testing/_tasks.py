"""Tasks (deployments) whose state is a pure function of the clock.

A task is created `queued`, becomes `running` after a short queue delay and ends `completed` or
`failed` when its duration has elapsed. Nothing runs in the background: every read computes the
state from `(created_at, duration, now)`, so advancing a `ManualClock` is instant.
"""

from __future__ import annotations

import math
from typing import Final

import attrs

from ._clock import FakeClock, isoformat
from ._errors import JSONObject

QUEUE_FRACTION: Final = 0.1
"""Share of a task's duration spent `queued` before it starts `running`."""

TERMINAL_STATUSES: Final = frozenset({"completed", "failed", "cancelled"})

STEPS: Final[dict[str, tuple[str, ...]]] = {
    "deploy": (
        "pull_code",
        "build_image",
        "migrate_database",
        "restart_containers",
        "health_check",
    ),
    "restart": ("stop_containers", "start_containers", "health_check"),
    "start": ("start_containers", "health_check"),
    "stop": ("stop_containers",),
    "quick-update": ("pull_code", "update_modules", "restart_containers", "health_check"),
    "restore": ("safety_backup", "restore_database", "restore_filestore", "restart_containers"),
    "destroy": ("stop_containers", "remove_containers", "drop_database", "cleanup"),
    "backup": ("dump_database", "archive_filestore", "upload"),
}

ERROR_MESSAGES: Final[dict[str, str]] = {
    "deploy": "Health check failed: Odoo answered HTTP 502 after the deploy.",
    "restart": "Containers did not become healthy after restart.",
    "start": "Container failed to start: exit code 1.",
    "stop": "Timed out waiting for containers to stop.",
    "quick-update": "Module update failed: see the task log.",
    "restore": "Restore failed: pg_restore exited with code 1.",
    "destroy": "Could not remove containers: Docker daemon timeout.",
    "backup": "Backup upload failed: storage returned HTTP 503.",
}


@attrs.define(kw_only=True)
class TaskRecord:
    """One task the fake knows about, with its whole future already decided (unless cancelled).

    Attributes:
        id: Task UUID.
        type: Action name (`deploy`, `restart`, `start`, `stop`, `quick-update`, `restore`,
            `destroy`, `backup`).
        environment_id: The environment the task acts on.
        created_at: Creation instant on the fake clock's monotonic scale.
        duration: Seconds from creation to the terminal state.
        fails: Whether the task ends `failed` rather than `completed`.
        error_message: The message a failed task reports.
        idempotency_key: The idempotency key of the request that created it, if any.
        backup_id: The backup a `backup` or `restore` task concerns.
        cancelled_at: When `FakeOEC.cancel_task` cancelled it, if it did.
        unhealthy_after: Seconds after a successful end at which the environment turns
            unhealthy: ``0`` at once (Odoo answers 502, the container runs), more than 0 the
            container crashes then (status `error`); ``None``: it stays healthy.
    """

    id: str
    type: str
    environment_id: str
    created_at: float
    duration: float
    fails: bool = False
    error_message: str | None = None
    idempotency_key: str | None = None
    backup_id: str | None = None
    cancelled_at: float | None = None
    unhealthy_after: float | None = None

    @property
    def started_at(self) -> float:
        """Instant the task leaves `queued` (if it is not cancelled before)."""
        return self.created_at + self.duration * QUEUE_FRACTION

    @property
    def ends_at(self) -> float:
        """Instant the task reaches its terminal state (earlier when cancelled)."""
        natural = self.created_at + self.duration
        return natural if self.cancelled_at is None else min(natural, self.cancelled_at)

    @property
    def steps(self) -> tuple[str, ...]:
        """The step names of this task type."""
        return STEPS.get(self.type, ("run",))

    def status_at(self, now: float) -> str:
        """Return `queued`, `running`, `completed`, `failed` or `cancelled` at `now`."""
        if now >= self.ends_at:
            if self.cancelled_at is not None:
                return "cancelled"
            return "failed" if self.fails else "completed"
        return "running" if now >= self.started_at else "queued"

    def unhealthy_at(self, now: float) -> bool:
        """Return True if the task completed and its environment is unhealthy at `now`."""
        if self.unhealthy_after is None or self.status_at(now) != "completed":
            return False
        return now >= self.ends_at + self.unhealthy_after

    def crashed_at(self, now: float) -> bool:
        """Return True if the environment's container crashed after this task by `now`."""
        return bool(self.unhealthy_after) and self.unhealthy_at(now)

    def is_active(self, now: float) -> bool:
        """Return True while the task is queued or running at `now`."""
        return now < self.ends_at

    def ran(self, now: float) -> bool:
        """Return True if the task had left `queued` by `now` (or by its end)."""
        return min(now, self.ends_at) >= self.started_at and self.ends_at > self.started_at

    def _run_fraction(self, now: float) -> float:
        run = self.created_at + self.duration - self.started_at
        if run <= 0:
            return 1.0
        return max(0.0, min(1.0, (min(now, self.ends_at) - self.started_at) / run))

    def steps_completed_at(self, now: float) -> int:
        """Return how many steps are done at `now` (a failed task stops before its last step)."""
        total = len(self.steps)
        status = self.status_at(now)
        if status == "completed":
            return total
        if status == "failed":
            return total - 1
        if status == "queued" or not self.ran(now):
            return 0
        return min(total - 1, math.floor(self._run_fraction(now) * total))

    def to_json(self, clock: FakeClock, now: float) -> JSONObject:
        """Return the Task object the API would send at `now`."""
        status = self.status_at(now)
        total = len(self.steps)
        done = self.steps_completed_at(now)
        progress: float
        if status == "queued":
            progress, step = 0, "queued"
        elif status == "completed":
            progress, step = 100, "completed"
        elif status == "failed":
            progress, step = round(100 * done / total, 1), self.steps[done]
        elif status == "cancelled":
            progress, step = round(min(99.0, 100 * self._run_fraction(now)), 1), "cancelled"
        else:
            progress = round(min(99.0, 100 * self._run_fraction(now)), 1)
            step = self.steps[min(done, total - 1)]
        terminal = status in TERMINAL_STATUSES
        ran = self.ran(now)
        return {
            "id": self.id,
            "type": self.type,
            "status": status,
            "environment_id": self.environment_id,
            "progress_percent": progress,
            "current_step": step,
            "steps_completed": done,
            "total_steps": total,
            "started_at": isoformat(clock.to_wall(self.started_at)) if ran else None,
            "completed_at": isoformat(clock.to_wall(self.ends_at)) if terminal else None,
            "duration_seconds": round(self.ends_at - self.started_at, 3)
            if terminal and ran
            else None,
            "error_message": self.error_message if status == "failed" else None,
            "created_at": isoformat(clock.to_wall(self.created_at)),
        }

    def log_at(self, now: float) -> list[str]:
        """Return the task's step log lines written by `now`."""
        lines = [f"[{self.type}] task {self.id} queued"]
        if self.status_at(now) == "queued":
            return lines
        done = self.steps_completed_at(now)
        for index, step in enumerate(self.steps[: done + 1]):
            lines.append(f"[{self.type}] step {index + 1}/{len(self.steps)}: {step} started")
            if index < done:
                lines.append(f"[{self.type}] step {index + 1}/{len(self.steps)}: {step} done")
        status = self.status_at(now)
        if status == "cancelled":
            lines.append(f"[{self.type}] cancelled")
        elif status == "failed":
            lines.append(f"[{self.type}] ERROR {self.error_message}")
        elif status == "completed":
            lines.append(f"[{self.type}] completed")
        return lines
