"""Typed webhook events, read from a delivery's JSON body.

The Raw JSON payload is not documented upstream. The SDK reads the envelope its fake server
sends, ``{"id", "event", "created_at", "timestamp", "data": {...}}``, and tolerates variants:
the name may be under ``event`` or ``type``, and the fields may sit in ``data`` or at the top
level. A field of the wrong type is read as ``None`` (the raw value stays in ``data``), and an
unknown event name gives a plain :class:`WebhookEvent`, so a server change never breaks a
receiver.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, TypeVar
from uuid import UUID

from attrs import field, frozen

from .._converter import structure
from .._enums import EnvironmentStatus, TaskStatus, _OpenStrEnum
from .._models import WebhookEventType
from ._errors import WebhookPayloadError

__all__ = [
    "AutomationRuleEvent",
    "DeployEvent",
    "EnvironmentEvent",
    "MonitoringAlertEvent",
    "PingEvent",
    "WebhookEvent",
    "decode_body",
    "parse_event",
]

T = TypeVar("T")

_TERMINAL_DEPLOY: Final = frozenset(
    {
        WebhookEventType.DEPLOY_COMPLETED,
        WebhookEventType.DEPLOY_FAILED,
        WebhookEventType.DEPLOY_CANCELLED,
    }
)


@frozen(kw_only=True)
class WebhookEvent:
    """A webhook event; subclasses add the typed fields of each group.

    Attributes:
        type: The event name (unknown names are kept as pseudo-members, see ``is_known``).
        id: The event's (delivery's) id, when the payload carries one.
        created_at: When the event happened.
        project_id: The project concerned, if any.
        environment_id: The environment concerned, if any.
        data: The event's fields as received (left out of ``repr()``).
    """

    type: WebhookEventType
    id: str | None = None
    created_at: datetime | None = None
    project_id: UUID | None = None
    environment_id: UUID | None = None
    data: Mapping[str, object] = field(factory=dict, repr=False)


@frozen(kw_only=True)
class DeployEvent(WebhookEvent):
    """``deploy.started``, ``deploy.completed``, ``deploy.failed``, ``deploy.cancelled``.

    Attributes:
        task_id: The task.
        task_type: The kind of task (``deploy``, ``restart``...).
        status: The task's status.
        environment_name: The environment's name.
        error_message: Why it failed.
    """

    task_id: UUID | None = None
    task_type: str | None = None
    status: TaskStatus | None = None
    environment_name: str | None = None
    error_message: str | None = None

    @property
    def is_terminal(self) -> bool:
        """Whether the event says the task ended (completed, failed or cancelled)."""
        return self.type in _TERMINAL_DEPLOY


@frozen(kw_only=True)
class EnvironmentEvent(WebhookEvent):
    """``environment.created``, ``.deleted``, ``.status_changed`` and ``.ready``.

    Attributes:
        environment_name: The environment's name.
        status: Its status now.
        previous_status: Its status before (``status_changed``).
        task_id: The task that caused the change, if any.
    """

    environment_name: str | None = None
    status: EnvironmentStatus | None = None
    previous_status: EnvironmentStatus | None = None
    task_id: UUID | None = None


@frozen(kw_only=True)
class AutomationRuleEvent(WebhookEvent):
    """``automation_rule.triggered``, ``.completed`` and ``.failed``.

    Attributes:
        rule_id: The rule.
        rule_name: Its name.
        task_id: A task it started, if any.
        error_message: Why it failed.
    """

    rule_id: UUID | None = None
    rule_name: str | None = None
    task_id: UUID | None = None
    error_message: str | None = None


@frozen(kw_only=True)
class MonitoringAlertEvent(WebhookEvent):
    """``monitoring.alert`` (not described by the docs; fields read when present).

    Attributes:
        server_id: The server concerned, if any.
        alert: What fired (``alert``, ``alert_type`` or ``metric``).
        severity: Its severity.
        message: Its text.
    """

    server_id: UUID | None = None
    alert: str | None = None
    severity: str | None = None
    message: str | None = None


@frozen(kw_only=True)
class PingEvent(WebhookEvent):
    """``ping``: the test event of ``client.webhooks.test``.

    Attributes:
        webhook_id: The webhook tested.
        message: Its text.
    """

    webhook_id: UUID | None = None
    message: str | None = None


def _parse(value: object, cls: type[T]) -> T | None:
    """``value`` as ``cls``, or ``None`` if it is not one (strings are never coerced)."""
    if cls is str or issubclass(cls, _OpenStrEnum):
        return cls(value) if isinstance(value, str) else None  # type: ignore[call-arg]
    try:
        return structure(value, cls)
    except ValueError:
        return None


def _read(data: Mapping[str, object], cls: type[T], *keys: str) -> T | None:
    """The first of ``keys`` whose value reads as ``cls``; ``None`` if none does."""
    for key in keys:
        value = data.get(key)
        if value is not None and (parsed := _parse(value, cls)) is not None:
            return parsed
    return None


def _common(
    kind: WebhookEventType, envelope: Mapping[str, object], data: Mapping[str, object]
) -> dict[str, Any]:
    stamp = _read(envelope, datetime, "created_at", "occurred_at") or _read(
        data, datetime, "created_at"
    )
    ident = envelope.get("id")
    return {
        "type": kind,
        "id": ident if isinstance(ident, str) else None,
        "created_at": stamp,
        "project_id": _read(data, UUID, "project_id") or _read(envelope, UUID, "project_id"),
        "environment_id": _read(data, UUID, "environment_id")
        or _read(envelope, UUID, "environment_id"),
        "data": data,
    }


def _typed(
    kind: WebhookEventType, data: Mapping[str, object], fields: dict[str, Any]
) -> WebhookEvent:
    group = kind.value.partition(".")[0]
    cls: type[WebhookEvent] = WebhookEvent
    if group == "deploy":
        cls = DeployEvent
        fields.update(
            task_id=_read(data, UUID, "task_id"),
            task_type=_read(data, str, "task_type", "type"),
            status=_read(data, TaskStatus, "status"),
            environment_name=_read(data, str, "environment_name"),
            error_message=_read(data, str, "error_message"),
        )
    elif group == "environment":
        cls = EnvironmentEvent
        fields.update(
            environment_name=_read(data, str, "environment_name", "name"),
            status=_read(data, EnvironmentStatus, "new_status", "status"),
            previous_status=_read(data, EnvironmentStatus, "old_status", "previous_status"),
            task_id=_read(data, UUID, "task_id"),
        )
    elif group == "automation_rule":
        cls = AutomationRuleEvent
        fields.update(
            rule_id=_read(data, UUID, "rule_id"),
            rule_name=_read(data, str, "rule_name", "name"),
            task_id=_read(data, UUID, "task_id"),
            error_message=_read(data, str, "error_message"),
        )
    elif kind is WebhookEventType.MONITORING_ALERT:
        cls = MonitoringAlertEvent
        fields.update(
            server_id=_read(data, UUID, "server_id"),
            alert=_read(data, str, "alert", "alert_type", "metric"),
            severity=_read(data, str, "severity"),
            message=_read(data, str, "message"),
        )
    elif kind is WebhookEventType.PING:
        cls = PingEvent
        fields.update(
            webhook_id=_read(data, UUID, "webhook_id"),
            message=_read(data, str, "message"),
        )
    return cls(**fields)


def decode_body(body: bytes | str) -> Mapping[str, object]:
    """The body's JSON object.

    Raises:
        WebhookPayloadError: not JSON, not an object, or nested too deeply to decode (the
            decoder's recursion limit: such a body is hostile, never an event).
    """
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise WebhookPayloadError(f"the body is not JSON ({error})") from None
    except RecursionError:
        raise WebhookPayloadError("the body's JSON is nested too deeply") from None
    if not isinstance(envelope, dict):
        raise WebhookPayloadError("the body is not a JSON object")
    return envelope


def parse_event(body: bytes | str | Mapping[str, object]) -> WebhookEvent:
    """Read a delivery body (raw bytes, text, or already-decoded JSON) into a typed event.

    Args:
        body: The body. Verify its signature first: parse only what you trust.

    Returns:
        A :class:`DeployEvent`, :class:`EnvironmentEvent`, :class:`AutomationRuleEvent`,
        :class:`MonitoringAlertEvent`, :class:`PingEvent`, or a plain :class:`WebhookEvent`
        for an event name the SDK does not know.

    Raises:
        WebhookPayloadError: not JSON, not an object, or no event name.
    """
    envelope = body if isinstance(body, Mapping) else decode_body(body)
    name = envelope.get("event", envelope.get("type"))
    if not isinstance(name, str) or not name.strip():
        raise WebhookPayloadError("the body names no event (no 'event' or 'type' string)")
    inner = envelope.get("data")
    data: Mapping[str, object] = inner if isinstance(inner, dict) else envelope
    kind = WebhookEventType(name.strip())
    return _typed(kind, data, _common(kind, envelope, data))
