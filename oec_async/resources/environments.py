"""``client.environments``: read environments and trigger actions on them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final, Literal
from uuid import UUID

from .._config import Timeouts
from .._enums import EnvironmentStatus
from .._models import ActionResult, Environment, EnvironmentStatusReport, Page, Pagination
from .._pagination import AsyncPaginator
from .._validation import ensure_module_names, ensure_uuid
from ._base import ACTION_IDEMPOTENCY_HEADER, Resource

__all__ = ["ACTIONS", "Action", "Environments", "QuickUpdateMode"]

Action = Literal["deploy", "restart", "start", "stop"]
ACTIONS: Final[tuple[Action, ...]] = ("deploy", "restart", "start", "stop")

QuickUpdateMode = Literal["pull_restart", "update_all", "update_specific", "reinitialize_specific"]
_QUICK_UPDATE_MODES: Final = frozenset(
    {"pull_restart", "update_all", "update_specific", "reinitialize_specific"}
)
_MODES_WITH_MODULES: Final = frozenset({"update_specific", "reinitialize_specific"})


class Environments(Resource):
    """Environments: read them, and deploy, restart, start or stop them.

    Every action answers at once with an :class:`ActionResult` (the task to follow); wait for
    it with ``client.deployments.wait(result.task_id)``.
    """

    async def get(
        self, environment_id: UUID | str, *, timeout: float | Timeouts | None = None
    ) -> Environment:
        """Fetch one environment.

        Raises:
            NotFoundError: no such environment visible to the key.
        """
        path = f"/environments/{ensure_uuid(environment_id, 'environment_id')}"
        data = await self._transport.request("GET", path, timeout=timeout)
        return self._structure(data, Environment, "GET", path)

    def list(
        self,
        project_id: UUID | str,
        *,
        status: EnvironmentStatus | str | None = None,
        timeout: float | Timeouts | None = None,
    ) -> AsyncPaginator[Environment]:
        """List a project's environments, oldest first (the API returns them in one answer).

        ``await`` it for a :class:`Page` (iterable like a list), or ``async for`` over it.

        Args:
            project_id: The project.
            status: Only environments in this status (case-insensitive), e.g. ``"running"``.
            timeout: Request timeout for this call.
        """
        path = f"/projects/{ensure_uuid(project_id, 'project_id')}/environments"
        params: dict[str, str] = {}
        if status is not None:
            given: object = status
            if not isinstance(given, str) or not given.strip():
                raise ValueError(f"status must be a non-empty status name, got {status!r}")
            params["status"] = str(
                status.value if isinstance(status, EnvironmentStatus) else status
            ).lower()

        async def fetch(_: str | None) -> Page[Environment]:
            data = await self._transport.request(
                "GET", path, params=params or None, timeout=timeout
            )
            items = self._structure(data, tuple[Environment, ...], "GET", path)
            return Page(items=items, pagination=Pagination(has_more=False, total=len(items)))

        return AsyncPaginator(fetch)

    async def status(
        self, environment_id: UUID | str, *, timeout: float | Timeouts | None = None
    ) -> EnvironmentStatusReport:
        """Fetch an environment's health and its last deploy."""
        path = f"/environments/{ensure_uuid(environment_id, 'environment_id')}/status"
        data = await self._transport.request("GET", path, timeout=timeout)
        return self._structure(data, EnvironmentStatusReport, "GET", path)

    async def deploy(
        self,
        environment_id: UUID | str,
        *,
        update_modules: Sequence[str] | None = None,
        idempotency_key: str | None = None,
        timeout: float | Timeouts | None = None,
        max_retries: int | None = None,
    ) -> ActionResult:
        """Redeploy: pull the latest code, update containers, run migrations.

        Args:
            environment_id: The environment.
            update_modules: Odoo modules to update after the pull (``["all"]`` for every one).
            idempotency_key: Your key for this deploy; one is generated otherwise. Retries of
                this call always reuse it, so a retried deploy never runs twice.
            timeout: Request timeout for this call.
            max_retries: Retries for this call.

        Raises:
            TaskInProgressError: another action is active on the environment (``.task_id``).
            EnvironmentNotRunningError: the environment is stopped.
            PermissionDeniedError: the key is read-only.
        """
        body = None
        if update_modules is not None:
            body = {"update_modules": ensure_module_names(update_modules, "update_modules")}
        return await self.action(
            "deploy",
            environment_id,
            json=body,
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
        )

    async def restart(
        self,
        environment_id: UUID | str,
        *,
        idempotency_key: str | None = None,
        timeout: float | Timeouts | None = None,
        max_retries: int | None = None,
    ) -> ActionResult:
        """Restart a running environment's containers. See :meth:`deploy` for the arguments."""
        return await self.action(
            "restart",
            environment_id,
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
        )

    async def start(
        self,
        environment_id: UUID | str,
        *,
        idempotency_key: str | None = None,
        timeout: float | Timeouts | None = None,
        max_retries: int | None = None,
    ) -> ActionResult:
        """Start a stopped environment. See :meth:`deploy` for the arguments.

        Raises:
            EnvironmentNotStoppedError: the environment is not stopped.
        """
        return await self.action(
            "start",
            environment_id,
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
        )

    async def stop(
        self,
        environment_id: UUID | str,
        *,
        idempotency_key: str | None = None,
        timeout: float | Timeouts | None = None,
        max_retries: int | None = None,
    ) -> ActionResult:
        """Stop a running environment (its data is kept). See :meth:`deploy` for the arguments."""
        return await self.action(
            "stop",
            environment_id,
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
        )

    async def quick_update(
        self,
        environment_id: UUID | str,
        mode: QuickUpdateMode,
        *,
        modules: Iterable[str] | None = None,
        idempotency_key: str | None = None,
        timeout: float | Timeouts | None = None,
        max_retries: int | None = None,
    ) -> ActionResult:
        """Pull the latest code into a running environment and restart, without a rebuild.

        Args:
            environment_id: The environment.
            mode: ``pull_restart``, ``update_all``, ``update_specific`` or
                ``reinitialize_specific`` (reinstalls modules; may reset their data).
            modules: Module names, required by the ``*_specific`` modes and refused otherwise.
            idempotency_key: See :meth:`deploy`.
            timeout: Request timeout for this call.
            max_retries: Retries for this call.
        """
        if mode not in _QUICK_UPDATE_MODES:
            raise ValueError(
                f"mode must be one of {', '.join(sorted(_QUICK_UPDATE_MODES))}, got {mode!r}"
            )
        body: dict[str, object] = {"mode": mode}
        if mode in _MODES_WITH_MODULES:
            if modules is None:
                raise ValueError(f"mode {mode!r} needs modules=[...]")
            body["modules"] = ensure_module_names(modules)
        elif modules is not None:
            raise ValueError(f"mode {mode!r} takes no modules (only the *_specific modes do)")
        return await self.action(
            "quick-update",
            environment_id,
            json=body,
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
        )

    async def action(
        self,
        action: str,
        environment_id: UUID | str,
        *,
        json: object = None,
        idempotency_key: str | None = None,
        timeout: float | Timeouts | None = None,
        max_retries: int | None = None,
    ) -> ActionResult:
        """Send any action by its path name (``deploy``, ``restart``, ``quick-update``...).

        The named methods are preferred; this is the one they share, and the fleet engine's.
        """
        key: object = idempotency_key
        if key is not None and (not isinstance(key, str) or not key):
            raise ValueError("idempotency_key must be a non-empty string")
        path = f"/environments/{ensure_uuid(environment_id, 'environment_id')}/{action}"
        data = await self._transport.request(
            "POST",
            path,
            json=json,
            idempotency_header=ACTION_IDEMPOTENCY_HEADER,
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
        )
        return self._structure(data, ActionResult, "POST", path)
