"""``client.fleet``: run one action over many environments, within limits and the rate budget."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal, Unpack

from .._validation import check_module_names
from ._plan import FleetPlan, make_plan
from ._rollout import Rollout
from ._run import FleetRun
from ._spec import EnvironmentRef, FleetOptions, build_spec

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
            unhealthy, or conflicted unless ``on_conflict="skip"``). The rest end
            ``not_started``.
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
            ``run.events()`` instead). An exception it raises is the caller's bug, not an
            environment's outcome: it cancels the run (in-flight environments end
            ``cancelled``, the rest ``not_started``; ``run.report`` is complete) and
            ``await run`` / ``async for`` raise it.
        rollout: A :class:`Rollout`: run in waves with health checks, bake time and failure
            budgets (``run.pause()``, ``run.resume()``, ``run.halt()``; ``report.waves``,
            ``report.halted``). Without it, everything starts within ``max_parallel``.
        force: Rollouts re-run with the same ``batch_id``: failures that the earlier run
            already saw (re-attached tasks) do not count against the budgets, so a halted
            rollout goes past the place it halted. Without it, it halts there again.

    Any exception raised while handling one environment (an SDK error, or anything else the
    SDK's code raised) becomes that environment's ``errored`` outcome; only cancellation,
    ``KeyboardInterrupt`` and ``SystemExit`` end a run early, and even then ``run.report``
    is complete.

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
        **options: Unpack[FleetOptions],
    ) -> FleetRun:
        """Redeploy every environment (pull, rebuild, migrate).

        Args:
            environments: See the class docstring, as for every option.
            update_modules: Odoo modules to update after the pull (``["all"]`` for all).
            **options: ``max_parallel`` (20), ``fail_fast``, ``max_failures``,
                ``timeout_per_environment``, ``timeout``, ``on_conflict`` (``"attach"``),
                ``batch_id``, ``poll``, ``on_event``, ``rollout``, ``force``: see the class
                docstring.

        Example::

            run = client.fleet.deploy(env_ids, max_parallel=20, batch_id="release-42")
            async for outcome in run:
                print(outcome.environment_id, outcome.kind)
            report = await run
        """
        body = None
        if update_modules is not None:
            body = {"update_modules": check_module_names(update_modules, "update_modules")}
        return FleetRun(self._client, build_spec("deploy", environments, body=body, **options))

    def restart(
        self, environments: Iterable[EnvironmentRef], **options: Unpack[FleetOptions]
    ) -> FleetRun:
        """Restart every environment's containers. Options as for :meth:`deploy`."""
        return FleetRun(self._client, build_spec("restart", environments, **options))

    def start(
        self, environments: Iterable[EnvironmentRef], **options: Unpack[FleetOptions]
    ) -> FleetRun:
        """Start every (stopped) environment. Options as for :meth:`deploy`.

        An environment that is not stopped ends ``conflicted`` (409 ``environment_not_stopped``).
        """
        return FleetRun(self._client, build_spec("start", environments, **options))

    def stop(
        self, environments: Iterable[EnvironmentRef], **options: Unpack[FleetOptions]
    ) -> FleetRun:
        """Stop every environment (data is kept). Options as for :meth:`deploy`."""
        return FleetRun(self._client, build_spec("stop", environments, **options))

    async def plan(
        self,
        environments: Iterable[EnvironmentRef],
        *,
        action: Literal["deploy", "restart", "start", "stop"] = "deploy",
        rollout: Rollout | None = None,
        max_parallel: int = 20,
        task_duration: float | None = None,
    ) -> FleetPlan:
        """What ``client.fleet.<action>(environments, rollout=..., max_parallel=...)`` would do.

        Sends reads only, never a write: the environments' statuses (one read per project
        where their projects are known or few, else one per environment) to find conflicts.

        Args:
            environments: As for :meth:`deploy`.
            action: The action to plan.
            rollout: The rollout to plan (``None``: one wave of everything).
            max_parallel: As for :meth:`deploy`.
            task_duration: Seconds a task usually takes, to include in the estimate.

        Returns:
            The plan: waves with names, conflicts, requests it will cost, estimated duration.
            ``print(plan)`` shows it.

        Raises:
            TypeError, ValueError: invalid arguments (as the action itself would raise).
            APIError: a read failed.
        """
        return await make_plan(
            self._client,
            environments,
            action=action,
            rollout=rollout,
            max_parallel=max_parallel,
            task_duration=task_duration,
        )
