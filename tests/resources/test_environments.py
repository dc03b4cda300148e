"""``client.environments`` against aioresponses: reads, actions and argument checks."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest
from aioresponses import aioresponses
from aioresponses.core import RequestCall
from support import ENV_ID, PROJECT_ID, TASK_ID, action_json, url
from yarl import URL

from oec_async import (
    ActionResult,
    Client,
    Environment,
    EnvironmentStatus,
    EnvironmentStatusReport,
    LastDeploy,
    Page,
    ResponseValidationError,
    TaskStatus,
)

ENV_PATH = f"/environments/{ENV_ID}"
LIST_PATH = f"/projects/{PROJECT_ID}/environments"
OTHER_ENV = "00000000-0000-4000-8000-000000000014"


def env_json(env_id: str = ENV_ID, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": env_id,
        "name": "staging-acme",
        "status": "running",
        "url": "https://acme.apps.oec.sh",
        "odoo_version": "17.0",
        "branch": "main",
        "project_id": PROJECT_ID,
        "created_at": "2026-10-01T00:00:00Z",
    }
    body.update(fields)
    return body


def sent(mocked: aioresponses, method: str, path: str) -> list[RequestCall]:
    wanted = URL(url(path)).path
    return [
        c for (m, u), cs in mocked.requests.items() if m == method and u.path == wanted for c in cs
    ]


def body(call: RequestCall) -> Any:
    """The JSON body the SDK sent (it encodes the body itself), or ``None``."""
    data = call.kwargs.get("data")
    return None if data is None else json.loads(data)


def query_of(mocked: aioresponses, method: str, path: str) -> list[dict[str, str]]:
    wanted = URL(url(path)).path
    return [
        dict(u.query)
        for (m, u), cs in mocked.requests.items()
        if m == method and u.path == wanted
        for _ in cs
    ]


# --- get -------------------------------------------------------------------------------------


async def test_get_returns_the_environment(client: Client, mocked: aioresponses) -> None:
    mocked.get(url(ENV_PATH), payload=env_json())
    env = await client.environments.get(ENV_ID)
    assert env.id == UUID(ENV_ID)
    assert env.name == "staging-acme"
    assert env.status is EnvironmentStatus.RUNNING
    assert env.project_id == UUID(PROJECT_ID)


async def test_get_accepts_a_uuid_object(client: Client, mocked: aioresponses) -> None:
    mocked.get(url(ENV_PATH), payload=env_json())
    assert (await client.environments.get(UUID(ENV_ID))).id == UUID(ENV_ID)


@pytest.mark.parametrize("bad", ["staging", "", "../projects", ENV_ID[:-1]])
async def test_get_refuses_a_non_uuid_before_any_request(
    client: Client, mocked: aioresponses, bad: str
) -> None:
    with pytest.raises(ValueError, match="environment_id must be a UUID"):
        await client.environments.get(bad)
    assert mocked.requests == {}


async def test_an_unknown_environment_status_is_tolerated(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), payload=env_json(status="hibernating"))
    env = await client.environments.get(ENV_ID)
    assert env.status == "hibernating"
    assert env.status is not None
    assert not env.status.is_known


async def test_extra_fields_in_an_environment_are_ignored(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), payload=env_json(region="eu-west", tags=["a"], nested={"x": 1}))
    assert (await client.environments.get(ENV_ID)).name == "staging-acme"


async def test_a_wrong_field_type_is_a_response_validation_error_naming_the_path(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), payload=env_json(ram_mb="2 GB"))
    with pytest.raises(ResponseValidationError, match=r"\$\.ram_mb") as caught:
        await client.environments.get(ENV_ID)
    assert caught.value.path == ENV_PATH
    assert caught.value.method == "GET"
    assert "Environment" in str(caught.value)
    assert "expected an integer, got str" in str(caught.value)
    assert caught.value.excerpt.startswith(f'{{"id": "{ENV_ID}"')


async def test_an_answer_without_an_id_is_a_response_validation_error(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), payload={"name": "x"})
    with pytest.raises(ResponseValidationError, match=r"required field missing @ \$\.id"):
        await client.environments.get(ENV_ID)


async def test_an_empty_200_is_a_response_validation_error(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), status=200, body="")
    with pytest.raises(ResponseValidationError, match="expected a JSON object for Environment"):
        await client.environments.get(ENV_ID)


# --- list ------------------------------------------------------------------------------------


async def test_list_iterates_over_every_environment(client: Client, mocked: aioresponses) -> None:
    mocked.get(url(LIST_PATH), payload=[env_json(), env_json(OTHER_ENV, name="prod")])
    names = [env.name async for env in client.environments.list(PROJECT_ID)]
    assert names == ["staging-acme", "prod"]


async def test_awaiting_list_gives_one_page_with_everything(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(LIST_PATH), payload=[env_json(), env_json(OTHER_ENV)])
    page = await client.environments.list(PROJECT_ID)
    assert isinstance(page, Page)
    assert [e.id for e in page] == [UUID(ENV_ID), UUID(OTHER_ENV)]
    assert page.pagination.total == 2
    assert page.next_cursor is None


async def test_list_does_no_io_until_used(client: Client, mocked: aioresponses) -> None:
    _ = client.environments.list(PROJECT_ID)
    assert mocked.requests == {}


async def test_list_sends_no_status_filter_by_default(client: Client, mocked: aioresponses) -> None:
    mocked.get(url(LIST_PATH), payload=[])
    assert list(await client.environments.list(PROJECT_ID)) == []
    assert query_of(mocked, "GET", LIST_PATH) == [{}]


@pytest.mark.parametrize("status", ["running", "RUNNING", EnvironmentStatus.RUNNING])
async def test_list_filters_by_status_in_lowercase(
    client: Client, mocked: aioresponses, status: str
) -> None:
    mocked.get(url(LIST_PATH) + "?status=running", payload=[env_json()])
    envs = await client.environments.list(PROJECT_ID, status=status)
    assert len(envs) == 1
    assert query_of(mocked, "GET", LIST_PATH) == [{"status": "running"}]


@pytest.mark.parametrize("bad", ["", "  ", "bogus", "runing"])
def test_list_refuses_an_unknown_status_listing_the_valid_ones(
    client: Client, mocked: aioresponses, bad: str
) -> None:
    with pytest.raises(ValueError, match=r"status must be one of pending, cloning, .*error"):
        _ = client.environments.list(PROJECT_ID, status=bad)
    assert mocked.requests == {}


@pytest.mark.parametrize("status", ["failed", "error"])
async def test_list_takes_the_failure_status_of_either_dialect(
    client: Client, mocked: aioresponses, status: str
) -> None:
    mocked.get(url(LIST_PATH) + f"?status={status}", payload=[env_json(status=status)])
    (env,) = await client.environments.list(PROJECT_ID, status=status)
    assert env.status == status
    assert env.status is not None
    assert env.status.is_known


def test_list_refuses_a_non_uuid_project_before_any_request(client: Client) -> None:
    with pytest.raises(ValueError, match="project_id must be a UUID"):
        _ = client.environments.list("my-project")


async def test_list_of_an_object_instead_of_an_array_is_a_response_validation_error(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(LIST_PATH), payload={"data": [env_json()]})
    with pytest.raises(ResponseValidationError, match=LIST_PATH):
        await client.environments.list(PROJECT_ID)


async def test_a_bad_item_in_the_list_is_named_by_its_index(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(LIST_PATH), payload=[env_json(), env_json("nope")])
    with pytest.raises(ResponseValidationError, match=r"\$\[1\]\.id"):
        await client.environments.list(PROJECT_ID)


# --- status ----------------------------------------------------------------------------------


async def test_status_returns_the_health_report(client: Client, mocked: aioresponses) -> None:
    mocked.get(
        url(f"{ENV_PATH}/status"),
        payload={
            "environment_id": ENV_ID,
            "status": "running",
            "url": "https://acme.apps.oec.sh",
            "container_running": True,
            "db_ready": True,
            "http_ok": False,
            "last_deploy": {
                "id": TASK_ID,
                "status": "completed",
                "started_at": "2026-10-01T00:00:00Z",
            },
        },
    )
    report = await client.environments.status(ENV_ID)
    assert isinstance(report, EnvironmentStatusReport)
    assert report.http_ok is False
    assert report.last_deploy is not None
    assert report.last_deploy == LastDeploy(
        id=UUID(TASK_ID),
        status=TaskStatus.COMPLETED,
        started_at=report.last_deploy.started_at,
    )
    assert report.last_deploy.started_at is not None


async def test_status_of_a_never_deployed_environment_has_no_last_deploy(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(
        url(f"{ENV_PATH}/status"),
        payload={"environment_id": ENV_ID, "status": "pending", "last_deploy": None},
    )
    assert (await client.environments.status(ENV_ID)).last_deploy is None


# --- actions ---------------------------------------------------------------------------------


async def test_deploy_posts_without_a_body_and_returns_the_action(
    client: Client, mocked: aioresponses
) -> None:
    mocked.post(url(f"{ENV_PATH}/deploy"), status=202, payload=action_json())
    action = await client.environments.deploy(ENV_ID)
    assert action == ActionResult(
        task_id=UUID(TASK_ID),
        status=TaskStatus.QUEUED,
        environment_id=UUID(ENV_ID),
        poll_url=f"/api/public/v1/deployments/{TASK_ID}",
    )
    (call,) = sent(mocked, "POST", f"{ENV_PATH}/deploy")
    assert body(call) is None
    assert call.kwargs["headers"]["Idempotency-Key"]


async def test_deploy_sends_the_modules_to_update(client: Client, mocked: aioresponses) -> None:
    mocked.post(url(f"{ENV_PATH}/deploy"), status=202, payload=action_json())
    await client.environments.deploy(ENV_ID, update_modules=("sale_custom", "stock"))
    (call,) = sent(mocked, "POST", f"{ENV_PATH}/deploy")
    assert body(call) == {"update_modules": ["sale_custom", "stock"]}


async def test_deploy_can_update_all_modules(client: Client, mocked: aioresponses) -> None:
    mocked.post(url(f"{ENV_PATH}/deploy"), status=202, payload=action_json())
    await client.environments.deploy(ENV_ID, update_modules=["all"])
    (call,) = sent(mocked, "POST", f"{ENV_PATH}/deploy")
    assert body(call) == {"update_modules": ["all"]}


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        ([], "1..50"),
        (["Sale-Custom"], "invalid module name"),
        ([f"m{i}" for i in range(51)], "1..50"),
    ],
)
async def test_deploy_refuses_bad_module_lists_before_any_request(
    client: Client, mocked: aioresponses, modules: list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await client.environments.deploy(ENV_ID, update_modules=modules)
    assert mocked.requests == {}


async def test_deploy_refuses_a_single_string_of_modules(client: Client) -> None:
    with pytest.raises(TypeError, match="list of module names"):
        await client.environments.deploy(ENV_ID, update_modules="sale_custom")


@pytest.mark.parametrize("action", ["restart", "start", "stop"])
async def test_restart_start_and_stop_post_to_their_path_without_a_body(
    client: Client, mocked: aioresponses, action: str
) -> None:
    mocked.post(url(f"{ENV_PATH}/{action}"), status=202, payload=action_json())
    result = await getattr(client.environments, action)(ENV_ID)
    assert result.task_id == UUID(TASK_ID)
    (call,) = sent(mocked, "POST", f"{ENV_PATH}/{action}")
    assert body(call) is None
    assert call.kwargs["headers"]["Idempotency-Key"]


@pytest.mark.parametrize("action", ["deploy", "restart", "start", "stop"])
async def test_every_action_sends_the_callers_idempotency_key(
    client: Client, mocked: aioresponses, action: str
) -> None:
    mocked.post(url(f"{ENV_PATH}/{action}"), status=202, payload=action_json())
    await getattr(client.environments, action)(ENV_ID, idempotency_key="my-key-1")
    (call,) = sent(mocked, "POST", f"{ENV_PATH}/{action}")
    assert call.kwargs["headers"]["Idempotency-Key"] == "my-key-1"


@pytest.mark.parametrize("action", ["deploy", "restart", "start", "stop"])
async def test_every_action_refuses_a_non_uuid_environment(
    client: Client, mocked: aioresponses, action: str
) -> None:
    with pytest.raises(ValueError, match="environment_id must be a UUID"):
        await getattr(client.environments, action)("staging")
    assert mocked.requests == {}


async def test_an_empty_idempotency_key_is_refused(client: Client, mocked: aioresponses) -> None:
    with pytest.raises(
        ValueError, match=r"idempotency_key must be 1\.\.255 characters long, got 0"
    ):
        await client.environments.deploy(ENV_ID, idempotency_key="")
    assert mocked.requests == {}


async def test_the_documented_action_answer_with_a_real_id_parses(
    client: Client, mocked: aioresponses
) -> None:
    doc = {
        "task_id": "a1b2c3d4-5678-90ab-cdef-1234567890ab",
        "status": "queued",
        "environment_id": ENV_ID,
        "poll_url": "/api/public/v1/deployments/a1b2c3d4-5678-90ab-cdef-1234567890ab",
    }
    mocked.post(url(f"{ENV_PATH}/deploy"), status=202, payload=doc)
    action = await client.environments.deploy(ENV_ID)
    assert action.task_id == UUID("a1b2c3d4-5678-90ab-cdef-1234567890ab")


async def test_the_documented_action_answer_as_printed_is_refused_naming_environment_id(
    client: Client, mocked: aioresponses
) -> None:
    doc = """{
      "task_id": "a1b2c3d4-5678-90ab-cdef-1234567890ab",
      "status": "queued",
      "environment_id": "YOUR_ENV_ID",
      "poll_url": "/api/public/v1/deployments/a1b2c3d4-5678-90ab-cdef-1234567890ab"
    }"""
    mocked.post(url(f"{ENV_PATH}/deploy"), status=202, body=doc)
    with pytest.raises(
        ResponseValidationError, match=r"YOUR_ENV_ID' @ \$\.environment_id"
    ) as caught:
        await client.environments.deploy(ENV_ID)
    assert caught.value.method == "POST"
    assert "YOUR_ENV_ID" in caught.value.excerpt


async def test_an_action_answer_with_an_unknown_status_is_tolerated(
    client: Client, mocked: aioresponses
) -> None:
    mocked.post(
        url(f"{ENV_PATH}/stop"), status=202, payload={**action_json(), "status": "accepted"}
    )
    action = await client.environments.stop(ENV_ID)
    assert action.status == "accepted"


# --- quick_update ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["pull_restart", "update_all"])
async def test_quick_update_modes_without_modules(
    client: Client, mocked: aioresponses, mode: str
) -> None:
    mocked.post(url(f"{ENV_PATH}/quick-update"), status=202, payload=action_json())
    await client.environments.quick_update(ENV_ID, mode)  # type: ignore[arg-type]
    (call,) = sent(mocked, "POST", f"{ENV_PATH}/quick-update")
    assert body(call) == {"mode": mode}
    assert call.kwargs["headers"]["Idempotency-Key"]


@pytest.mark.parametrize("mode", ["update_specific", "reinitialize_specific"])
async def test_quick_update_modes_with_modules(
    client: Client, mocked: aioresponses, mode: str
) -> None:
    mocked.post(url(f"{ENV_PATH}/quick-update"), status=202, payload=action_json())
    await client.environments.quick_update(ENV_ID, mode, modules=["sale_custom"])  # type: ignore[arg-type]
    (call,) = sent(mocked, "POST", f"{ENV_PATH}/quick-update")
    assert body(call) == {"mode": mode, "modules": ["sale_custom"]}


@pytest.mark.parametrize("mode", ["update_specific", "reinitialize_specific"])
async def test_quick_update_specific_modes_need_modules(
    client: Client, mocked: aioresponses, mode: str
) -> None:
    with pytest.raises(ValueError, match="needs modules"):
        await client.environments.quick_update(ENV_ID, mode)  # type: ignore[arg-type]
    assert mocked.requests == {}


@pytest.mark.parametrize("mode", ["pull_restart", "update_all"])
async def test_quick_update_other_modes_refuse_modules(
    client: Client, mocked: aioresponses, mode: str
) -> None:
    with pytest.raises(ValueError, match="takes no modules"):
        await client.environments.quick_update(ENV_ID, mode, modules=["sale"])  # type: ignore[arg-type]
    assert mocked.requests == {}


async def test_quick_update_refuses_an_unknown_mode(client: Client, mocked: aioresponses) -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        await client.environments.quick_update(ENV_ID, "rebuild")  # type: ignore[arg-type]
    assert mocked.requests == {}


async def test_quick_update_validates_module_names(client: Client, mocked: aioresponses) -> None:
    with pytest.raises(ValueError, match="invalid module name"):
        await client.environments.quick_update(ENV_ID, "update_specific", modules=["Bad Name"])
    assert mocked.requests == {}


async def test_quick_update_body_is_json_serialisable(client: Client, mocked: aioresponses) -> None:
    mocked.post(url(f"{ENV_PATH}/quick-update"), status=202, payload=action_json())
    await client.environments.quick_update(ENV_ID, "update_specific", modules=iter(["a", "b"]))
    (call,) = sent(mocked, "POST", f"{ENV_PATH}/quick-update")
    assert body(call) == {
        "mode": "update_specific",
        "modules": ["a", "b"],
    }


def test_environment_model_is_exported() -> None:
    assert Environment.__name__ == "Environment"


@pytest.mark.parametrize("action", ["redeploy", "../projects", "deploy/../stop", ""])
async def test_action_refuses_a_name_that_is_not_an_action_route(
    client: Client, action: str
) -> None:
    with pytest.raises(ValueError, match="action must be one of"):
        await client.environments.action(action, ENV_ID)
