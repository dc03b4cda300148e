"""Raw responses: ``client.with_raw_response.<resource>.<method>(...)`` and what errors carry."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses
from support import ENV_ID, TASK_ID, action_json, deployment_json, url

from oec_async import APIResponse, Client, Deployment, NotFoundError, ResponseValidationError

TASK_PATH = f"/deployments/{TASK_ID}"
HEADERS = {"X-Request-ID": "req-42", "X-RateLimit-Limit": "120", "X-RateLimit-Remaining": "99"}


async def test_a_raw_response_has_status_headers_request_id_and_rate_limit(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(TASK_PATH), payload=deployment_json(), headers=HEADERS)
    raw = await client.with_raw_response.deployments.get(TASK_ID)
    assert isinstance(raw, APIResponse)
    assert (raw.status, raw.request_id, raw.headers["X-Request-ID"]) == (200, "req-42", "req-42")
    assert raw.rate_limit is not None
    assert (raw.rate_limit.limit, raw.rate_limit.remaining) == (120, 99)
    assert raw.elapsed >= 0
    assert (raw.method, raw.path) == ("GET", TASK_PATH)


async def test_parse_gives_what_the_method_returns(client: Client, mocked: aioresponses) -> None:
    mocked.get(url(TASK_PATH), payload=deployment_json())
    raw = await client.with_raw_response.deployments.get(TASK_ID)
    deployment = raw.parse()
    assert isinstance(deployment, Deployment)
    assert str(deployment.id) == TASK_ID


async def test_a_list_answers_with_its_first_page(client: Client, mocked: aioresponses) -> None:
    page = {"data": [], "pagination": {"has_more": False}}
    mocked.get(url("/projects?limit=20"), payload=page, headers=HEADERS)
    raw = await client.with_raw_response.projects.list()
    assert raw.status == 200
    assert raw.parse().items == ()  # type: ignore[attr-defined]


async def test_an_error_answer_is_still_raised(client: Client, mocked: aioresponses) -> None:
    mocked.get(url(TASK_PATH), status=404, payload={"detail": "no such task"})
    with pytest.raises(NotFoundError):
        await client.with_raw_response.deployments.get(TASK_ID)


async def test_a_body_that_does_not_parse_is_raised_by_parse_with_the_real_status(
    client: Client, mocked: aioresponses
) -> None:
    mocked.post(
        url(f"/environments/{ENV_ID}/deploy"),
        status=202,
        payload={"task_id": "not-a-uuid"},
        headers={"X-Request-ID": "req-7"},
    )
    raw = await client.with_raw_response.environments.deploy(ENV_ID)
    assert raw.status == 202
    with pytest.raises(ResponseValidationError) as raised:
        raw.parse()
    assert (raised.value.status, raised.value.request_id) == (202, "req-7")


async def test_a_202_with_a_bad_body_says_202_and_its_request_id(
    client: Client, mocked: aioresponses
) -> None:
    mocked.post(
        url(f"/environments/{ENV_ID}/deploy"),
        status=202,
        body="<html>proxy</html>",
        headers={"X-Request-ID": "req-9"},
    )
    with pytest.raises(ResponseValidationError) as raised:
        await client.environments.deploy(ENV_ID)
    assert (raised.value.status, raised.value.request_id) == (202, "req-9")
    assert "-> 202" in str(raised.value)


async def test_a_model_mismatch_in_a_2xx_carries_the_real_status_and_request_id(
    client: Client, mocked: aioresponses
) -> None:
    mocked.post(
        url(f"/environments/{ENV_ID}/deploy"),
        status=202,
        payload={**action_json(), "task_id": 5},
        headers={"X-Request-ID": "req-8"},
    )
    with pytest.raises(ResponseValidationError) as raised:
        await client.environments.deploy(ENV_ID)
    assert (raised.value.status, raised.value.request_id) == (202, "req-8")


def test_an_unknown_resource_or_method_is_an_attribute_error() -> None:
    client = Client("oec_live_rw_" + "k" * 43)
    with pytest.raises(AttributeError):
        client.with_raw_response.nothing  # noqa: B018
    with pytest.raises(AttributeError):
        client.with_raw_response.deployments.nothing  # noqa: B018


async def test_a_method_that_sends_nothing_when_called_is_refused(client: Client) -> None:
    with pytest.raises(TypeError, match="with_raw_response works with the methods"):
        await client.with_raw_response.deployments.watch(TASK_ID)
