"""``client.environments`` create/create_and_wait/update/delete/logs/runtime_logs/metrics."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from aioresponses import aioresponses
from resource_support import (
    ENV_ID,
    PROJECT_ID,
    SERVER_ID,
    STRICT,
    TASK_ID,
    action_json,
    all_sent,
    body,
    environment_json,
    header,
    mock,
    params,
    sent,
)

from oec_async import (
    ActionResult,
    Client,
    CreatedEnvironment,
    DeploymentFailedError,
    EnvironmentMetrics,
    EnvironmentStatus,
    RateLimitError,
    RuntimeLog,
    TaskLog,
    TaskStatus,
    WaitTimeoutError,
)

CREATE_PATH = f"/projects/{PROJECT_ID}/environments"
ENV_PATH = f"/environments/{ENV_ID}"
STATUS_PATH = f"{ENV_PATH}/status"
TASK_PATH = f"/deployments/{TASK_ID}"

# Shapes from the MCP server's fixtures (oec-api.md 5.8).
TASK_LOG = {"task_id": TASK_ID, "log": "step 1\nstep 2", "lines": 2, "truncated": False}
RUNTIME_LOG = {
    "environment_id": ENV_ID,
    "source": "odoo",
    "lines": 2,
    "truncated": False,
    "log": "INFO odoo: ready\nINFO odoo: GET / 200",
    "fetched_at": "2026-10-05T12:00:00Z",
}
METRICS = {
    "environment_id": ENV_ID,
    "status": "running",
    "odoo": {
        "status": "running",
        "cpu_percent": 3.5,
        "memory_used_bytes": 1,
        "memory_limit_bytes": 2,
        "memory_percent": 50,
    },
    "postgres": None,
    "disk": {
        "allocated_gb": 10,
        "database_bytes": 1,
        "filestore_bytes": 2,
        "addons_bytes": 3,
        "measured_at": None,
    },
    "queried_at": "2026-10-05T12:00:00Z",
}
TARGET_LIMITED = {
    "detail": {
        "error": "target_rate_limit",
        "message": "At most 6 calls a minute.",
        "retry_after": 42,
    }
}


def status_json(last_deploy: dict[str, Any] | None) -> dict[str, Any]:
    return {"environment_id": ENV_ID, "status": "deploying", "last_deploy": last_deploy}


@pytest.mark.parametrize(
    ("payload", "cls"),
    [(TASK_LOG, TaskLog), (RUNTIME_LOG, RuntimeLog), (METRICS, EnvironmentMetrics)],
)
def test_the_fixture_shapes_fit_the_models_whole(payload: dict[str, Any], cls: type) -> None:
    assert STRICT.structure(payload, cls) is not None


async def test_create_sends_the_server_as_vm_id_with_the_create_idempotency_header(
    mocked: aioresponses, client: Client
) -> None:
    mock(mocked, client, "POST", CREATE_PATH, status=201, payload=environment_json())

    env = await client.environments.create(
        PROJECT_ID,
        "staging-acme",
        environment_type="staging",
        branch="main",
        server_id=UUID(SERVER_ID),
        domain="ERP.example.com",
        cpu_cores=0.5,
        ram_mb=1024,
        disk_gb=20,
        postgres_version="16",
        enable_pgbouncer=True,
        with_demo_data=False,
    )

    assert env.status is EnvironmentStatus.DEPLOYING
    (call,) = sent(mocked, client, "POST", CREATE_PATH)
    assert body(call) == {
        "name": "staging-acme",
        "environment_type": "staging",
        "branch": "main",
        "vm_id": SERVER_ID,
        "domain": "erp.example.com",
        "cpu_cores": 0.5,
        "ram_mb": 1024,
        "disk_gb": 20,
        "postgres_version": "16",
        "enable_pgbouncer": True,
        "with_demo_data": False,
    }
    assert header(call, "X-Idempotency-Key")
    assert header(call, "Idempotency-Key") is None


@pytest.mark.parametrize(
    ("kwargs", "error", "problem"),
    [
        ({"cpu_cores": 0.1}, ValueError, r"cpu_cores must be within 0\.25\.\.32"),
        ({"cpu_cores": True}, TypeError, "cpu_cores must be a number"),
        ({"ram_mb": 100}, ValueError, r"ram_mb must be within 256\.\.131072"),
        ({"ram_mb": 512.5}, TypeError, "ram_mb must be an integer"),
        ({"disk_gb": 1001}, ValueError, r"disk_gb must be within 1\.\.1000"),
        ({"domain": "not a host"}, ValueError, "domain must be a host name"),
        ({"environment_type": "qa"}, ValueError, "environment_type must be one of"),
        ({"postgres_version": "16.1.2.3.4.5"}, ValueError, "postgres_version must be 1..10"),
        ({"with_demo_data": "yes"}, TypeError, "with_demo_data must be True or False"),
        ({"server_id": "srv"}, ValueError, "server_id must be a UUID"),
        ({"name": ""}, ValueError, "name must be 1..255"),
    ],
)
async def test_create_refuses_values_the_api_would_reject(
    mocked: aioresponses,
    client: Client,
    kwargs: dict[str, Any],
    error: type[Exception],
    problem: str,
) -> None:
    name = kwargs.pop("name", "env")
    with pytest.raises(error, match=problem):
        await client.environments.create(PROJECT_ID, name, **kwargs)
    assert all_sent(mocked) == 0


async def test_create_and_wait_polls_status_until_the_first_deploy_then_waits_for_it(
    mocked: aioresponses, client: Client
) -> None:
    mock(mocked, client, "POST", CREATE_PATH, status=201, payload=environment_json())
    mock(mocked, client, "GET", STATUS_PATH, payload=status_json(None))
    mock(mocked, client, "GET", STATUS_PATH, payload=status_json(None))
    mock(
        mocked, client, "GET", STATUS_PATH, payload=status_json({"id": TASK_ID, "status": "queued"})
    )
    mock(mocked, client, "GET", TASK_PATH, payload={"id": TASK_ID, "status": "running"})
    mock(mocked, client, "GET", TASK_PATH, payload={"id": TASK_ID, "status": "completed"})
    mock(mocked, client, "GET", ENV_PATH, payload=environment_json(status="running"))

    result = await client.environments.create_and_wait(
        PROJECT_ID, "staging-acme", server_id=SERVER_ID, timeout=30
    )

    assert isinstance(result, CreatedEnvironment)
    assert result.succeeded
    assert result.deployment.id == UUID(TASK_ID)
    assert result.deployment.status is TaskStatus.COMPLETED
    assert result.environment.status is EnvironmentStatus.RUNNING
    assert len(sent(mocked, client, "GET", STATUS_PATH)) == 3
    assert body(sent(mocked, client, "POST", CREATE_PATH)[0])["vm_id"] == SERVER_ID


async def test_create_and_wait_raises_on_a_failed_first_deploy_when_asked(
    mocked: aioresponses, client: Client
) -> None:
    mock(mocked, client, "POST", CREATE_PATH, status=201, payload=environment_json())
    mock(mocked, client, "GET", STATUS_PATH, payload=status_json({"id": TASK_ID}))
    mock(
        mocked,
        client,
        "GET",
        TASK_PATH,
        payload={"id": TASK_ID, "status": "failed", "error_message": "build failed"},
    )

    with pytest.raises(DeploymentFailedError, match="build failed"):
        await client.environments.create_and_wait(PROJECT_ID, "env", raise_on_failure=True)


async def test_create_and_wait_times_out_when_no_deploy_ever_appears(
    mocked: aioresponses, client: Client
) -> None:
    mock(mocked, client, "POST", CREATE_PATH, status=201, payload=environment_json())
    mock(mocked, client, "GET", STATUS_PATH, payload=status_json(None), repeat=True)

    with pytest.raises(WaitTimeoutError, match=f"first deploy of environment {ENV_ID}"):
        await client.environments.create_and_wait(PROJECT_ID, "env", timeout=0.1)


async def test_create_and_wait_rejects_unknown_settings_before_any_request(
    mocked: aioresponses, client: Client
) -> None:
    with pytest.raises(TypeError, match="ram_gb"):
        await client.environments.create_and_wait(PROJECT_ID, "env", ram_gb=4)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="timeout"):
        await client.environments.create_and_wait(PROJECT_ID, "env", timeout=0)
    assert all_sent(mocked) == 0


async def test_update_sends_only_the_given_fields_and_an_empty_domain_removes_it(
    mocked: aioresponses, client: Client
) -> None:
    mock(mocked, client, "PATCH", ENV_PATH, payload=environment_json(name="renamed"))

    env = await client.environments.update(ENV_ID, name="renamed", domain="", ram_mb=4096)

    assert env.name == "renamed"
    (call,) = sent(mocked, client, "PATCH", ENV_PATH)
    assert body(call) == {"name": "renamed", "domain": "", "ram_mb": 4096}


async def test_update_with_nothing_to_change_sends_nothing(
    mocked: aioresponses, client: Client
) -> None:
    with pytest.raises(ValueError, match="nothing to update"):
        await client.environments.update(ENV_ID)
    assert all_sent(mocked) == 0


async def test_delete_needs_confirm_and_returns_the_destroy_task(
    mocked: aioresponses, client: Client
) -> None:
    with pytest.raises(ValueError, match="confirm=True"):
        await client.environments.delete(ENV_ID)
    assert all_sent(mocked) == 0
    mock(mocked, client, "DELETE", ENV_PATH, status=202, payload=action_json())

    result = await client.environments.delete(ENV_ID, confirm=True)

    assert isinstance(result, ActionResult)
    assert result.task_id == UUID(TASK_ID)
    (call,) = sent(mocked, client, "DELETE", ENV_PATH)
    assert header(call, "X-Confirm-Delete") == "true"


async def test_logs_sends_the_task_and_line_count(mocked: aioresponses, client: Client) -> None:
    mock(mocked, client, "GET", f"{ENV_PATH}/logs", payload=TASK_LOG)

    log = await client.environments.logs(ENV_ID, task_id=TASK_ID, lines=50)

    assert log.log.splitlines() == ["step 1", "step 2"]
    assert log.truncated is False
    (call,) = sent(mocked, client, "GET", f"{ENV_PATH}/logs")
    assert params(call) == {"lines": 50, "task_id": TASK_ID}


async def test_logs_of_an_environment_without_tasks_have_no_task_id(
    mocked: aioresponses, client: Client
) -> None:
    mock(
        mocked,
        client,
        "GET",
        f"{ENV_PATH}/logs",
        payload={"task_id": None, "log": "", "lines": 0, "truncated": False},
    )
    assert (await client.environments.logs(ENV_ID)).task_id is None


async def test_runtime_logs_sends_source_and_lines(mocked: aioresponses, client: Client) -> None:
    mock(mocked, client, "GET", f"{ENV_PATH}/runtime-logs", payload=RUNTIME_LOG)

    log = await client.environments.runtime_logs(ENV_ID, source="postgres", lines=1000)

    assert log.source == "odoo"
    assert log.fetched_at is not None
    (call,) = sent(mocked, client, "GET", f"{ENV_PATH}/runtime-logs")
    assert params(call) == {"source": "postgres", "lines": 1000}


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"lines": 0}, r"lines must be within 1\.\.1000"),
        ({"lines": 1001}, "lines"),
        ({"source": "nginx"}, "source must be one of odoo, container, postgres"),
    ],
)
async def test_runtime_logs_checks_its_arguments(
    mocked: aioresponses, client: Client, kwargs: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        await client.environments.runtime_logs(ENV_ID, **kwargs)
    with pytest.raises(ValueError, match=r"lines must be within"):
        await client.environments.logs(ENV_ID, lines=0)
    assert all_sent(mocked) == 0


async def test_metrics_reads_nested_container_and_disk_figures(
    mocked: aioresponses, client: Client
) -> None:
    mock(mocked, client, "GET", f"{ENV_PATH}/metrics", payload=METRICS)

    metrics = await client.environments.metrics(ENV_ID)

    assert metrics.odoo is not None
    assert metrics.odoo.memory_percent == 50.0
    assert metrics.postgres is None
    assert metrics.disk is not None
    assert metrics.disk.allocated_gb == 10.0


@pytest.mark.parametrize("call", ["metrics", "runtime_logs"])
async def test_the_per_environment_limit_is_surfaced_at_once_not_retried(
    mocked: aioresponses, client: Client, call: str
) -> None:
    path = f"{ENV_PATH}/metrics" if call == "metrics" else f"{ENV_PATH}/runtime-logs"
    mock(mocked, client, "GET", path, status=429, payload=TARGET_LIMITED, repeat=True)

    with pytest.raises(RateLimitError) as caught:
        await getattr(client.environments, call)(ENV_ID)

    assert caught.value.code == "target_rate_limit"
    assert caught.value.retry_after == 42
    assert len(sent(mocked, client, "GET", path)) == 1
    # A per-environment limit says nothing about the key's budget: other reads go on.
    assert client.governor.paused_for("read") == 0
