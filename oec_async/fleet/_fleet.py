"""``client.fleet``: run one action over many environments, within limits and the rate budget."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from .._config import PollPolicy
from .._validation import ensure_module_names
from ._events import FleetEvent
from ._run import FleetRun
from ._spec import ConflictPolicy, EnvironmentRef, build_spec

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["Fleet"]


class Fleet:
    """Deploy, restart, start or stop many environments at once.

    Every method is a plain ``def`` that validates its arguments and returns a
    :class:`FleetRun`; nothing is sent until the run is awaited or iterated.

    The run shares the client's rate governor with every other call: actions are paced to the
    write budget, and one central poller follows every task within the read budget (a single
    ``GET /projects/{id}/environments`` shows many environments' status at once; one
    ``GET /deployments/{id}`` confirms each end).

    Common arguments:
        environments: Environment ids (UUIDs or strings) or Environment objects (which also
            tell the project, saving a lookup). Each may appear once.
        max_parallel: The most environments with an action in flight at once (the rollout
            limit; writes are paced to the budget regardless).
        fail_fast: Stop starting new actions after the first failure (``max_failures=1``).
        max_failures: Stop starting new actions after this many failures (failed, errored,
            or conflicted unless ``on_conflict="skip"``). The rest end ``not_started``.
        timeout_per_environment: Seconds from an environment's first send to its outcome;
            after it the environment ends ``errored`` with a ``WaitTimeoutError``.
        timeout: Seconds for the whole run; then in-flight environments end ``cancelled``,
            the rest ``not_started``, and the report says ``timed_out``.
        on_conflict: On 409 ``task_in_progress``: ``"attach"`` follows the running task and
            reports it; ``"wait_then_retry"`` waits for it, then sends our action;
            ``"skip"`` reports ``conflicted`` (not a failure); ``"raise"`` reports
            ``conflicted`` and counts it as a failure.
        batch_id: Derive each idempotency key from (batch_id, environment, action): running
            the same call again (after a crash) re-attaches to the tasks already started
            instead of starting them twice. The server keeps keys for 24 hours.
        poll: Poll timing bounds (the client's policy otherwise).
        on_event: Called with every progress event (keep it quick; for async work iterate
            ``run.events()`` instead). An exception it raises ends the run.

    Raises (at call time):
        TypeError: an argument of the wrong type.
        ValueError: a non-UUID id, a duplicate environment, max_parallel < 1, an unknown
            on_conflict...
    """

    def __init__(self, client: Client) -> None:
        self._client = client

    def deploy(
        self,
        environments: Iterable[EnvironmentRef],
        *,
        update_modules: Sequence[str] | None = None,
        max_parallel: int = 20,
        fail_fast: bool = False,
        max_failures: int | None = None,
        timeout_per_environment: float | None = None,
        timeout: float | None = None,
        on_conflict: ConflictPolicy = "attach",
        batch_id: str | None = None,
        poll: PollPolicy | None = None,
        on_event: Callable[[FleetEvent], object] | None = None,
    ) -> FleetRun:
        """Redeploy every environment (pull, rebuild, migrate).

        Args:
            environments: See the class docstring, as for every other argument.
            update_modules: Odoo modules to update after the pull (``["all"]`` for all).
            max_parallel: See the class docstring.
            fail_fast: See the class docstring.
            max_failures: See the class docstring.
            timeout_per_environment: See the class docstring.
            timeout: See the class docstring.
            on_conflict: See the class docstring.
            batch_id: See the class docstring.
            poll: See the class docstring.
            on_event: See the class docstring.

        Example::

            run = client.fleet.deploy(env_ids, max_parallel=20, batch_id="release-42")
            async for outcome in run:
                print(outcome.environment_id, outcome.kind)
            report = await run
        """
        body = None
        if update_modules is not None:
            body = {"update_modules": ensure_module_names(update_modules, "update_modules")}
        spec = build_spec(
            "deploy",
            environments,
            body=body,
            max_parallel=max_parallel,
            fail_fast=fail_fast,
            max_failures=max_failures,
            timeout_per_environment=timeout_per_environment,
            timeout=timeout,
            on_conflict=on_conflict,
            batch_id=batch_id,
            poll=poll,
            on_event=on_event,
        )
        return FleetRun(self._client, spec)

    def restart(
        self,
        environments: Iterable[EnvironmentRef],
        *,
        max_parallel: int = 20,
        fail_fast: bool = False,
        max_failures: int | None = None,
        timeout_per_environment: float | None = None,
        timeout: float | None = None,
        on_conflict: ConflictPolicy = "attach",
        batch_id: str | None = None,
        poll: PollPolicy | None = None,
        on_event: Callable[[FleetEvent], object] | None = None,
    ) -> FleetRun:
        """Restart every environment's containers. Arguments as for :meth:`deploy`."""
        return self._run(
            "restart",
            environments,
            max_parallel=max_parallel,
            fail_fast=fail_fast,
            max_failures=max_failures,
            timeout_per_environment=timeout_per_environment,
            timeout=timeout,
            on_conflict=on_conflict,
            batch_id=batch_id,
            poll=poll,
            on_event=on_event,
        )

    def start(
        self,
        environments: Iterable[EnvironmentRef],
        *,
        max_parallel: int = 20,
        fail_fast: bool = False,
        max_failures: int | None = None,
        timeout_per_environment: float | None = None,
        timeout: float | None = None,
        on_conflict: ConflictPolicy = "attach",
        batch_id: str | None = None,
        poll: PollPolicy | None = None,
        on_event: Callable[[FleetEvent], object] | None = None,
    ) -> FleetRun:
        """Start every (stopped) environment. Arguments as for :meth:`deploy`.

        An environment that is not stopped ends ``conflicted`` (409 ``environment_not_stopped``).
        """
        return self._run(
            "start",
            environments,
            max_parallel=max_parallel,
            fail_fast=fail_fast,
            max_failures=max_failures,
            timeout_per_environment=timeout_per_environment,
            timeout=timeout,
            on_conflict=on_conflict,
            batch_id=batch_id,
            poll=poll,
            on_event=on_event,
        )

    def stop(
        self,
        environments: Iterable[EnvironmentRef],
        *,
        max_parallel: int = 20,
        fail_fast: bool = False,
        max_failures: int | None = None,
        timeout_per_environment: float | None = None,
        timeout: float | None = None,
        on_conflict: ConflictPolicy = "attach",
        batch_id: str | None = None,
        poll: PollPolicy | None = None,
        on_event: Callable[[FleetEvent], object] | None = None,
    ) -> FleetRun:
        """Stop every environment (data is kept). Arguments as for :meth:`deploy`."""
        return self._run(
            "stop",
            environments,
            max_parallel=max_parallel,
            fail_fast=fail_fast,
            max_failures=max_failures,
            timeout_per_environment=timeout_per_environment,
            timeout=timeout,
            on_conflict=on_conflict,
            batch_id=batch_id,
            poll=poll,
            on_event=on_event,
        )

    def _run(
        self,
        action: str,
        environments: Iterable[EnvironmentRef],
        *,
        max_parallel: int,
        fail_fast: bool,
        max_failures: int | None,
        timeout_per_environment: float | None,
        timeout: float | None,
        on_conflict: ConflictPolicy,
        batch_id: str | None,
        poll: PollPolicy | None,
        on_event: Callable[[FleetEvent], object] | None,
    ) -> FleetRun:
        spec = build_spec(
            action,
            environments,
            max_parallel=max_parallel,
            fail_fast=fail_fast,
            max_failures=max_failures,
            timeout_per_environment=timeout_per_environment,
            timeout=timeout,
            on_conflict=on_conflict,
            batch_id=batch_id,
            poll=poll,
            on_event=on_event,
        )
        return FleetRun(self._client, spec)
