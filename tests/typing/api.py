"""The public API as a user writes it, with the types mypy must infer (checked by mypy only).

Not collected by pytest (the name does not start with ``test_``) and never run: every
``assert_type`` is a static claim about the public signatures.
"""

from __future__ import annotations

from datetime import datetime
from typing import assert_type
from uuid import UUID

import oec_async
from oec_async import (
    ActionResult,
    APIStatusError,
    AsyncPaginator,
    Client,
    Deployment,
    DeploymentFailedError,
    DeploymentWatcher,
    Environment,
    EnvironmentStatus,
    EnvironmentStatusReport,
    FieldError,
    Page,
    PaginationError,
    PollPolicy,
    RateLimits,
    RateLimitSnapshot,
    RetryPolicy,
    TaskInProgressError,
    TaskStatus,
    Timeouts,
    TransportEvent,
    WaitTimeoutError,
    listening,
)


async def quickstart(env_id: UUID, project_id: str) -> None:
    async with Client(
        api_key="oec_live_rw_example",
        base_url="https://api.oec.sh/api/public/v1",
        timeout=Timeouts(connect=5, total=30),
        retry=RetryPolicy(max_retries=5),
        poll=PollPolicy(initial_interval=2),
        rate_limits=RateLimits.disabled(),
    ) as client:
        assert_type(client, Client)

        action = await client.environments.deploy(env_id, update_modules=["sale"])
        assert_type(action, ActionResult)
        assert_type(action.task_id, UUID)
        assert_type(action.status, TaskStatus | None)
        assert_type(action.environment_id, UUID | None)
        assert_type(action.poll_url, str | None)

        assert_type(await client.environments.restart(env_id, idempotency_key="k"), ActionResult)
        assert_type(await client.environments.start(str(env_id)), ActionResult)
        assert_type(await client.environments.stop(env_id, max_retries=0), ActionResult)
        assert_type(
            await client.environments.quick_update(env_id, "update_specific", modules=["sale"]),
            ActionResult,
        )

        dep = await client.deployments.get(action.task_id)
        assert_type(dep, Deployment)
        assert_type(dep.status, TaskStatus | None)
        assert_type(dep.progress_percent, float | None)
        assert_type(dep.started_at, datetime | None)
        assert_type(dep.is_terminal, bool)

        final = await client.deployments.wait(action, timeout=600, raise_on_failure=True)
        assert_type(final, Deployment)

        history = client.deployments.list(env_id, limit=50, max_items=200)
        _ = assert_type(history, AsyncPaginator[Deployment])  # an awaitable: must be used
        async for d in history:
            assert_type(d, Deployment)
        async for page in client.deployments.list(env_id).pages():
            assert_type(page, Page[Deployment])
            assert_type(page.next_cursor, str | None)
            assert_type(page.items, tuple[Deployment, ...])
        first = await client.deployments.list(env_id, cursor="saved")
        assert_type(first, Page[Deployment])
        assert_type(await client.deployments.list(env_id).collect(), list[Deployment])
        try:
            await client.deployments.list(env_id).collect()
        except PaginationError as stopped:
            assert_type(stopped.cursor, str | None)

        watcher = client.deployments.watch(action.task_id, timeout=60)
        assert_type(watcher, DeploymentWatcher)
        async for update in watcher:
            assert_type(update, Deployment)

        envs = await client.environments.list(project_id, status="running")
        assert_type(envs, Page[Environment])
        async for env in client.environments.list(project_id, status=EnvironmentStatus.RUNNING):
            assert_type(env, Environment)
            assert_type(env.status, EnvironmentStatus | None)

        assert_type(await client.environments.get(env_id), Environment)
        st = await client.environments.status(env_id)
        assert_type(st, EnvironmentStatusReport)
        assert_type(client.rate_limit, RateLimitSnapshot | None)


async def errors(client: Client, env_id: UUID) -> None:
    try:
        await client.environments.deploy(env_id)
    except TaskInProgressError as busy:
        assert_type(busy.task_id, UUID | None)
    except APIStatusError as error:
        assert_type(error.status, int)
        assert_type(error.code, str | None)
        assert_type(error.message, str)
        assert_type(error.request_id, str | None)
        assert_type(error.field_errors, tuple[FieldError, ...])
        assert_type(error.retry_after, float | None)
    try:
        await client.deployments.wait(env_id, raise_on_failure=True)
    except DeploymentFailedError as failed:
        assert_type(failed.deployment, Deployment)
    except WaitTimeoutError as late:
        assert_type(late.last, Deployment | None)


def events() -> None:
    def on_event(event: TransportEvent) -> None:
        assert_type(event, TransportEvent)

    with listening(on_event):
        pass


assert_type(oec_async.__version__, str)


async def models_where_ids_go(client: Client, project_id: UUID) -> None:
    """A model is accepted wherever the id it carries is taken."""
    env = (await client.environments.list(project_id))[0]
    assert_type(env, Environment)
    assert_type(await client.environments.get(env), Environment)
    assert_type(await client.environments.status(env), EnvironmentStatusReport)
    action = await client.environments.deploy(env)
    _ = assert_type(client.deployments.list(env), AsyncPaginator[Deployment])
    deployment = await client.deployments.get(action)
    assert_type(await client.deployments.wait(deployment), Deployment)
    assert_type(client.deployments.watch(deployment), DeploymentWatcher)
    last = (await client.environments.status(env)).last_deploy
    if last is not None:
        assert_type(await client.deployments.get(last), Deployment)


async def send_path_views(client: Client, env_id: UUID) -> None:
    def on_event(event: oec_async.Event) -> None:
        if isinstance(event, oec_async.CallFinished):
            assert_type(event.route, str)
            assert_type(event.status, int | None)
            assert_type(event.error, Exception | None)

    hooked = Client(event_hooks=[on_event], max_response_size=1024, clock=lambda: 0.0)
    hooked.add_listener(on_event)
    hooked.remove_listener(on_event)
    patient = client.with_options(timeout=120, retry=RetryPolicy(max_retries=8))
    assert_type(patient, Client)
    assert_type(await patient.environments.get(env_id), Environment)
    raw = await client.with_raw_response.deployments.get(env_id)
    assert_type(raw, oec_async.APIResponse[object])
    assert_type(raw.status, int)
    assert_type(raw.request_id, str | None)
    assert_type(raw.rate_limit, RateLimitSnapshot | None)
    assert_type(raw.elapsed, float)
