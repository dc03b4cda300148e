"""Reading delivery bodies into typed events, tolerant of unknown events and odd fields."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest

from oec_async import EnvironmentStatus, TaskStatus, WebhookEventType
from oec_async.webhooks import (
    AutomationRuleEvent,
    DeployEvent,
    EnvironmentEvent,
    MonitoringAlertEvent,
    PingEvent,
    WebhookEvent,
    WebhookPayloadError,
    parse_event,
)

TASK = "00000000-0000-4000-8000-000000000005"
ENV = "00000000-0000-4000-8000-000000000004"
PROJECT = "00000000-0000-4000-8000-000000000003"


def envelope(event: str, **data: Any) -> bytes:
    return json.dumps(
        {
            "id": "d-1",
            "event": event,
            "created_at": "2026-10-05T12:00:00Z",
            "timestamp": 1_790_000_000,
            "data": data,
        }
    ).encode()


def test_a_deploy_event_is_typed() -> None:
    event = parse_event(
        envelope(
            "deploy.failed",
            task_id=TASK,
            environment_id=ENV,
            environment_name="staging",
            project_id=PROJECT,
            type="deploy",
            status="failed",
            error_message="build failed",
        )
    )
    assert isinstance(event, DeployEvent)
    assert event.type is WebhookEventType.DEPLOY_FAILED
    assert (event.task_id, event.environment_id, event.project_id) == (
        UUID(TASK),
        UUID(ENV),
        UUID(PROJECT),
    )
    assert event.status is TaskStatus.FAILED
    assert event.task_type == "deploy"
    assert event.error_message == "build failed"
    assert event.is_terminal
    assert event.id == "d-1"
    assert event.created_at is not None
    assert event.created_at.tzinfo is not None


def test_deploy_started_is_not_terminal() -> None:
    event = parse_event(envelope("deploy.started", task_id=TASK))
    assert isinstance(event, DeployEvent)
    assert not event.is_terminal


def test_an_environment_status_change_reads_old_and_new_status() -> None:
    event = parse_event(
        envelope(
            "environment.status_changed",
            environment_id=ENV,
            old_status="stopped",
            new_status="running",
        )
    )
    assert isinstance(event, EnvironmentEvent)
    assert event.previous_status is EnvironmentStatus.STOPPED
    assert event.status is EnvironmentStatus.RUNNING


@pytest.mark.parametrize(
    ("name", "data", "cls"),
    [
        ("environment.ready", {"environment_id": ENV, "name": "prod"}, EnvironmentEvent),
        (
            "automation_rule.failed",
            {"rule_id": TASK, "rule_name": "nightly", "error_message": "timeout"},
            AutomationRuleEvent,
        ),
        (
            "monitoring.alert",
            {
                "server_id": TASK,
                "alert_type": "disk",
                "severity": "critical",
                "message": "disk 95%",
            },
            MonitoringAlertEvent,
        ),
        ("ping", {"webhook_id": TASK, "message": "hello"}, PingEvent),
    ],
)
def test_each_documented_group_has_its_type(
    name: str, data: dict[str, Any], cls: type[WebhookEvent]
) -> None:
    event = parse_event(envelope(name, **data))
    assert type(event) is cls
    assert event.type.is_known


def test_the_group_fields_are_read() -> None:
    rule = parse_event(envelope("automation_rule.completed", rule_id=TASK, rule_name="nightly"))
    alert = parse_event(envelope("monitoring.alert", alert="cpu", severity="warning"))
    assert isinstance(rule, AutomationRuleEvent)
    assert rule.rule_name == "nightly"
    assert isinstance(alert, MonitoringAlertEvent)
    assert alert.alert == "cpu"


def test_an_unknown_event_is_a_plain_event_with_its_data() -> None:
    event = parse_event(envelope("backup.completed", backup_id="b-1", environment_id=ENV))
    assert type(event) is WebhookEvent
    assert event.type == "backup.completed"
    assert not event.type.is_known
    assert event.environment_id == UUID(ENV)
    assert event.data["backup_id"] == "b-1"


def test_wrongly_typed_fields_become_none_and_stay_in_data() -> None:
    event = parse_event(
        envelope("deploy.completed", task_id="not-a-uuid", status=7, environment_name=["x"])
    )
    assert isinstance(event, DeployEvent)
    assert event.task_id is None
    assert event.status is None
    assert event.environment_name is None
    assert event.data["task_id"] == "not-a-uuid"


def test_an_unknown_status_value_is_kept() -> None:
    event = parse_event(envelope("deploy.completed", status="rolled_back"))
    assert isinstance(event, DeployEvent)
    assert event.status == "rolled_back"


def test_a_flat_payload_named_by_type_is_read_too() -> None:
    event = parse_event({"type": "deploy.completed", "task_id": TASK, "environment_id": ENV})
    assert isinstance(event, DeployEvent)
    assert event.task_id == UUID(TASK)


def test_the_raw_data_is_left_out_of_repr() -> None:
    event = parse_event(envelope("deploy.completed", task_id=TASK, note="private text"))
    assert "private text" not in repr(event)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"data": {}}', "names no event"),
        (b'{"event": ""}', "names no event"),
        (b'{"event": 5}', "names no event"),
    ],
)
def test_bodies_that_are_not_events_are_refused(body: bytes, problem: str) -> None:
    with pytest.raises(WebhookPayloadError, match=problem):
        parse_event(body)
