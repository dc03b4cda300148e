"""The converter: JSON <-> models, strict about types, tolerant about new fields and values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import cattrs
import pytest

from oec_async import (
    ActionResult,
    Deployment,
    Environment,
    EnvironmentStatus,
    EnvironmentStatusReport,
    LastDeploy,
    Pagination,
    TaskStatus,
)
from oec_async._converter import make_converter, structure, unstructure

TASK = "00000000-0000-4000-8000-000000000005"
ENV = "00000000-0000-4000-8000-000000000004"


def test_uuid_strings_become_uuids() -> None:
    assert structure({"id": TASK}, Deployment).id == UUID(TASK)


def test_uppercase_uuid_strings_are_accepted() -> None:
    assert structure({"id": TASK.upper()}, Deployment).id == UUID(TASK)


def test_z_suffixed_timestamps_become_utc_aware_datetimes() -> None:
    deployment = structure({"id": TASK, "started_at": "2025-09-15T10:30:00Z"}, Deployment)
    assert deployment.started_at == datetime(2025, 9, 15, 10, 30, tzinfo=UTC)
    assert deployment.started_at is not None
    assert deployment.started_at.utcoffset() == timedelta(0)


def test_offset_timestamps_keep_their_offset() -> None:
    deployment = structure({"id": TASK, "started_at": "2025-09-15T12:30:00+02:00"}, Deployment)
    assert deployment.started_at == datetime(2025, 9, 15, 10, 30, tzinfo=UTC)
    assert deployment.started_at is not None
    assert deployment.started_at.utcoffset() == timedelta(hours=2)


def test_naive_timestamps_are_read_as_utc_not_local_time() -> None:
    deployment = structure({"id": TASK, "started_at": "2025-09-15T10:30:00"}, Deployment)
    assert deployment.started_at == datetime(2025, 9, 15, 10, 30, tzinfo=UTC)
    assert deployment.started_at is not None
    assert deployment.started_at.tzinfo is not None


def test_fractional_second_timestamps_are_accepted() -> None:
    deployment = structure({"id": TASK, "started_at": "2025-09-15T10:30:00.123456Z"}, Deployment)
    assert deployment.started_at is not None
    assert deployment.started_at.microsecond == 123456


def test_unknown_enum_values_are_tolerated_and_flagged() -> None:
    deployment = structure({"id": TASK, "status": "rolling_back"}, Deployment)
    assert isinstance(deployment.status, TaskStatus)
    assert deployment.status == "rolling_back"
    assert not deployment.status.is_known
    assert not deployment.is_terminal


def test_known_enum_values_become_their_members() -> None:
    env = structure({"id": ENV, "status": "running"}, Environment)
    assert env.status is EnvironmentStatus.RUNNING


def test_extra_fields_are_ignored() -> None:
    env = structure({"id": ENV, "name": "x", "brand_new_field": {"nested": [1]}}, Environment)
    assert env == Environment(id=UUID(ENV), name="x")


def test_the_strict_converter_rejects_extra_fields() -> None:
    strict = make_converter(forbid_extra_keys=True)
    with pytest.raises(cattrs.ClassValidationError) as caught:
        strict.structure({"id": ENV, "brand_new_field": 1}, Environment)
    assert "brand_new_field" in repr(caught.value.exceptions)


def test_the_strict_converter_accepts_exact_fields() -> None:
    strict = make_converter(forbid_extra_keys=True)
    assert strict.structure({"id": ENV, "name": "x"}, Environment).name == "x"


def test_missing_optional_fields_default_to_none() -> None:
    deployment = structure({"id": TASK}, Deployment)
    assert deployment.status is None
    assert deployment.progress_percent is None
    assert deployment.started_at is None


def test_null_optional_fields_are_none() -> None:
    deployment = structure({"id": TASK, "status": None, "error_message": None}, Deployment)
    assert deployment.status is None
    assert deployment.error_message is None


def test_a_missing_id_is_an_error_naming_the_path() -> None:
    with pytest.raises(ValueError, match=r"required field missing @ \$\.id"):
        structure({"status": "running"}, Deployment)


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"id": "not-a-uuid"}, r"\$\.id"),
        ({"id": TASK, "steps_completed": "2"}, r"\$\.steps_completed"),
        ({"id": TASK, "progress_percent": "40"}, r"\$\.progress_percent"),
        ({"id": TASK, "progress_percent": True}, r"\$\.progress_percent"),
        ({"id": TASK, "type": 5}, r"\$\.type"),
        ({"id": TASK, "started_at": "yesterday"}, r"\$\.started_at"),
        ({"id": TASK, "started_at": 1700000000}, r"\$\.started_at"),
        ({"id": TASK, "status": 3}, r"\$\.status"),
    ],
)
def test_wrong_types_raise_value_error_naming_the_json_path(
    data: dict[str, Any], path: str
) -> None:
    with pytest.raises(ValueError, match=path):
        structure(data, Deployment)


def test_a_string_where_a_bool_belongs_is_not_coerced() -> None:
    with pytest.raises(ValueError, match=r"expected a boolean, got string @ \$\.http_ok"):
        structure({"http_ok": "false"}, EnvironmentStatusReport)


def test_a_number_where_a_string_belongs_is_not_coerced() -> None:
    with pytest.raises(ValueError, match=r"expected a string, got number @ \$\.name"):
        structure({"id": ENV, "name": 4}, Environment)


def test_a_whole_float_is_accepted_as_an_integer() -> None:
    assert structure({"id": ENV, "ram_mb": 2048.0}, Environment).ram_mb == 2048


def test_a_fractional_float_is_refused_as_an_integer() -> None:
    with pytest.raises(ValueError, match=r"\$\.ram_mb"):
        structure({"id": ENV, "ram_mb": 2048.5}, Environment)


def test_an_integer_is_accepted_as_a_float() -> None:
    env = structure({"id": ENV, "cpu_cores": 2}, Environment)
    assert env.cpu_cores == 2.0
    assert isinstance(env.cpu_cores, float)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_a_number_that_is_not_finite_is_refused(number: float) -> None:
    with pytest.raises(
        ValueError, match=r"expected a finite number, got .* @ \$\.progress_percent"
    ):
        structure({"id": TASK, "progress_percent": number}, Deployment)


def test_an_optional_field_given_null_or_its_type_takes_it_as_is() -> None:
    deployment = structure({"id": TASK, "type": None, "total_steps": 7}, Deployment)
    assert deployment.type is None
    assert deployment.total_steps == 7


def test_an_enum_field_refuses_a_value_of_the_wrong_type() -> None:
    with pytest.raises(ValueError, match=r"\$\.status"):
        structure({"id": TASK, "status": 3}, Deployment)


def test_nested_errors_name_the_nested_path() -> None:
    with pytest.raises(ValueError, match=r"\$\.last_deploy\.id"):
        structure({"last_deploy": {"id": 3}}, EnvironmentStatusReport)


def test_errors_in_a_list_name_the_index() -> None:
    with pytest.raises(ValueError, match=r"\$\[1\]\.id"):
        structure([{"id": ENV}, {"id": "nope"}], tuple[Environment, ...])


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(ValueError, match="expected") as caught:
        structure({"id": TASK, "type": 1, "total_steps": "x"}, Deployment)
    assert "$.type" in str(caught.value)
    assert "$.total_steps" in str(caught.value)


def test_a_long_list_of_errors_is_summarised() -> None:
    bad = [{"id": "x"} for _ in range(8)]
    with pytest.raises(ValueError, match=r"\(\+3 more\)"):
        structure(bad, tuple[Environment, ...])


def test_a_non_object_where_a_model_belongs_is_explained() -> None:
    with pytest.raises(ValueError, match=r"expected a JSON object for Deployment @ \$, got array"):
        structure([1, 2], Deployment)


def test_a_bad_value_is_shown_shortened() -> None:
    with pytest.raises(ValueError, match=r"not a UUID: 'z+' @ \$\.id") as caught:
        structure({"id": "z" * 5000}, Deployment)
    assert len(str(caught.value)) < 200


def test_unstructure_writes_uuids_and_z_timestamps() -> None:
    deployment = Deployment(
        id=UUID(TASK),
        status=TaskStatus.RUNNING,
        started_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    data = unstructure(deployment)
    assert data["id"] == TASK
    assert data["status"] == "running"
    assert data["started_at"] == "2026-01-02T03:04:05Z"


def test_unstructure_keeps_unknown_enum_values() -> None:
    data = unstructure(Deployment(id=UUID(TASK), status=TaskStatus("rolling_back")))
    assert data["status"] == "rolling_back"


FULL_DEPLOYMENT = Deployment(
    id=UUID(TASK),
    type="deploy",
    status=TaskStatus.FAILED,
    environment_id=UUID(ENV),
    progress_percent=62.5,
    current_step="migrate",
    steps_completed=3,
    total_steps=5,
    started_at=datetime(2026, 10, 1, 0, 0, tzinfo=UTC),
    completed_at=datetime(2026, 10, 1, 0, 4, 32, tzinfo=UTC),
    duration_seconds=272.0,
    error_message="boom",
)
FULL_ENVIRONMENT = Environment(
    id=UUID(ENV),
    name="staging",
    status=EnvironmentStatus.RUNNING,
    url="https://acme.apps.oec.sh",
    odoo_version="17.0",
    branch="main",
    last_commit="abc123",
    cpu_cores=0.5,
    ram_mb=2048,
    disk_gb=20,
    project_id=UUID("00000000-0000-4000-8000-000000000003"),
    server_id=None,
    custom_domain="erp.acme.test",
    custom_domain_verified=False,
    created_at=datetime(2026, 10, 1, tzinfo=UTC),
    updated_at=datetime(2026, 10, 2, 12, 0, tzinfo=timezone(timedelta(hours=-5))),
)


@pytest.mark.parametrize(
    "model",
    [
        FULL_DEPLOYMENT,
        Deployment(id=UUID(TASK)),
        Deployment(id=UUID(TASK), status=TaskStatus("rolling_back")),
        FULL_ENVIRONMENT,
        EnvironmentStatusReport(
            environment_id=UUID(ENV),
            status=EnvironmentStatus.RUNNING,
            container_running=True,
            db_ready=True,
            http_ok=False,
            last_deploy=LastDeploy(id=UUID(TASK), status=TaskStatus.COMPLETED),
        ),
        ActionResult(
            task_id=UUID(TASK),
            status=TaskStatus.QUEUED,
            environment_id=UUID(ENV),
            poll_url=f"/api/public/v1/deployments/{TASK}",
        ),
        Pagination(has_more=True, next_cursor="abc", total=3),
    ],
    ids=lambda m: type(m).__name__,
)
def test_structure_of_unstructure_gives_back_the_same_model(model: object) -> None:
    assert structure(unstructure(model), type(model)) == model


def test_the_strict_converter_round_trips_too() -> None:
    strict = make_converter(forbid_extra_keys=True)
    assert strict.structure(strict.unstructure(FULL_DEPLOYMENT), Deployment) == FULL_DEPLOYMENT
