"""``client.webhooks``: manage webhook subscriptions and read their deliveries.

Create, update and delete count against a separate limit of 10 calls per 60 s
(429 ``webhook_mutation_rate_limit``).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from .._config import Timeouts
from .._models import (
    Page,
    Webhook,
    WebhookDelivery,
    WebhookEventType,
    WebhookFormat,
    WebhookSecret,
    WebhookTestResult,
)
from .._pagination import AsyncPaginator, PageDraft
from .._validation import (
    ProjectRef,
    WebhookRef,
    check_bool,
    check_choice,
    check_events,
    check_int_range,
    check_project_id,
    check_text,
    check_webhook_id,
    check_webhook_url,
    is_loopback,
)
from ._base import same_id
from ._paging import PagedResource, position_cursor

__all__ = ["Webhooks"]


class Webhooks(PagedResource):
    """Webhook subscriptions: where the API posts events (deploy finished, status changed...).

    Receive and verify the events with :class:`oec_async.webhooks.WebhookReceiver`.
    """

    def list(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        cursor: str | None = None,
        max_items: int | None = None,
        timeout: float | Timeouts | None = None,
    ) -> AsyncPaginator[Webhook]:
        """Every webhook the key can see (its project's only, for a project-scoped key).

        The API pages by offset; the paginator's cursor is the next offset.

        Args:
            limit: Page size, 1..100.
            offset: Skip this many webhooks first.
            cursor: A saved ``page.next_cursor`` (an offset); overrides ``offset``.
            max_items: Stop after this many items.
            timeout: Request timeout for each page.
        """
        check_int_range(limit, "limit", 1, 100)
        check_int_range(offset, "offset", 0)
        start = position_cursor(cursor, "an offset", 0)
        first = offset if start is None else start
        path = "/webhooks"

        async def fetch(page_cursor: str | None) -> PageDraft[Webhook]:
            position = first if page_cursor is None else int(page_cursor)
            params = {"limit": limit, "offset": position}
            response = await self._send(
                "GET", path, route="/webhooks", params=params, timeout=timeout
            )
            return self._read_offset_page(response, Webhook, position)

        return self._paginator(fetch, max_items=max_items)

    async def get(
        self, webhook_id: WebhookRef, *, timeout: float | Timeouts | None = None
    ) -> Webhook:
        """Fetch one webhook (without its secret)."""
        path = f"/webhooks/{check_webhook_id(webhook_id)}"
        response = await self._send("GET", path, route="/webhooks/{webhook_id}", timeout=timeout)
        return same_id(self._parse(response, Webhook), response)

    async def create(
        self,
        url: str,
        events: Iterable[WebhookEventType | str],
        *,
        description: str | None = None,
        project_id: ProjectRef | None = None,
        format: WebhookFormat | str | None = None,
        is_active: bool | None = None,
        idempotency_key: str | None = None,
        timeout: float | Timeouts | None = None,
    ) -> Webhook:
        """Subscribe an HTTPS URL to events. The answer holds the signing secret, shown once.

        ``webhook.secret`` is never part of ``repr()`` and never logged: store it where your
        receiver can read it.

        Args:
            url: ``https://`` URL (at most 2048 characters; no private or loopback address).
            events: 1..12 event names, e.g. ``["deploy.completed", "deploy.failed"]`` (the
                live API takes all 12; the docs say at most 10).
            description: Up to 500 characters.
            project_id: Limit the webhook to one project (required with a project-scoped key).
            format: ``raw`` (the API's default), ``slack``, ``teams`` or ``discord``.
            is_active: Whether events are sent (the API's default: ``True``).
            idempotency_key: Sent as ``X-Idempotency-Key``; one is generated otherwise, and
                retries of this call reuse it.
            timeout: Request timeout for this call.

        Raises:
            ValueError: a value breaks the API's documented rules (nothing is sent).
            RateLimitError: more than 10 webhook changes in 60 s.
        """
        body: dict[str, object] = {
            "url": check_webhook_url(url, allow_local=self._local_api()),
            "events": check_events(events),
        }
        if description is not None:
            body["description"] = check_text(description, "description", max_len=500, min_len=0)
        if project_id is not None:
            body["project_id"] = check_project_id(project_id)
        if format is not None:
            body["format"] = check_choice(format, "format", WebhookFormat)
        if is_active is not None:
            body["is_active"] = check_bool(is_active, "is_active")
        return await self._create(
            "/webhooks",
            body,
            Webhook,
            route="/webhooks",
            idempotency_key=idempotency_key,
            timeout=timeout,
        )

    async def update(
        self,
        webhook_id: WebhookRef,
        *,
        url: str | None = None,
        events: Iterable[WebhookEventType | str] | None = None,
        description: str | None = None,
        format: WebhookFormat | str | None = None,
        is_active: bool | None = None,
        timeout: float | Timeouts | None = None,
    ) -> Webhook:
        """Change a webhook's URL, events, description or format, or switch it on or off.

        Raises:
            ValueError: nothing to change, or a value breaks the API's rules.
        """
        path = f"/webhooks/{check_webhook_id(webhook_id)}"
        body: dict[str, object] = {}
        if url is not None:
            body["url"] = check_webhook_url(url, allow_local=self._local_api())
        if events is not None:
            body["events"] = check_events(events)
        if description is not None:
            body["description"] = check_text(description, "description", max_len=500, min_len=0)
        if format is not None:
            body["format"] = check_choice(format, "format", WebhookFormat)
        if is_active is not None:
            body["is_active"] = check_bool(is_active, "is_active")
        if not body:
            raise ValueError(
                "nothing to update: pass at least one of url, events, description, format, "
                "is_active"
            )
        response = await self._send(
            "PATCH", path, route="/webhooks/{webhook_id}", json=body, timeout=timeout
        )
        return self._parse(response, Webhook)

    async def delete(
        self, webhook_id: WebhookRef, *, timeout: float | Timeouts | None = None
    ) -> None:
        """Delete a webhook and its delivery history."""
        path = f"/webhooks/{check_webhook_id(webhook_id)}"
        await self._send("DELETE", path, route="/webhooks/{webhook_id}", timeout=timeout)

    async def test(
        self, webhook_id: WebhookRef, *, timeout: float | Timeouts | None = None
    ) -> WebhookTestResult:
        """Send a ``ping`` event to the webhook's URL now (no delivery record is kept)."""
        path = f"/webhooks/{check_webhook_id(webhook_id)}/test"
        response = await self._send(
            "POST", path, route="/webhooks/{webhook_id}/test", timeout=timeout
        )
        return self._parse(response, WebhookTestResult)

    async def rotate_secret(
        self, webhook_id: WebhookRef, *, timeout: float | Timeouts | None = None
    ) -> WebhookSecret:
        """Replace the signing secret; the old one stops working at once.

        The new secret is shown once (``result.secret``; never part of ``repr()``).
        """
        path = f"/webhooks/{check_webhook_id(webhook_id)}/rotate-secret"
        response = await self._send(
            "POST", path, route="/webhooks/{webhook_id}/rotate-secret", timeout=timeout
        )
        return self._parse(response, WebhookSecret)

    def deliveries(
        self, webhook_id: WebhookRef, *, timeout: float | Timeouts | None = None
    ) -> AsyncPaginator[WebhookDelivery]:
        """The 50 most recent delivery attempts, newest first, in one page."""
        path = f"/webhooks/{check_webhook_id(webhook_id)}/deliveries"

        async def fetch(_: str | None) -> Page[WebhookDelivery]:
            response = await self._send(
                "GET", path, route="/webhooks/{webhook_id}/deliveries", timeout=timeout
            )
            return self._structure_array_page(response, WebhookDelivery)

        return self._paginator(fetch)

    def _local_api(self) -> bool:
        """Whether the client talks to a server on loopback (a local fake, never the real API)."""
        return is_loopback(urlsplit(self._client.base_url).hostname or "")
