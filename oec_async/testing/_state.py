"""The fake's domain state and its rules (lookups, scopes, tasks and the action rules)."""

from __future__ import annotations

import heapq
import random
import string
import uuid
from collections.abc import Callable
from typing import Final

import attrs

from ._clock import FakeClock
from ._dialect import DialectRules
from ._errors import ApiError, JSONObject, not_found
from ._idempotency import IdempotencyStore
from ._observe import Anomalies, Stats
from ._records import ApiKeyRecord, Environment, Project, Server
from ._resources import Backup, StorageConfig, Webhook
from ._tasks import ERROR_MESSAGES, TaskRecord

API_PREFIX: Final = "/api/public/v1"
_KEY_ALPHABET: Final = string.ascii_letters + string.digits + "-_"

# Environment statuses each action may start from (anything else: 409).
ALLOWED_FROM: Final[dict[str, frozenset[str]]] = {
    "deploy": frozenset({"running", "failed", "error"}),
    "restart": frozenset({"running", "failed", "error"}),
    "stop": frozenset({"running", "failed", "error"}),
    "quick-update": frozenset({"running"}),
    "start": frozenset({"stopped"}),
    "restore": frozenset({"running", "stopped", "failed", "error"}),
    "destroy": frozenset({"running", "stopped", "failed", "error", "paused", "pending"}),
}

HEALTH_ACTIONS: Final = frozenset({"deploy", "restart", "start", "quick-update", "restore"})
"""Actions after which an environment may be unhealthy (`unhealthy_rate`, `FakeOEC.script`)."""


@attrs.define(kw_only=True)
class EnvironmentBehaviour:
    """Per-environment overrides of task behaviour (None: use the server-wide setting).

    Attributes:
        duration: Task duration in seconds.
        fail: Force every task to fail (True) or succeed (False).
        error_message: Message of failed tasks.
        unhealthy: Force every successful action to leave the environment unhealthy (True)
            or healthy (False).
        unhealthy_after: Seconds after the action's end at which it turns unhealthy.
    """

    duration: float | None = None
    fail: bool | None = None
    error_message: str | None = None
    unhealthy: bool | None = None
    unhealthy_after: float | None = None


