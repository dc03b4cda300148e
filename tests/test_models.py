"""The models: the docs' JSON examples parse, and the small behaviours models carry."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import attrs
import pytest

from oec_async import (
    ActionResult,
    Deployment,
    Environment,
    EnvironmentStatus,
    EnvironmentStatusReport,
    LastDeploy,
    Page,
    Pagination,
    TaskStatus,
)
from oec_async._converter import make_converter, structure

ENV = "00000000-0000-4000-8000-000000000004"
TASK = "00000000-0000-4000-8000-000000000005"
PRJ = "00000000-0000-4000-8000-000000000003"
SRV = "00000000-0000-4000-8000-000000000002"

# oec-api.md 5.7, verbatim.
DOC_ACTION = """
{
  "task_id": "a1b2c3d4-5678-90ab-cdef-1234567890ab",
  "status": "queued",
  "environment_id": "YOUR_ENV_ID",
  "poll_url": "/api/public/v1/deployments/a1b2c3d4-5678-90ab-cdef-1234567890ab"
}
"""

# oec-api.md 5.8, the MCP server's fixture shapes with their ids filled in.
FIXTURE_ENV = {
    "id": ENV,
    "name": "staging-acme",
    "status": "running",
    "url": "https://acme.apps.oec.sh",
    "project_id": PRJ,
    "server_id": SRV,
    "created_at": "2026-10-01T00:00:00Z",
}
FIXTURE_TASK = {
    "id": TASK,
    "type": "deploy",
    "status": "running",
    "environment_id": ENV,
    "progress_percent": 40,
    "current_step": "build",
    "steps_completed": 2,
    "total_steps": 5,
}
FIXTURE_ACTION = {
    "task_id": TASK,
    "status": "queued",
    "environment_id": ENV,
    "poll_url": f"/api/public/v1/deployments/{TASK}",
}
FIXTURE_STATUS = {
    "environment_id": ENV,
    "status": "running",
    "container_running": True,
    "last_deploy": {"id": TASK, "status": "completed"},
}
FIXTURE_RESTORE_ACTION = {**FIXTURE_ACTION, "backup_id": "00000000-0000-4000-8000-000000000006"}


# --- oec-api.md 5.7 ----------------------------------------------------------------------------


def test_the_documented_action_answer_parses_with_a_real_environment_id() -> None:
    data = json.loads(DOC_ACTION.replace("YOUR_ENV_ID", ENV))
    action = structure(data, ActionResult)
    assert action == ActionResult(
        task_id=UUID("a1b2c3d4-5678-90ab-cdef-1234567890ab"),
        status=TaskStatus.QUEUED,
        environment_id=UUID(ENV),
        poll_url="/api/public/v1/deployments/a1b2c3d4-5678-90ab-cdef-1234567890ab",
    )


def test_the_documented_action_answer_as_printed_is_refused_naming_environment_id() -> None:
    with pytest.raises(ValueError, match=r"not a UUID: 'YOUR_ENV_ID' @ \$\.environment_id"):
        structure(json.loads(DOC_ACTION), ActionResult)


# --- oec-api.md 5.8 ----------------------------------------------------------------------------


def test_the_fixture_environment_parses() -> None:
    assert structure(FIXTURE_ENV, Environment) == Environment(
        id=UUID(ENV),
        name="staging-acme",
        status=EnvironmentStatus.RUNNING,
        url="https://acme.apps.oec.sh",
        project_id=UUID(PRJ),
        server_id=UUID(SRV),
        created_at=datetime(2026, 10, 1, tzinfo=UTC),
    )


def test_the_fixture_task_parses() -> None:
    assert structure(FIXTURE_TASK, Deployment) == Deployment(
        id=UUID(TASK),
        type="deploy",
        status=TaskStatus.RUNNING,
        environment_id=UUID(ENV),
        progress_percent=40.0,
        current_step="build",
        steps_completed=2,
        total_steps=5,
    )


def test_the_fixture_action_parses() -> None:
    action = structure(FIXTURE_ACTION, ActionResult)
    assert action.task_id == UUID(TASK)
    assert action.status is TaskStatus.QUEUED
    assert action.environment_id == UUID(ENV)
    assert action.poll_url == f"/api/public/v1/deployments/{TASK}"
    assert action.backup_id is None


def test_the_fixture_restore_action_carries_its_backup_id() -> None:
    action = structure(FIXTURE_RESTORE_ACTION, ActionResult)
    assert action.backup_id == UUID("00000000-0000-4000-8000-000000000006")


def test_the_fixture_status_report_parses() -> None:
    assert structure(FIXTURE_STATUS, EnvironmentStatusReport) == EnvironmentStatusReport(
        environment_id=UUID(ENV),
        status=EnvironmentStatus.RUNNING,
        container_running=True,
        last_deploy=LastDeploy(id=UUID(TASK), status=TaskStatus.COMPLETED),
    )


@pytest.mark.parametrize(
    ("data", "cls"),
    [
        (FIXTURE_ENV, Environment),
        (FIXTURE_TASK, Deployment),
        (FIXTURE_ACTION, ActionResult),
        (FIXTURE_RESTORE_ACTION, ActionResult),
        (FIXTURE_STATUS, EnvironmentStatusReport),
    ],
    ids=["env", "task", "action", "restore-action", "status"],
)
def test_the_fixture_shapes_have_no_field_the_models_lack(data: dict[str, Any], cls: type) -> None:
    # The strict converter catches drift between the models and what the server sends.
    make_converter(forbid_extra_keys=True).structure(data, cls)


def test_a_full_task_with_every_documented_field_fits_the_strict_model() -> None:
    full = {
        **FIXTURE_TASK,
        "started_at": "2026-10-01T00:00:00Z",
        "completed_at": None,
        "duration_seconds": None,
        "error_message": None,
    }
    make_converter(forbid_extra_keys=True).structure(full, Deployment)


def test_a_full_environment_with_every_documented_field_fits_the_strict_model() -> None:
    full = {
        **FIXTURE_ENV,
        "odoo_version": "17.0",
        "branch": "main",
        "last_commit": "abc",
        "cpu_cores": 1.5,
        "ram_mb": 2048,
        "disk_gb": 20,
        "custom_domain": None,
        "custom_domain_verified": None,
        "updated_at": "2026-10-02T00:00:00Z",
    }
    make_converter(forbid_extra_keys=True).structure(full, Environment)


def test_a_full_status_report_with_every_documented_field_fits_the_strict_model() -> None:
    full = {
        **FIXTURE_STATUS,
        "url": "https://acme.apps.oec.sh",
        "db_ready": True,
        "http_ok": True,
        "last_deploy": {
            "id": TASK,
            "status": "completed",
            "started_at": "2026-10-01T00:00:00Z",
            "completed_at": "2026-10-01T00:04:00Z",
        },
    }
    report = make_converter(forbid_extra_keys=True).structure(full, EnvironmentStatusReport)
    assert report.last_deploy is not None
    assert report.last_deploy.completed_at == datetime(2026, 10, 1, 0, 4, tzinfo=UTC)


def test_a_status_report_without_a_deploy_has_none() -> None:
    report = structure({**FIXTURE_STATUS, "last_deploy": None}, EnvironmentStatusReport)
    assert report.last_deploy is None


# --- model behaviour ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "terminal", "succeeded"),
    [
        (TaskStatus.COMPLETED, True, True),
        (TaskStatus.FAILED, True, False),
        (TaskStatus.CANCELLED, True, False),
        (TaskStatus.RUNNING, False, False),
        (TaskStatus("brand_new"), False, False),
        (None, False, False),
    ],
)
def test_a_deployment_is_terminal_and_succeeded_by_its_status(
    status: TaskStatus | None, terminal: bool, succeeded: bool
) -> None:
    deployment = Deployment(id=UUID(TASK), status=status)
    assert deployment.is_terminal is terminal
    assert deployment.succeeded is succeeded


def test_models_are_frozen() -> None:
    deployment = Deployment(id=UUID(TASK))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        deployment.status = TaskStatus.FAILED  # type: ignore[misc]


def test_models_take_keyword_arguments_only() -> None:
    with pytest.raises(TypeError, match="positional"):
        Deployment(UUID(TASK))  # type: ignore[call-arg]


def test_models_compare_and_hash_by_value() -> None:
    assert Deployment(id=UUID(TASK), status=TaskStatus.RUNNING) == Deployment(
        id=UUID(TASK), status=TaskStatus.RUNNING
    )
    assert len({Environment(id=UUID(ENV)), Environment(id=UUID(ENV))}) == 1


def test_a_page_behaves_like_a_read_only_sequence_of_its_items() -> None:
    page = Page(items=("a", "b", "c"))
    assert len(page) == 3
    assert list(page) == ["a", "b", "c"]
    assert page[1] == "b"


def test_a_page_has_no_next_cursor_by_default() -> None:
    assert Page[str]().next_cursor is None


def test_a_page_exposes_the_next_cursor_when_there_is_more() -> None:
    page = Page[str](pagination=Pagination(has_more=True, next_cursor="c2"))
    assert page.next_cursor == "c2"


def test_a_page_that_says_no_more_has_no_next_cursor_even_if_one_is_sent() -> None:
    page = Page[str](pagination=Pagination(has_more=False, next_cursor="c2"))
    assert page.next_cursor is None


def test_a_page_with_an_empty_cursor_has_no_next_cursor() -> None:
    page = Page[str](pagination=Pagination(has_more=True, next_cursor=""))
    assert page.next_cursor is None


def test_a_cursor_page_envelope_structures_into_a_page() -> None:
    page = structure(
        {"items": [FIXTURE_TASK], "pagination": {"has_more": True, "next_cursor": "x", "total": 9}},
        Page[Deployment],
    )
    assert page.items[0].id == UUID(TASK)
    assert page.pagination == Pagination(has_more=True, next_cursor="x", total=9)


# --- drift between the models and the fake server ----------------------------------------

STRICT = make_converter(forbid_extra_keys=True)


@pytest.mark.parametrize("dialect", ["docs", "live"])
async def test_every_answer_of_the_fake_fits_the_strict_models(dialect: str) -> None:
    """A field the fake sends and a model lacks (or misnames) fails here, in either dialect."""
    from oec_async import (
        Backup,
        Organization,
        OrganizationUsage,
        Project,
        Server,
        ServerMetrics,
        Webhook,
    )
    from oec_async.testing import FakeOEC

    async with FakeOEC(dialect=dialect) as fake, fake.client() as client:  # type: ignore[arg-type]
        env_id = fake.environment_ids[0]
        action = await client.environments.deploy(env_id)
        backup = await client.backups.create(env_id)
        hook = await client.webhooks.create("https://hooks.example.com/x", ["deploy.completed"])
        raw = client.with_raw_response
        answers: list[tuple[Any, type]] = [
            (await raw.environments.get(env_id), Environment),
            (await raw.environments.status(env_id), EnvironmentStatusReport),
            (await raw.deployments.get(action), Deployment),
            (await raw.projects.get(fake.project_id), Project),
            (await raw.servers.get(fake.server_ids[0]), Server),
            (await raw.servers.metrics(fake.server_ids[0]), ServerMetrics),
            (await raw.webhooks.get(hook), Webhook),
            (await raw.org.get(), Organization),
            (await raw.org.usage(), OrganizationUsage),
            (await raw.backups.get(backup), Backup),
        ]
        for answer, cls in answers:
            STRICT.structure(answer.json(), cls)
