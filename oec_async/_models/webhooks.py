"""Models of webhook subscriptions, their deliveries, and the event names."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from attrs import field, frozen

from .._enums import _OpenStrEnum

__all__ = [
    "Webhook",
    "WebhookDelivery",
    "WebhookEventType",
    "WebhookFormat",
    "WebhookSecret",
    "WebhookTestResult",
]


class WebhookEventType(_OpenStrEnum):
    """The events a webhook can subscribe to (and ``ping``, sent by ``webhooks.test``)."""

    DEPLOY_STARTED = "deploy.started"
    DEPLOY_COMPLETED = "deploy.completed"
    DEPLOY_FAILED = "deploy.failed"
    DEPLOY_CANCELLED = "deploy.cancelled"
    ENVIRONMENT_CREATED = "environment.created"
    ENVIRONMENT_DELETED = "environment.deleted"
    ENVIRONMENT_STATUS_CHANGED = "environment.status_changed"
    ENVIRONMENT_READY = "environment.ready"
    AUTOMATION_RULE_TRIGGERED = "automation_rule.triggered"
    AUTOMATION_RULE_COMPLETED = "automation_rule.completed"
    AUTOMATION_RULE_FAILED = "automation_rule.failed"
    MONITORING_ALERT = "monitoring.alert"
    PING = "ping"

    @property
    def group(self) -> str:
        """The part before the dot: ``deploy``, ``environment``, ``automation_rule``..."""
        return self.value.partition(".")[0]


class WebhookFormat(_OpenStrEnum):
    """The payload format of a webhook: raw JSON, or a chat message."""

    RAW = "raw"
    SLACK = "slack"
    TEAMS = "teams"
    DISCORD = "discord"


@frozen(kw_only=True)
class Webhook:
    """A webhook subscription.

    Attributes:
        id: The webhook id.
        url: The HTTPS URL events are posted to.
        events: The subscribed events.
        description: Its description.
        project_id: The project it is limited to, or ``None`` for the whole organisation.
        format: The payload format.
        is_active: Whether events are sent.
        last_triggered_at: The last delivery.
        failure_count: Recent failed deliveries.
        created_at: Creation time.
        secret: The signing secret: only in the answer to ``create``, shown once. Never part
            of ``repr()``; store it where your receiver can read it.
    """

    id: UUID
    url: str | None = None
    events: tuple[WebhookEventType, ...] = ()
    description: str | None = None
    project_id: UUID | None = None
    format: WebhookFormat | None = None
    is_active: bool | None = None
    last_triggered_at: datetime | None = None
    failure_count: int | None = None
    created_at: datetime | None = None
    secret: str | None = field(default=None, repr=False)


@frozen(kw_only=True)
class WebhookSecret:
    """A new signing secret (``webhooks.rotate_secret``); the old one stopped working.

    Attributes:
        secret: The secret, shown once; left out of ``repr()``.
    """

    secret: str = field(repr=False)


@frozen(kw_only=True)
class WebhookTestResult:
    """The outcome of a test ``ping`` (``webhooks.test``).

    Attributes:
        success: Whether the receiver answered with a 2xx.
        status_code: Its HTTP status, if it answered.
        duration_ms: How long it took.
        message: Why it failed, when it did.
    """

    success: bool = False
    status_code: int | None = None
    duration_ms: float | None = None
    message: str | None = None


@frozen(kw_only=True)
class WebhookDelivery:
    """One delivery attempt of an event to a webhook.

    Attributes:
        id: The delivery id.
        event: The event sent.
        status: The outcome (``delivered``...).
        attempt_count: Attempts made.
        response_status: The receiver's HTTP status.
        response_body: What the receiver answered (its text; left out of ``repr()``).
        duration_ms: How long the attempt took.
        delivered_at: When it was delivered.
        created_at: When the event was queued.
    """

    id: UUID
    event: WebhookEventType | None = None
    status: str | None = None
    attempt_count: int | None = None
    response_status: int | None = None
    response_body: str | None = field(default=None, repr=False)
    duration_ms: float | None = None
    delivered_at: datetime | None = None
    created_at: datetime | None = None
