"""``client.deployments``: read tasks, list an environment's history, wait for a task to end."""

from __future__ import annotations

from .._config import PollPolicy, Timeouts
from .._exceptions import DeploymentFailedError
from .._models import Deployment
from .._pagination import AsyncPaginator
from .._polling import DeploymentWatcher
from .._validation import (
    EnvironmentRef,
    TaskRef,
    check_environment_id,
    check_positive_number,
    check_task_id,
    task_uuid,
)
from ._base import Resource, same_id

__all__ = ["Deployments", "TaskRef"]


class Deployments(Resource):
    """Tasks (deployments, restarts, starts, stops...) and waiting for them to finish."""

    async def get(self, task: TaskRef, *, timeout: float | Timeouts | None = None) -> Deployment:
        """Fetch a task's current state (the action's ``poll_url``).

        Args:
            task: The task id, the ActionResult of the action, or a Deployment.
            timeout: Request timeout for this call.
        """
        path = f"/deployments/{check_task_id(task)}"
        response = await self._send("GET", path, route="/deployments/{task_id}", timeout=timeout)
        return same_id(self._parse(response, Deployment), response)

    def list(
        self,
        environment_id: EnvironmentRef,
        *,
        limit: int = 20,
        cursor: str | None = None,
        max_items: int | None = None,
        timeout: float | Timeouts | None = None,
    ) -> AsyncPaginator[Deployment]:
        """An environment's tasks, newest first, following cursors to the end.

        No request is sent until the result is awaited (first page) or iterated.

        Args:
            environment_id: The environment (its id, or the Environment).
            limit: Page size, 1..100.
            cursor: Start from a saved ``page.next_cursor`` instead of the first page.
            max_items: Stop after this many items.
            timeout: Request timeout for each page.
        """
        path = f"/environments/{check_environment_id(environment_id)}/deployments"
        return self._cursor_list(
            path,
            Deployment,
            route="/environments/{environment_id}/deployments",
            limit=limit,
            cursor=cursor,
            max_items=max_items,
            timeout=timeout,
        )

    def watch(
        self,
        task: TaskRef,
        *,
        timeout: float | None = None,
        poll: PollPolicy | None = None,
        request_timeout: float | Timeouts | None = None,
    ) -> DeploymentWatcher:
        """Follow a task: yields its Deployment whenever status, progress or step changes.

        The iteration ends after the terminal Deployment (completed, failed or cancelled).

        Args:
            task: The task id, the ActionResult of the action, or a Deployment.
            timeout: Overall deadline in seconds (``WaitTimeoutError`` after it).
            poll: Polling intervals (the client's default otherwise).
            request_timeout: Timeout of each poll request.

        Example::

            async for d in client.deployments.watch(action):
                print(d.status, d.progress_percent, d.current_step)
        """
        task_id = task_uuid(task)
        check_positive_number(timeout, "timeout")

        async def fetch() -> Deployment:
            return await self.get(task_id, timeout=request_timeout)

        return DeploymentWatcher(
            fetch,
            task_id,
            policy=poll or self._client.poll_policy,
            timeout=timeout,
            signals=self._client.task_signals,
        )

    async def wait(
        self,
        task: TaskRef,
        *,
        timeout: float | None = 600.0,
        poll: PollPolicy | None = None,
        raise_on_failure: bool = False,
        request_timeout: float | Timeouts | None = None,
    ) -> Deployment:
        """Poll a task until it is terminal and return its final Deployment.

        Args:
            task: The task id, the ActionResult of the action, or a Deployment.
            timeout: Overall deadline in seconds; ``None`` waits forever.
            poll: Polling intervals (initial, growth, cap, jitter); the client's default otherwise.
            raise_on_failure: Raise :class:`DeploymentFailedError` if the task ends ``failed``
                or ``cancelled`` instead of returning it.
            request_timeout: Timeout of each poll request.

        Raises:
            WaitTimeoutError: the deadline passed; ``.last`` holds the last Deployment seen.
            DeploymentFailedError: with ``raise_on_failure``, the task did not complete.
        """
        watcher = self.watch(task, timeout=timeout, poll=poll, request_timeout=request_timeout)
        final: Deployment | None = None
        async for deployment in watcher:
            final = deployment
        if final is None:  # pragma: no cover - the watcher always yields the terminal one
            raise RuntimeError("watch ended without a terminal deployment")
        if raise_on_failure and not final.succeeded:
            raise DeploymentFailedError(final)
        return final
