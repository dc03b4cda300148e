"""Receiving OEC.sh webhooks: signature checks, typed events, and an aiohttp receiver.

The signature header names and signed string are not documented upstream; the defaults
(:data:`DEFAULT_SCHEME`) are ``X-OEC-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>``
and ``X-OEC-Timestamp: <Unix seconds>``. Change them with :class:`SignatureScheme` if your
deliveries differ. The body-only default leaves the timestamp header unauthenticated, so the
receiver takes a delivery's freshness from the body's signed ``timestamp`` field (or from the
header when the scheme signs it) and refuses a delivery that has neither.

Example::

    from oec_async.webhooks import DeployEvent, WebhookReceiver

    receiver = WebhookReceiver(secret=os.environ["OEC_WEBHOOK_SECRET"])
    receiver.connect(client)     # a deploy.completed push ends client.deployments.wait() early

    @receiver.on("deploy.*")
    async def log_deploys(event: DeployEvent) -> None:
        print(event.type, event.environment_name, event.status)

    async with receiver.serve(host="0.0.0.0", port=8080, path="/oec-webhooks"):
        await client.deployments.wait(action)
"""

from __future__ import annotations

from .._models import WebhookEventType
from ._errors import SignatureProblem, WebhookError, WebhookPayloadError, WebhookSignatureError
from ._payloads import (
    AutomationRuleEvent,
    DeployEvent,
    EnvironmentEvent,
    MonitoringAlertEvent,
    PingEvent,
    WebhookEvent,
    parse_event,
)
from ._receiver import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_REMEMBER,
    Handler,
    WebhookReceiver,
)
from ._signature import (
    DEFAULT_SCHEME,
    DEFAULT_TOLERANCE,
    Secret,
    SignatureScheme,
    compute_signature,
    sign_payload,
    verify_signature,
)

__all__ = [
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_HEADER_TIMEOUT",
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_REMEMBER",
    "DEFAULT_SCHEME",
    "DEFAULT_TOLERANCE",
    "AutomationRuleEvent",
    "DeployEvent",
    "EnvironmentEvent",
    "Handler",
    "MonitoringAlertEvent",
    "PingEvent",
    "Secret",
    "SignatureProblem",
    "SignatureScheme",
    "WebhookError",
    "WebhookEvent",
    "WebhookEventType",
    "WebhookPayloadError",
    "WebhookReceiver",
    "WebhookSignatureError",
    "compute_signature",
    "parse_event",
    "sign_payload",
    "verify_signature",
]
