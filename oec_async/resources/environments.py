"""``client.environments``: read environments and trigger actions on them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final, Literal, TypedDict, Unpack

import anyio

from .._config import PollPolicy, Timeouts
from .._enums import EnvironmentStatus
from .._exceptions import WaitTimeoutError
from .._models import (
    ActionResult,
    CreatedEnvironment,
    Environment,
    EnvironmentMetrics,
    EnvironmentStatusReport,
    Page,
    Pagination,
    RuntimeLog,
    TaskLog,
)
from .._pagination import AsyncPaginator
from .._validation import (
    EnvironmentRef,
    ProjectRef,
    ServerRef,
    TaskRef,
    check_choice,
    check_confirm,
    check_environment_id,
    check_idempotency_key,
    check_int_range,
    check_module_names,
    check_positive_number,
    check_project_id,
    check_task_id,
)
from ._base import ACTION_IDEMPOTENCY_HEADER, Resource, same_id
from ._environment_admin import (
    LOG_SOURCES,
    EnvironmentSettings,
    EnvironmentType,
    LogSource,
    creation_body,
    first_deploy_task,
    update_body,
)

__all__ = ["ACTIONS", "Action", "ActionOptions", "Environments", "QuickUpdateMode"]

Action = Literal["deploy", "restart", "start", "stop"]
ACTIONS: Final[tuple[Action, ...]] = ("deploy", "restart", "start", "stop")


class ActionOptions(TypedDict, total=False):
    """Per-call options of every action (``deploy``, ``restart``, ``start``, ``stop``...).

    Attributes:
        idempotency_key: Your key for this action; one is generated per call otherwise. Every
            retry of the call reuses it, so a retried action never runs twice.
        timeout: The request timeout of this call (seconds, or a :class:`Timeouts`).
        max_retries: Retries for this call (the client's policy otherwise).
    """

    idempotency_key: str | None
    timeout: float | Timeouts | None
    max_retries: int | None


QuickUpdateMode = Literal["pull_restart", "update_all", "update_specific", "reinitialize_specific"]
_QUICK_UPDATE_MODES: Final = frozenset(
    {"pull_restart", "update_all", "update_specific", "reinitialize_specific"}
)
_MODES_WITH_MODULES: Final = frozenset({"update_specific", "reinitialize_specific"})
# The action routes of the API; anything else would put caller text into the URL path.
_ACTION_PATHS: Final = frozenset({*ACTIONS, "quick-update"})


class Environments(Resource):
    """Environments: read them, and deploy, restart, start or stop them.

    Every action answers at once with an :class:`ActionResult` (the task to follow); wait for
    it with ``client.deployments.wait(result.task_id)``.
    """

    async def get(
        self, environment_id: EnvironmentRef, *, timeout: float | Timeouts | None = None
    ) -> Environment:
        """Fetch one environment.

        Raises:
            NotFoundError: no such environment visible to the key.
        """
        path = f"/environments/{check_environment_id(environment_id)}"
        response = await self._send(
            "GET", path, route="/environments/{environment_id}", timeout=timeout
        )
        return same_id(self._parse(response, Environment), response)

    def list(
        self,
        project_id: ProjectRef,
        *,
        status: EnvironmentStatus | str | None = None,
        timeout: float | Timeouts | None = None,
    ) -> AsyncPaginator[Environment]:
        """List a project's environments, oldest first (the API returns them in one answer).

        ``await`` it for a :class:`Page` (iterable like a list), or ``async for`` over it.

        Args:
            project_id: The project.
            status: Only environments in this status (case-insensitive), e.g. ``"running"``:
                one of :class:`EnvironmentStatus` (``ValueError`` listing them otherwise).
            timeout: Request timeout for this call.
        """
        path = f"/projects/{check_project_id(project_id)}/environments"
        params: dict[str, str] = {}
        if status is not None:
            params["status"] = check_choice(status, "status", EnvironmentStatus, fold_case=True)

        async def fetch(_: str | None) -> Page[Environment]:
            response = await self._send(
                "GET",
                path,
                route="/projects/{project_id}/environments",
                params=params or None,
                timeout=timeout,
            )
            items = self._parse(response, tuple[Environment, ...])
            return Page(items=items, pagination=Pagination(has_more=False, total=len(items)))

        return self._paginator(fetch)

    async def status(
        self, environment_id: EnvironmentRef, *, timeout: float | Timeouts | None = None
    ) -> EnvironmentStatusReport:
        """Fetch an environment's health and its last deploy."""
        path = f"/environments/{check_environment_id(environment_id)}/status"
        response = await self._send(
            "GET", path, route="/environments/{environment_id}/status", timeout=timeout
        )
        report = self._parse(response, EnvironmentStatusReport)
        return same_id(report, response, field="environment_id")

    async def deploy(
        self,
        environment_id: EnvironmentRef,
        *,
        update_modules: Sequence[str] | None = None,
        **options: Unpack[ActionOptions],
    ) -> ActionResult:
        """Redeploy: pull the latest code, update containers, run migrations.

        Args:
            environment_id: The environment.
            update_modules: Odoo modules to update after the pull (``["all"]`` for every one).
            **options: ``idempotency_key`` (yours, or one generated per call; every retry of
                the call reuses it, so a retried deploy never runs twice), ``timeout`` (the
                request timeout of this call) and ``max_retries``.

        Raises:
            TaskInProgressError: another action is active on the environment (``.task_id``).
            EnvironmentNotRunningError: the environment is stopped.
            PermissionDeniedError: the key is read-only.
        """
        body = None
        if update_modules is not None:
            body = {"update_modules": check_module_names(update_modules, "update_modules")}
        return await self.action("deploy", environment_id, json=body, **options)

    async def restart(
        self, environment_id: EnvironmentRef, **options: Unpack[ActionOptions]
    ) -> ActionResult:
        """Restart a running environment's containers. See :meth:`deploy` for the options."""
        return await self.action("restart", environment_id, **options)

    async def start(
        self, environment_id: EnvironmentRef, **options: Unpack[ActionOptions]
    ) -> ActionResult:
        """Start a stopped environment. See :meth:`deploy` for the options.

        Raises:
            EnvironmentNotStoppedError: the environment is not stopped.
        """
        return await self.action("start", environment_id, **options)

    async def stop(
        self, environment_id: EnvironmentRef, **options: Unpack[ActionOptions]
    ) -> ActionResult:
        """Stop a running environment (its data is kept). See :meth:`deploy` for the options."""
        return await self.action("stop", environment_id, **options)

    async def quick_update(
        self,
        environment_id: EnvironmentRef,
        mode: QuickUpdateMode,
        *,
        modules: Iterable[str] | None = None,
        **options: Unpack[ActionOptions],
    ) -> ActionResult:
        """Pull the latest code into a running environment and restart, without a rebuild.

        Args:
            environment_id: The environment.
            mode: ``pull_restart``, ``update_all``, ``update_specific`` or
                ``reinitialize_specific`` (reinstalls modules; may reset their data).
            modules: Module names, required by the ``*_specific`` modes and refused otherwise.
            **options: ``idempotency_key``, ``timeout``, ``max_retries``: see :meth:`deploy`.
        """
        if mode not in _QUICK_UPDATE_MODES:
            raise ValueError(
                f"mode must be one of {', '.join(sorted(_QUICK_UPDATE_MODES))}, got {mode!r}"
            )
        body: dict[str, object] = {"mode": mode}
        if mode in _MODES_WITH_MODULES:
            if modules is None:
                raise ValueError(f"mode {mode!r} needs modules=[...]")
            body["modules"] = check_module_names(modules)
        elif modules is not None:
            raise ValueError(f"mode {mode!r} takes no modules (only the *_specific modes do)")
        return await self.action("quick-update", environment_id, json=body, **options)

    async def action(
        self,
        action: str,
        environment_id: EnvironmentRef,
        *,
        json: object = None,
        idempotency_key: str | None = None,
        timeout: float | Timeouts | None = None,
        max_retries: int | None = None,
    ) -> ActionResult:
        """Send any action by its path name (``deploy``, ``restart``, ``quick-update``...).

        The named methods are preferred; this is the one they share, and the fleet engine's.
        """
        if action not in _ACTION_PATHS:
            raise ValueError(
                f"action must be one of {', '.join(sorted(_ACTION_PATHS))}, got {action!r}"
            )
        path = f"/environments/{check_environment_id(environment_id)}/{action}"
        response = await self._send(
            "POST",
            path,
            route=f"/environments/{{environment_id}}/{action}",
            json=json,
            idempotency_header=ACTION_IDEMPOTENCY_HEADER,
            idempotency_key=check_idempotency_key(idempotency_key),
            timeout=timeout,
            max_retries=max_retries,
        )
        return self._parse(response, ActionResult)

    async def create(
        self,
        project_id: ProjectRef,
        name: str,
        *,
        environment_type: EnvironmentType | None = None,
        branch: str | None = None,
        server_id: ServerRef | None = None,
        domain: str | None = None,
        cpu_cores: float | None = None,
        ram_mb: int | None = None,
        disk_gb: int | None = None,
        postgres_version: str | None = None,
        enable_pgtune: bool | None = None,
        enable_pgbouncer: bool | None = None,
        enable_read_replica: bool | None = None,
        with_demo_data: bool | None = None,
        idempotency_key: str | None = None,
        timeout: float | Timeouts | None = None,
    ) -> Environment:
        """Create an environment in a project; its first deploy is queued at once.

        The answer carries no task id: use :meth:`create_and_wait`, or find the task later as
        ``(await client.environments.status(env.id)).last_deploy``.

        Args:
            project_id: The project.
            name: 1..255 characters.
            environment_type: ``development`` (the API's default; gets demo data), ``staging``
                or ``production``.
            branch: The Git branch (default: the project's default branch).
            server_id: The server to run on (sent as the API's ``vm_id`` field).
            domain: A custom host name such as ``erp.example.com``.
            cpu_cores: 0.25..32.
            ram_mb: 256..131072.
            disk_gb: 1..1000.
            postgres_version: Such as ``"16"`` (at most 10 characters).
            enable_pgtune: Tune PostgreSQL to the size.
            enable_pgbouncer: Put PgBouncer in front of PostgreSQL.
            enable_read_replica: Add a read replica.
            with_demo_data: Load Odoo demo data (default: by environment type).
            idempotency_key: Sent as ``X-Idempotency-Key``; one is generated otherwise, and
                retries of this call reuse it, so a retried create never makes two.
            timeout: Request timeout for this call.

        Raises:
            ValueError: a value breaks the API's documented rules (nothing is sent).
        """
        body = creation_body(
            name,
            environment_type=environment_type,
            branch=branch,
            server_id=server_id,
            domain=domain,
            cpu_cores=cpu_cores,
            ram_mb=ram_mb,
            disk_gb=disk_gb,
            postgres_version=postgres_version,
            flags={
                "enable_pgtune": enable_pgtune,
                "enable_pgbouncer": enable_pgbouncer,
                "enable_read_replica": enable_read_replica,
                "with_demo_data": with_demo_data,
            },
        )
        return await self._create(
            f"/projects/{check_project_id(project_id)}/environments",
            body,
            Environment,
            route="/projects/{project_id}/environments",
            idempotency_key=idempotency_key,
            timeout=timeout,
        )

    async def create_and_wait(
        self,
        project_id: ProjectRef,
        name: str,
        *,
        timeout: float | None = 600.0,
        poll: PollPolicy | None = None,
        raise_on_failure: bool = False,
        request_timeout: float | Timeouts | None = None,
        idempotency_key: str | None = None,
        **settings: Unpack[EnvironmentSettings],
    ) -> CreatedEnvironment:
        """Create an environment and wait for its first deploy to end.

        The first deploy task is found by polling ``status()`` until ``last_deploy`` appears,
        then waited on like ``client.deployments.wait`` (a webhook receiver connected to the
        client ends both phases early). The environment is read again at the end.

        Args:
            project_id: The project.
            name: 1..255 characters.
            timeout: Deadline in seconds for the first deploy, from creation; ``None`` waits
                forever.
            poll: Polling intervals (the client's default otherwise).
            raise_on_failure: Raise :class:`DeploymentFailedError` if the deploy does not
                complete, instead of returning it.
            request_timeout: Timeout of each request.
            idempotency_key: See :meth:`create`.
            **settings: The optional settings of :meth:`create` (``branch``, ``server_id``,
                ``cpu_cores``...).

        Raises:
            WaitTimeoutError: the deadline passed (the environment exists; its id is in the
                message).
            DeploymentFailedError: with ``raise_on_failure``, the deploy did not complete.
        """
        check_positive_number(timeout, "timeout")
        environment = await self.create(
            project_id,
            name,
            idempotency_key=idempotency_key,
            timeout=request_timeout,
            **settings,
        )
        deadline = None if timeout is None else anyio.current_time() + timeout

        async def status() -> EnvironmentStatusReport:
            return await self.status(environment.id, timeout=request_timeout)

        task_id = await first_deploy_task(
            status,
            environment.id,
            policy=poll or self._client.poll_policy,
            signals=self._client.task_signals,
            deadline=deadline,
            timeout=timeout,
        )
        remaining = None if deadline is None else deadline - anyio.current_time()
        if remaining is not None and remaining <= 0:
            raise WaitTimeoutError(str(task_id), timeout or 0.0, None)
        final = await self._client.deployments.wait(
            task_id,
            timeout=remaining,
            poll=poll,
            raise_on_failure=raise_on_failure,
            request_timeout=request_timeout,
        )
        refreshed = await self.get(environment.id, timeout=request_timeout)
        return CreatedEnvironment(environment=refreshed, deployment=final)

    async def update(
        self,
        environment_id: EnvironmentRef,
        *,
        name: str | None = None,
        branch: str | None = None,
        domain: str | None = None,
        cpu_cores: float | None = None,
        ram_mb: int | None = None,
        disk_gb: int | None = None,
        timeout: float | Timeouts | None = None,
    ) -> Environment:
        """Change an environment's settings; they apply at the next deploy or restart.

        Args:
            environment_id: The environment.
            name: 1..255 characters.
            branch: The Git branch.
            domain: A custom host name; ``""`` removes the custom domain.
            cpu_cores: 0.25..32.
            ram_mb: 256..131072.
            disk_gb: 1..1000.
            timeout: Request timeout for this call.

        Raises:
            ValueError: nothing to change, or a value breaks the API's rules.
        """
        path = f"/environments/{check_environment_id(environment_id)}"
        body = update_body(
            name=name,
            branch=branch,
            domain=domain,
            cpu_cores=cpu_cores,
            ram_mb=ram_mb,
            disk_gb=disk_gb,
        )
        response = await self._send(
            "PATCH", path, route="/environments/{environment_id}", json=body, timeout=timeout
        )
        return self._parse(response, Environment)

    async def delete(
        self,
        environment_id: EnvironmentRef,
        *,
        confirm: bool = False,
        timeout: float | Timeouts | None = None,
    ) -> ActionResult:
        """Destroy an environment (container, database and files). Needs ``confirm=True``.

        Returns at once with the destroy task; wait for it with ``client.deployments.wait``.

        Args:
            environment_id: The environment.
            confirm: Must be ``True``; sent as ``X-Confirm-Delete: true``.
            timeout: Request timeout for this call.

        Raises:
            ValueError: ``confirm`` is not ``True`` (nothing is sent).
            TaskInProgressError: another action is active on the environment.
        """
        path = f"/environments/{check_environment_id(environment_id)}"
        check_confirm(confirm, f"destroying environment {environment_id}")
        response = await self._send(
            "DELETE",
            path,
            route="/environments/{environment_id}",
            headers={"X-Confirm-Delete": "true"},
            timeout=timeout,
        )
        return self._parse(response, ActionResult)

    async def logs(
        self,
        environment_id: EnvironmentRef,
        *,
        task_id: TaskRef | None = None,
        lines: int = 200,
        timeout: float | Timeouts | None = None,
    ) -> TaskLog:
        """The step log of the environment's latest task, or of ``task_id``.

        Args:
            environment_id: The environment.
            task_id: A task of this environment (default: the latest).
            lines: Newest lines to return, 1..1000.
            timeout: Request timeout for this call.
        """
        path = f"/environments/{check_environment_id(environment_id)}/logs"
        params: dict[str, str | int] = {"lines": check_int_range(lines, "lines", 1, 1000)}
        if task_id is not None:
            params["task_id"] = check_task_id(task_id)
        response = await self._send(
            "GET", path, route="/environments/{environment_id}/logs", params=params, timeout=timeout
        )
        return self._parse(response, TaskLog)

    async def runtime_logs(
        self,
        environment_id: EnvironmentRef,
        *,
        source: LogSource = "odoo",
        lines: int = 200,
        timeout: float | Timeouts | None = None,
    ) -> RuntimeLog:
        """The newest lines of the live Odoo or PostgreSQL container log.

        The API allows 6 of these calls a minute per environment: over it, a
        :class:`RateLimitError` with ``retry_after`` is raised at once (not retried).

        Args:
            environment_id: The environment (it must be running; 404 otherwise).
            source: ``odoo`` (default), ``container`` or ``postgres``.
            lines: Newest lines to return, 1..1000.
            timeout: Request timeout for this call.
        """
        path = f"/environments/{check_environment_id(environment_id)}/runtime-logs"
        if source not in LOG_SOURCES:
            raise ValueError(f"source must be one of {', '.join(LOG_SOURCES)}, got {source!r}")
        params: dict[str, str | int] = {
            "source": source,
            "lines": check_int_range(lines, "lines", 1, 1000),
        }
        response = await self._send(
            "GET",
            path,
            route="/environments/{environment_id}/runtime-logs",
            params=params,
            timeout=timeout,
        )
        return self._parse(response, RuntimeLog)

    async def metrics(
        self, environment_id: EnvironmentRef, *, timeout: float | Timeouts | None = None
    ) -> EnvironmentMetrics:
        """Live CPU, memory and disk figures of the environment's containers.

        The API allows 6 of these calls a minute per environment: over it, a
        :class:`RateLimitError` with ``retry_after`` is raised at once (not retried).
        """
        path = f"/environments/{check_environment_id(environment_id)}/metrics"
        response = await self._send(
            "GET", path, route="/environments/{environment_id}/metrics", timeout=timeout
        )
        return self._parse(response, EnvironmentMetrics)
