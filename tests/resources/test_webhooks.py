"""``client.webhooks`` against aioresponses: offset paging, secret handling, validation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import pytest
from aioresponses import aioresponses
from resource_support import STRICT, WEBHOOK_ID, all_sent, body, header, mock, params, sent

from oec_async import (
    Client,
    RateLimitError,
    RateLimits,
    Webhook,
    WebhookDelivery,
    WebhookEventType,
    WebhookFormat,
    WebhookTestResult,
)

# The docs' example item (oec-api.md 5.5), with a real UUID for the "wh-uuid" placeholder.
DOC_WEBHOOK: dict[str, Any] = {
    "id": WEBHOOK_ID,
    "url": "https://hooks.example.com/oec-events",
    "events": ["deploy.completed", "deploy.failed"],
    "description": "CI/CD notifications",
    "project_id": None,
    "is_active": True,
    "last_triggered_at": "2026-03-01T14:22:00Z",
    "failure_count": 0,
    "created_at": "2026-01-15T09:00:00Z",
}
SECRET = "whsec_abc"


def hook(n: int) -> dict[str, Any]:
    return {**DOC_WEBHOOK, "id": f"00000000-0000-4000-8000-{n:012d}"}


def test_the_docs_webhook_example_fits_the_model_whole() -> None:
    webhook = STRICT.structure({**DOC_WEBHOOK, "format": "raw"}, Webhook)
    assert webhook.events == (WebhookEventType.DEPLOY_COMPLETED, WebhookEventType.DEPLOY_FAILED)
    assert webhook.format is WebhookFormat.RAW
    delivery = {"id": WEBHOOK_ID, "event": "deploy.completed", "status": "delivered"}
    assert STRICT.structure(delivery, WebhookDelivery).status == "delivered"


def test_unknown_event_names_in_an_answer_do_not_break_parsing() -> None:
    webhook = STRICT.structure({**DOC_WEBHOOK, "events": ["backup.completed"]}, Webhook)
    (event,) = webhook.events
    assert event == "backup.completed"
    assert not event.is_known


async def test_list_walks_offsets_as_cursors(mocked: aioresponses, client: Client) -> None:
    mock(
        mocked,
        client,
        "GET",
        "/webhooks",
        payload={
            "items": [hook(1), hook(2)],
            "total": 3,
            "limit": 2,
            "offset": 0,
            "has_more": True,
        },
    )
    mock(
        mocked,
        client,
        "GET",
        "/webhooks",
        payload={"items": [hook(3)], "total": 3, "limit": 2, "offset": 2, "has_more": False},
    )

    hooks = await client.webhooks.list(limit=2).collect()

    assert [str(h.id)[-1] for h in hooks] == ["1", "2", "3"]
    assert [params(c) for c in sent(mocked, client, "GET", "/webhooks")] == [
        {"limit": 2, "offset": 0},
        {"limit": 2, "offset": 2},
    ]


async def test_list_without_has_more_uses_the_total(mocked: aioresponses, client: Client) -> None:
    mock(
        mocked,
        client,
        "GET",
        "/webhooks",
        payload={"items": [hook(1)], "total": 2, "limit": 1, "offset": 5},
    )

    page = await client.webhooks.list(limit=1, offset=5)

    assert page.next_cursor is None  # offset 6 is past the total of 2
    assert params(sent(mocked, client, "GET", "/webhooks")[0]) == {"limit": 1, "offset": 5}


async def test_list_resumes_from_a_saved_cursor(mocked: aioresponses, client: Client) -> None:
    mock(
        mocked,
        client,
        "GET",
        "/webhooks",
        payload={"items": [hook(3)], "total": 3, "limit": 2, "offset": 2, "has_more": False},
    )
    hooks = await client.webhooks.list(limit=2, cursor="2").collect()
    assert len(hooks) == 1
    assert params(sent(mocked, client, "GET", "/webhooks")[0])["offset"] == 2


async def test_create_returns_the_secret_once_and_never_shows_it(
    mocked: aioresponses, client: Client
) -> None:
    mock(
        mocked,
        client,
        "POST",
        "/webhooks",
        status=201,
        payload={**DOC_WEBHOOK, "format": "slack", "secret": SECRET},
    )

    created = await client.webhooks.create(
        "https://hooks.example.com/oec-events",
        [WebhookEventType.DEPLOY_COMPLETED, "deploy.failed", "deploy.failed"],
        description="CI",
        format="slack",
        is_active=True,
    )

    assert created.secret == SECRET
    assert SECRET not in repr(created)
    assert SECRET not in str(created)
    (call,) = sent(mocked, client, "POST", "/webhooks")
    assert body(call) == {
        "url": "https://hooks.example.com/oec-events",
        "events": ["deploy.completed", "deploy.failed"],
        "description": "CI",
        "format": "slack",
        "is_active": True,
    }
    assert header(call, "X-Idempotency-Key")


@pytest.mark.parametrize(
    ("url", "events", "problem"),
    [
        ("https://hooks.example.com/x", ["ping"], "unknown webhook event .ping."),
        ("http://hooks.example.com/x", ["deploy.completed"], "must start with https://"),
        ("https://127.0.0.1/x", ["deploy.completed"], "private or loopback"),
        ("https://10.1.2.3/x", ["deploy.completed"], "private or loopback"),
        ("https://localhost/x", ["deploy.completed"], "private or loopback"),
        ("https://user:pw@hooks.example.com/", ["deploy.completed"], "user name or password"),
        ("https://hooks.example.com/" + "x" * 2048, ["deploy.completed"], "url must be 1..2048"),
        ("hooks.example.com/x", ["deploy.completed"], "absolute https:// URL"),
        ("https://hooks.example.com/x", [], "events must hold at least one event"),
        ("https://hooks.example.com/x", "deploy.completed", "not a single string"),
        (
            "https://hooks.example.com/x",
            ["deploy.complete"],
            "unknown webhook event 'deploy.complete'",
        ),
    ],
)
async def test_create_refuses_what_the_api_would_reject(
    mocked: aioresponses, client: Client, url: str, events: Any, problem: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=problem):
        await client.webhooks.create(url, events)
    assert all_sent(mocked) == 0


async def test_create_sends_all_twelve_events_as_the_live_api_takes_them(
    mocked: aioresponses, client: Client
) -> None:
    every = [e.value for e in WebhookEventType if e is not WebhookEventType.PING]
    mock(mocked, client, "POST", "/webhooks", status=201, payload={**DOC_WEBHOOK, "events": every})

    await client.webhooks.create("https://hooks.example.com/x", every)

    (call,) = sent(mocked, client, "POST", "/webhooks")
    assert body(call)["events"] == every


async def test_create_takes_every_subscribable_event(mocked: aioresponses, client: Client) -> None:
    """The docs cap a subscription at 10 events; the live API takes all 12: the server decides."""
    every = [e for e in WebhookEventType if e is not WebhookEventType.PING]
    assert len(every) == 12
    # The events pass their check: the format, checked after them, is what is refused.
    with pytest.raises(ValueError, match="format must be one of raw, slack, teams, discord"):
        await client.webhooks.create("https://hooks.example.com/x", every, format="xml")
    assert all_sent(mocked) == 0


async def test_create_refuses_a_long_description(mocked: aioresponses, client: Client) -> None:
    with pytest.raises(ValueError, match=r"description must be 0\.\.500"):
        await client.webhooks.create(
            "https://hooks.example.com/x", ["deploy.completed"], description="d" * 501
        )
    assert all_sent(mocked) == 0


@pytest.fixture
async def local_client() -> AsyncIterator[Client]:
    """A client whose API is on loopback, as with a local fake server."""
    async with Client(
        "k", base_url="http://127.0.0.1:9/api/public/v1", rate_limits=RateLimits.disabled()
    ) as c:
        yield c


async def test_a_client_on_a_loopback_api_may_point_webhooks_at_loopback(
    mocked: aioresponses, local_client: Client
) -> None:
    mock(
        mocked,
        local_client,
        "POST",
        "/webhooks",
        status=201,
        payload={**DOC_WEBHOOK, "url": "http://127.0.0.1:8080/hook", "secret": SECRET},
    )
    created = await local_client.webhooks.create("http://127.0.0.1:8080/hook", ["deploy.failed"])
    assert created.url == "http://127.0.0.1:8080/hook"
    with pytest.raises(ValueError, match="private or loopback"):
        await local_client.webhooks.create("https://192.168.1.2/hook", ["deploy.failed"])


async def test_update_sends_only_the_given_fields(mocked: aioresponses, client: Client) -> None:
    mock(
        mocked,
        client,
        "PATCH",
        f"/webhooks/{WEBHOOK_ID}",
        payload={**DOC_WEBHOOK, "is_active": False},
    )

    updated = await client.webhooks.update(WEBHOOK_ID, is_active=False, events=["deploy.failed"])

    assert updated.is_active is False
    (call,) = sent(mocked, client, "PATCH", f"/webhooks/{WEBHOOK_ID}")
    assert body(call) == {"events": ["deploy.failed"], "is_active": False}


async def test_update_checks_before_sending(mocked: aioresponses, client: Client) -> None:
    with pytest.raises(ValueError, match="nothing to update"):
        await client.webhooks.update(WEBHOOK_ID)
    with pytest.raises(ValueError, match="https://"):
        await client.webhooks.update(WEBHOOK_ID, url="ftp://hooks.example.com")
    with pytest.raises(TypeError, match="is_active must be True or False"):
        await client.webhooks.update(WEBHOOK_ID, is_active=1)  # type: ignore[arg-type]
    assert all_sent(mocked) == 0


async def test_delete_test_rotate_and_deliveries(mocked: aioresponses, client: Client) -> None:
    base = f"/webhooks/{WEBHOOK_ID}"
    mock(mocked, client, "DELETE", base, status=204)
    mock(
        mocked,
        client,
        "POST",
        f"{base}/test",
        payload={"success": True, "status_code": 200, "duration_ms": 80, "message": None},
    )
    mock(mocked, client, "POST", f"{base}/rotate-secret", payload={"secret": "whsec_new"})
    mock(
        mocked,
        client,
        "GET",
        f"{base}/deliveries",
        payload=[
            {
                "id": WEBHOOK_ID,
                "event": "deploy.completed",
                "status": "delivered",
                "response_body": "thanks",
                "attempt_count": 1,
            }
        ],
    )

    await client.webhooks.delete(WEBHOOK_ID)
    result = await client.webhooks.test(WEBHOOK_ID)
    rotated = await client.webhooks.rotate_secret(UUID(WEBHOOK_ID))
    deliveries = await client.webhooks.deliveries(WEBHOOK_ID).collect()

    assert result == WebhookTestResult(success=True, status_code=200, duration_ms=80.0)
    assert rotated.secret == "whsec_new"
    assert "whsec_new" not in repr(rotated)
    assert deliveries[0].event is WebhookEventType.DEPLOY_COMPLETED
    assert "thanks" not in repr(deliveries[0])
    assert header(sent(mocked, client, "POST", f"{base}/test")[0], "X-Idempotency-Key") is None


async def test_the_mutation_limit_reaches_the_caller_as_a_rate_limit_error(
    mocked: aioresponses, client: Client
) -> None:
    mock(
        mocked,
        client,
        "POST",
        "/webhooks",
        status=429,
        headers={"Retry-After": "3"},
        repeat=True,
        payload={
            "detail": {
                "error": "webhook_mutation_rate_limit",
                "message": "10/60s",
                "retry_after": 3,
            }
        },
    )

    with pytest.raises(RateLimitError) as caught:
        await client.webhooks.create("https://hooks.example.com/x", ["deploy.failed"])

    assert caught.value.code == "webhook_mutation_rate_limit"
    assert caught.value.retry_after == 3
    keys = {header(c, "X-Idempotency-Key") for c in sent(mocked, client, "POST", "/webhooks")}
    assert len(keys) == 1  # however often it was tried, it was one logical create