class FakeState:
    """Everything the fake server knows, plus the rules that change it."""

    def __init__(
        self,
        *,
        clock: FakeClock,
        seed: int,
        task_duration: float,
        failure_rate: float,
        rules: DialectRules,
        unhealthy_rate: float = 0.0,
        unhealthy_after: float = 0.0,
    ) -> None:
        """Create an empty state (see `_seed.seed_state` to fill it)."""
        self.clock = clock
        self.rules = rules
        self.task_duration = task_duration
        self.failure_rate = failure_rate
        self.unhealthy_rate = unhealthy_rate
        self.unhealthy_after = unhealthy_after
        self._health_rng = random.Random(f"{seed}:health")
        self.id_rng = random.Random(f"{seed}:ids")
        self._fail_rng = random.Random(f"{seed}:failures")
        self.org: JSONObject = {}
        self.keys: dict[str, ApiKeyRecord] = {}
        self.servers: dict[str, Server] = {}
        self.projects: dict[str, Project] = {}
        self.environments: dict[str, Environment] = {}
        self.tasks_by_id: dict[str, TaskRecord] = {}
        self.created_tasks: dict[str, list[TaskRecord]] = {}
        self.backups: dict[str, Backup] = {}
        self.storage_configs: dict[str, StorageConfig] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.behaviours: dict[str, EnvironmentBehaviour] = {}
        self.idempotency = IdempotencyStore()
        self.anomalies = Anomalies()
        self.stats = Stats()
        self.task_listeners: list[Callable[[TaskRecord], None]] = []
        self.cancel_listeners: list[Callable[[TaskRecord], None]] = []
        self._active_ends: list[tuple[float, str]] = []
        self._key_owner: dict[str, str] = {}

    # -- ids and keys ---------------------------------------------------------------------
    def new_id(self) -> str:
        """Return a fresh, seed-determined UUID4 string."""
        return str(uuid.UUID(int=self.id_rng.getrandbits(128), version=4))

    def new_secret(self, prefix: str, length: int = 43) -> str:
        """Return `prefix` + `length` URL-safe characters (seed-determined)."""
        return prefix + "".join(self.id_rng.choice(_KEY_ALPHABET) for _ in range(length))

    def now(self) -> float:
        """Return the fake clock's current time."""
        return self.clock.monotonic()

    # -- visibility -----------------------------------------------------------------------
    def sees(self, key: ApiKeyRecord, project_id: str | None) -> bool:
        """Return True if `key` may see resources of `project_id`."""
        return key.project_id is None or key.project_id == project_id

    def get_project(self, key: ApiKeyRecord, project_id: str) -> Project:
        """Return a live project visible to `key`, or raise 404."""
        project = self.projects.get(project_id)
        if project is None or project.deleted or not self.sees(key, project_id):
            raise not_found("Project")
        return project

    def get_environment(self, key: ApiKeyRecord, env_id: str) -> Environment:
        """Return a non-deleted environment visible to `key`, or raise 404."""
        env = self.get_environment_or_deleted(key, env_id)
        if env.status_at(self.now()) == "deleted":
            raise not_found("Environment")
        return env

    def get_environment_or_deleted(self, key: ApiKeyRecord, env_id: str) -> Environment:
        """Return an environment visible to `key` even if deleted (its backups stay readable)."""
        env = self.environments.get(env_id)
        if env is None or not self.sees(key, env.project_id):
            raise not_found("Environment")
        return env

    def get_task(self, key: ApiKeyRecord, task_id: str) -> TaskRecord:
        """Return a task visible to `key` (tasks of deleted environments included), or raise 404."""
        task = self.tasks_by_id.get(task_id)
        env = None if task is None else self.environments.get(task.environment_id)
        if task is None or env is None or not self.sees(key, env.project_id):
            raise not_found("Task")
        return task

    def live_environments(self, project_id: str | None = None) -> list[Environment]:
        """Return non-deleted environments (of one project), oldest first."""
        now = self.now()
        return [
            env
            for env in self.environments.values()
            if (project_id is None or env.project_id == project_id)
            and env.status_at(now) != "deleted"
        ]

    # -- tasks ----------------------------------------------------------------------------
    def create_task(
        self,
        env: Environment,
        type_: str,
        *,
        idempotency_key: str | None,
        backup_id: str | None = None,
    ) -> TaskRecord:
        """Create a task for `env` with the configured duration and fate, and record it."""
        now = self.now()
        behaviour = self.behaviours.get(env.id, EnvironmentBehaviour())
        duration = self.task_duration if behaviour.duration is None else behaviour.duration
        fails = (
            behaviour.fail
            if behaviour.fail is not None
            else self.failure_rate > 0 and self._fail_rng.random() < self.failure_rate
        )
        task = TaskRecord(
            id=self.new_id(),
            type=type_,
            environment_id=env.id,
            created_at=now,
            duration=duration,
            fails=fails,
            error_message=(behaviour.error_message or ERROR_MESSAGES.get(type_, "Task failed."))
            if fails
            else None,
            idempotency_key=idempotency_key,
            backup_id=backup_id,
            unhealthy_after=None if fails else self._health_after(type_, behaviour),
        )
        self.tasks_by_id[task.id] = task
        self.created_tasks.setdefault(env.id, []).append(task)
        if type_ != "backup":
            env.tasks.append(task)
            env.last_action = task
        self._note_active(task, now)
        if idempotency_key is not None:
            if idempotency_key in self._key_owner:
                self.anomalies.duplicate_tasks_for_idempotency_key += 1
            self._key_owner[idempotency_key] = task.id
        for listener in self.task_listeners:
            listener(task)
        return task

    def _health_after(self, type_: str, behaviour: EnvironmentBehaviour) -> float | None:
        """When a successful `type_` task leaves its environment unhealthy (None: never)."""
        if type_ not in HEALTH_ACTIONS:
            return None
        unhealthy = (
            behaviour.unhealthy
            if behaviour.unhealthy is not None
            else self.unhealthy_rate > 0 and self._health_rng.random() < self.unhealthy_rate
        )
        if not unhealthy:
            return None
        after = behaviour.unhealthy_after
        return self.unhealthy_after if after is None else after

    def _note_active(self, task: TaskRecord, now: float) -> None:
        # A heap of end instants: popping the ended ones leaves exactly the active tasks.
        while self._active_ends and self._active_ends[0][0] <= now:
            heapq.heappop(self._active_ends)
        if task.is_active(now):
            heapq.heappush(self._active_ends, (task.ends_at, task.id))
        peak = max(self.anomalies.max_active_tasks, len(self._active_ends))
        self.anomalies.max_active_tasks = peak

    def note_created(self, idempotency_key: str | None, resource_id: str) -> None:
        """Record a created project/environment/webhook against its idempotency key."""
        if idempotency_key is None:
            return
        if f"create:{idempotency_key}" in self._key_owner:
            self.anomalies.duplicate_creates_for_idempotency_key += 1
        self._key_owner[f"create:{idempotency_key}"] = resource_id

    def active_task(self, env: Environment) -> TaskRecord | None:
        """Return the environment's queued or running action task, if any."""
        task = env.last_action
        return task if task is not None and task.is_active(self.now()) else None

    def start_action(
        self,
        env: Environment,
        action: str,
        *,
        idempotency_key: str | None,
        backup_id: str | None = None,
    ) -> TaskRecord:
        """Apply the action rules and create the action's task.

        Raises:
            ApiError: 409 `task_in_progress`, `environment_not_running` or
                `environment_not_stopped`.
        """
        running = self.active_task(env)
        if running is not None:
            self.anomalies.actions_while_active += 1
            raise ApiError(
                409,
                "task_in_progress",
                f"Another task ({running.type}) is already queued or running for this environment.",
                extra={"task_id": running.id},
            )
        status = env.status_at(self.now())
        if status not in ALLOWED_FROM[action]:
            if action == "start":
                raise ApiError(
                    409,
                    "environment_not_stopped",
                    f"Environment is {status}; only a stopped environment can be started.",
                )
            raise ApiError(
                409, "environment_not_running", f"Environment is {status}; cannot {action} it now."
            )
        env.settle(self.now())
        return self.create_task(env, action, idempotency_key=idempotency_key, backup_id=backup_id)

    def cancel_task(self, task_id: str) -> TaskRecord:
        """Cancel a queued or running task now (it ends `cancelled`; the environment keeps its
        status from before the task).

        Raises:
            KeyError: Unknown task.
            ValueError: The task has already ended.
        """
        task = self.tasks_by_id[task_id]
        if not task.is_active(self.now()):
            raise ValueError(f"task {task_id} has already ended ({task.status_at(self.now())})")
        task.cancelled_at = self.now()
        self._active_ends = [
            (t.ends_at, t.id)
            for _, tid in self._active_ends
            if (t := self.tasks_by_id[tid]).is_active(self.now())
        ]
        heapq.heapify(self._active_ends)
        for listener in self.cancel_listeners:
            listener(task)
        return task
