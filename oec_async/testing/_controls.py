"""The control surface of `FakeOEC`: moving time, scripting faults, steering environments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs

from ._backups import storage_of
from ._clock import FakeClock, ManualClock
from ._context import Context
from ._faults import Fault, FaultKind, FaultRule
from ._records import ApiKeyRecord
from ._state import API_PREFIX, EnvironmentBehaviour, FakeState
from ._tasks import TaskRecord


class FakeControls:
    """Methods tests use to steer a `FakeOEC` (mixed into it)."""

    clock: FakeClock
    _state: FakeState
    _ctx: Context

    def task(self, task_id: str) -> TaskRecord:
        """Return any task (seeded or created) by id."""
        return self._state.tasks_by_id[task_id]

    def task_status(self, task_id: str) -> str:
        """Return a task's status at the current fake time."""
        return self._state.tasks_by_id[task_id].status_at(self.clock.monotonic())

    def environment_status(self, env_id: str) -> str:
        """Return an environment's status at the current fake time."""
        return self._state.environments[env_id].status_at(self.clock.monotonic())

    def advance(self, seconds: float) -> None:
        """Move a `ManualClock` forward (tasks progress, windows roll, caches expire).

        Raises:
            TypeError: If the fake runs on another clock.
        """
        if not isinstance(self.clock, ManualClock):
            raise TypeError("advance() needs FakeOEC(clock=ManualClock())")
        self.clock.advance(seconds)

    def set_environment_behaviour(
        self,
        env_id: str,
        *,
        duration: float | None = None,
        fail: bool | None = None,
        error_message: str | None = None,
    ) -> None:
        """Override how this environment's future tasks behave.

        Args:
            env_id: The environment.
            duration: Task duration in seconds (None: the server-wide `task_duration`).
            fail: True: every task fails; False: none fails; None: `failure_rate` decides.
            error_message: Message of failed tasks.
        """
        if env_id not in self._state.environments:
            raise KeyError(env_id)
        self._state.behaviours[env_id] = EnvironmentBehaviour(
            duration=duration, fail=fail, error_message=error_message
        )

    def script(
        self,
        environment_id: str,
        result: Literal["failed", "unhealthy", "succeeded"],
        *,
        after: float | None = None,
        error_message: str | None = None,
    ) -> None:
        """Decide how this environment's future actions end, whatever the rates say.

        Args:
            environment_id: The environment.
            result: ``"failed"``: its tasks end ``failed``; ``"unhealthy"``: they complete but
                leave it unhealthy (``GET /environments/{id}/status`` says ``http_ok: false``;
                with ``after`` > 0 the container crashes that many seconds after the task and
                the environment's status becomes ``error``); ``"succeeded"``: they complete
                and it stays healthy.
            after: Seconds after the task's end at which ``"unhealthy"`` sets in (default:
                the server's ``unhealthy_after``).
            error_message: Message of failed tasks.

        Raises:
            KeyError: Unknown environment.
            ValueError: An unknown ``result``, or ``after`` given with another result or < 0.
        """
        if environment_id not in self._state.environments:
            raise KeyError(environment_id)
        if result not in ("failed", "unhealthy", "succeeded"):
            raise ValueError(f"result must be 'failed', 'unhealthy' or 'succeeded', got {result!r}")
        if after is not None and (result != "unhealthy" or not after >= 0):
            raise ValueError("after= needs result='unhealthy' and a number of seconds >= 0")
        current = self._state.behaviours.get(environment_id, EnvironmentBehaviour())
        self._state.behaviours[environment_id] = attrs.evolve(
            current,
            fail=result == "failed",
            unhealthy=result == "unhealthy",
            unhealthy_after=after,
            error_message=error_message,
        )

    def set_environment_status(self, env_id: str, status: str) -> None:
        """Force an environment's status (e.g. ``"error"`` or ``"paused"``) from now on."""
        env = self._state.environments[env_id]
        env.settle(self.clock.monotonic())
        env.base_status = status

    def create_api_key(
        self, *, read_only: bool = False, project_id: str | None = None, name: str = "test key"
    ) -> str:
        """Create another key (optionally project-scoped) and return its secret value."""
        prefix = "oec_live_ro_" if read_only else "oec_live_rw_"
        record = ApiKeyRecord(
            id=self._state.new_id(),
            name=name,
            key=self._state.new_secret(prefix),
            created_at=self.clock.monotonic(),
            project_id=project_id,
        )
        self._state.keys[record.key] = record
        return record.key

    def fail_next(
        self,
        method: str,
        path_template: str,
        status: int | None = 503,
        times: int = 1,
        *,
        drop: bool = False,
        after_action: bool = False,
        delay: float = 0.0,
        body: Mapping[str, object] | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> FaultRule:
        """Script a fault for the next `times` requests matching `method` and `path_template`.

        Args:
            method: HTTP method, or ``"*"`` for any.
            path_template: Path relative to the base URL, ``{name}`` matching one segment,
                e.g. ``"/environments/{id}/deploy"``.
            status: Status of the error answer; None with `delay` gives a slow, normal answer.
            times: How many matching requests to affect.
            drop: Close the connection without any answer instead.
            after_action: Let the server act first (create the task, store the idempotent
                answer), then apply the fault.
            delay: Seconds (real time) to wait before handling.
            body: Replacement body: a mapping is sent as JSON, a string as text/html.
            headers: Extra headers of the faulty answer (e.g. ``{"Retry-After": "1"}``).

        Returns:
            The rule; its `hits` and `remaining` show how often it fired.
        """
        kind: FaultKind
        if drop:
            kind = "drop"
        elif status is None:
            kind = "slow"
        else:
            kind = "status"
        fault = Fault(
            kind=kind,
            status=status or 503,
            after_action=after_action,
            delay=delay,
            body=body,
            headers=dict(headers or {}),
        )
        path = path_template.removeprefix(API_PREFIX)
        rule = FaultRule(method=method.upper(), path_template=path, fault=fault, remaining=times)
        return self._ctx.faults.add_rule(rule)

    def expire_backup(self, backup_id: str) -> None:
        """Make a completed backup reach its ``expires_at`` now.

        Live dialect: it stays listed with the status ``expired`` (and cannot be downloaded or
        restored); docs dialect: it is gone (404, no longer listed).

        Raises:
            KeyError: Unknown backup.
            ValueError: The backup is not completed, or is kept permanently.
        """
        backup = self._state.backups[backup_id]
        now = self.clock.monotonic()
        if backup.task.status_at(now) != "completed" or backup.retention_type == "permanent":
            raise ValueError(f"backup {backup_id} is not a completed backup that can expire")
        backup.lifetime = now - backup.task.ends_at

    def backup_storage_config(self, backup_id: str) -> str | None:
        """Return the id of the storage configuration a backup was written to."""
        return storage_of(self._state, self._state.backups[backup_id])

    def cancel_task(self, task_id: str) -> TaskRecord:
        """Cancel a queued or running task now, as the platform sometimes does.

        The task ends `cancelled` (a terminal state), its environment keeps the status it had
        before the task, and subscribed webhooks get ``deploy.cancelled``.

        Raises:
            KeyError: Unknown task.
            ValueError: The task has already ended.
        """
        return self._state.cancel_task(task_id)
