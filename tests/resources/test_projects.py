"""``client.projects`` against aioresponses: request shapes, headers, structuring, validation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from aioresponses import aioresponses
from resource_support import (
    PROJECT_ID,
    SERVER_ID,
    STRICT,
    all_sent,
    body,
    header,
    mock,
    params,
    sent,
)

from oec_async import Client, GitProvider, NotFoundError, Project

# The docs' example of GET /projects (oec-api.md 5.4), verbatim.
DOC_PROJECT: dict[str, Any] = {
    "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "name": "Client ERP",
    "odoo_version": "17.0",
    "git_repo_url": "https://github.com/acme/client-erp",
    "default_branch": "main",
    "environment_count": 3,
    "server_id": "8e4f2a1c-1234-5678-abcd-ef0123456789",
    "created_at": "2025-09-15T10:30:00Z",
}


def project_json(**fields: Any) -> dict[str, Any]:
    return {**DOC_PROJECT, "id": PROJECT_ID, "git_provider": "github", **fields}


def test_the_docs_project_example_fits_the_model_whole() -> None:
    project = STRICT.structure(project_json(), Project)
    assert project.git_provider is GitProvider.GITHUB
    assert project.created_at is not None
    assert project.created_at.tzinfo is not None


async def test_list_follows_cursors_and_sends_the_limit(
    mocked: aioresponses, client: Client
) -> None:
    second = {**DOC_PROJECT, "id": "3fa85f64-5717-4562-b3fc-2c963f66afa7"}
    mock(
        mocked,
        client,
        "GET",
        "/projects",
        payload={
            "data": [DOC_PROJECT],
            "pagination": {"has_more": True, "next_cursor": "c2", "total": 2},
        },
    )
    mock(
        mocked,
        client,
        "GET",
        "/projects",
        payload={
            "data": [second],
            "pagination": {"has_more": False, "next_cursor": None, "total": 2},
        },
    )

    projects = await client.projects.list(limit=1).collect()

    assert [p.name for p in projects] == ["Client ERP", "Client ERP"]
    calls = sent(mocked, client, "GET", "/projects")
    assert [params(c) for c in calls] == [{"limit": 1}, {"limit": 1, "cursor": "c2"}]


async def test_list_checks_the_limit_before_any_request(
    mocked: aioresponses, client: Client
) -> None:
    with pytest.raises(ValueError, match=r"limit must be within 1\.\.100"):
        _ = client.projects.list(limit=101)
    assert all_sent(mocked) == 0


async def test_get_reads_one_project(mocked: aioresponses, client: Client) -> None:
    mock(mocked, client, "GET", f"/projects/{PROJECT_ID}", payload=project_json())
    project = await client.projects.get(UUID(PROJECT_ID))
    assert project.id == UUID(PROJECT_ID)
    assert project.environment_count == 3


async def test_get_of_an_invisible_project_is_not_found(
    mocked: aioresponses, client: Client
) -> None:
    mock(
        mocked,
        client,
        "GET",
        f"/projects/{PROJECT_ID}",
        status=404,
        payload={"detail": {"error": "not_found", "message": "Resource not found."}},
    )
    with pytest.raises(NotFoundError):
        await client.projects.get(PROJECT_ID)


async def test_create_sends_the_body_with_the_create_idempotency_header(
    mocked: aioresponses, client: Client
) -> None:
    mock(mocked, client, "POST", "/projects", status=201, payload=project_json(name="New"))

    project = await client.projects.create(
        "New", server_id=SERVER_ID, default_branch="develop", odoo_version="18.0"
    )

    assert project.name == "New"
    (call,) = sent(mocked, client, "POST", "/projects")
    assert body(call) == {
        "name": "New",
        "server_id": SERVER_ID,
        "default_branch": "develop",
        "odoo_version": "18.0",
    }
    assert header(call, "X-Idempotency-Key")
    assert header(call, "Idempotency-Key") is None


async def test_a_retried_create_reuses_the_callers_idempotency_key(
    mocked: aioresponses, client: Client
) -> None:
    mock(mocked, client, "POST", "/projects", status=503, payload={"error": "enqueue_failed"})
    mock(mocked, client, "POST", "/projects", status=201, payload=project_json())

    await client.projects.create("New", server_id=SERVER_ID, idempotency_key="release-42")

    keys = [header(c, "X-Idempotency-Key") for c in sent(mocked, client, "POST", "/projects")]
    assert keys == ["release-42", "release-42"]


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"name": ""}, "name must be 1..255"),
        ({"name": "x" * 256}, "name must be 1..255"),
        ({"server_id": "srv-1"}, "server_id must be a UUID"),
        ({"odoo_version": "17"}, "odoo_version must look like"),
        ({"default_branch": "has space"}, "default_branch must not contain whitespace"),
    ],
)
async def test_create_refuses_values_the_api_would_reject(
    mocked: aioresponses, client: Client, kwargs: dict[str, Any], problem: str
) -> None:
    arguments: dict[str, Any] = {"name": "New", "server_id": SERVER_ID, **kwargs}
    name = arguments.pop("name")
    with pytest.raises(ValueError, match=problem):
        await client.projects.create(name, **arguments)
    assert all_sent(mocked) == 0


async def test_update_sends_only_the_given_fields(mocked: aioresponses, client: Client) -> None:
    mock(mocked, client, "PATCH", f"/projects/{PROJECT_ID}", payload=project_json(name="Renamed"))

    project = await client.projects.update(
        PROJECT_ID, name="Renamed", git_provider=GitProvider.GITLAB
    )

    assert project.name == "Renamed"
    (call,) = sent(mocked, client, "PATCH", f"/projects/{PROJECT_ID}")
    assert body(call) == {"name": "Renamed", "git_provider": "gitlab"}


async def test_update_with_nothing_to_change_sends_nothing(
    mocked: aioresponses, client: Client
) -> None:
    with pytest.raises(ValueError, match="nothing to update"):
        await client.projects.update(PROJECT_ID)
    with pytest.raises(ValueError, match="git_provider must be one of github, gitlab, bitbucket"):
        await client.projects.update(PROJECT_ID, git_provider="sourceforge")
    assert all_sent(mocked) == 0


async def test_delete_without_confirm_sends_nothing(mocked: aioresponses, client: Client) -> None:
    with pytest.raises(ValueError, match="confirm=True"):
        await client.projects.delete(PROJECT_ID)
    with pytest.raises(ValueError, match="confirm=True"):
        await client.projects.delete(PROJECT_ID, confirm="yes")  # type: ignore[arg-type]
    assert all_sent(mocked) == 0


async def test_delete_with_confirm_sends_the_confirm_header(
    mocked: aioresponses, client: Client
) -> None:
    mock(mocked, client, "DELETE", f"/projects/{PROJECT_ID}", status=204)

    await client.projects.delete(PROJECT_ID, confirm=True)

    (call,) = sent(mocked, client, "DELETE", f"/projects/{PROJECT_ID}")
    assert header(call, "X-Confirm-Delete") == "true"
