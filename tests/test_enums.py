"""Status enums: terminal rules, and tolerance of values the server adds later."""

from __future__ import annotations

import pytest

from oec_async import EnvironmentStatus, TaskStatus


@pytest.mark.parametrize("value", ["completed", "failed", "cancelled"])
def test_completed_failed_and_cancelled_tasks_are_terminal(value: str) -> None:
    assert TaskStatus(value).is_terminal


@pytest.mark.parametrize("value", ["pending", "queued", "running"])
def test_pending_queued_and_running_tasks_are_not_terminal(value: str) -> None:
    assert not TaskStatus(value).is_terminal


def test_only_completed_is_a_success() -> None:
    assert [s.value for s in TaskStatus if s.is_success] == ["completed"]


@pytest.mark.parametrize("value", ["running", "stopped", "paused", "failed", "error", "deleted"])
def test_settled_environment_statuses_are_terminal(value: str) -> None:
    assert EnvironmentStatus(value).is_terminal


@pytest.mark.parametrize("value", ["pending", "cloning", "deploying", "destroying"])
def test_transitional_environment_statuses_are_not_terminal(value: str) -> None:
    assert not EnvironmentStatus(value).is_terminal


def test_every_documented_environment_status_is_known() -> None:
    documented = {
        "pending",
        "deploying",
        "running",
        "stopped",
        "paused",
        "failed",
        "error",
        "destroying",
        "deleted",
        "cloning",
    }
    assert {s.value for s in EnvironmentStatus} == documented


def test_every_documented_task_status_is_known() -> None:
    assert {s.value for s in TaskStatus} == {
        "pending",
        "queued",
        "running",
        "completed",
        "failed",
        "cancelled",
    }


def test_an_unknown_task_status_is_accepted_and_flagged() -> None:
    status = TaskStatus("rolling_back")
    assert isinstance(status, TaskStatus)
    assert status.value == "rolling_back"
    assert not status.is_known
    assert status == "rolling_back"


def test_an_unknown_task_status_is_not_terminal() -> None:
    assert not TaskStatus("rolling_back").is_terminal


def test_an_unknown_environment_status_is_treated_as_transitional() -> None:
    status = EnvironmentStatus("expired")
    assert not status.is_known
    assert not status.is_terminal


def test_known_members_report_is_known() -> None:
    assert TaskStatus.RUNNING.is_known
    assert EnvironmentStatus("running") is EnvironmentStatus.RUNNING


def test_unknown_values_of_the_same_text_are_equal() -> None:
    assert TaskStatus("new_state") == TaskStatus("new_state")
    assert TaskStatus("new_state") != TaskStatus("other_state")


def test_a_non_string_value_is_still_rejected() -> None:
    with pytest.raises(ValueError, match="is not a valid TaskStatus"):
        TaskStatus(5)  # type: ignore[arg-type]


def test_an_unknown_value_does_not_become_a_member() -> None:
    TaskStatus("ghost")
    assert "ghost" not in {s.value for s in TaskStatus}
