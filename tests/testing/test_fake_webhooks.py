"""Webhook management, the mutation limit, and signed deliveries to a loopback receiver."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from oec_async.testing import (
    SIGNATURE_HEADER,
    FakeOEC,
    ManualClock,
    RateLimitConfig,
)
from oec_async.webhooks import compute_signature

from .fake_support import Api, running_env

pytestmark = pytest.mark.oec_fake(clock=ManualClock, environments=2, stopped_fraction=0)


class Receiver:
    """A loopback HTTP server recording what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    target = Receiver()
    app = web.Application()
    app.router.add_post("/hook", target.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    target.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield target
    await runner.cleanup()


async def subscribe(api: Api, url: str, events: list[str]) -> dict[str, str]:
    reply = await api.post("/webhooks", json={"url": url, "events": events})
    assert reply.status == 201, reply.body
    hook: dict[str, str] = reply.body
    return hook


async def test_list_webhooks_is_offset_paged_default_limit_50(api: Api) -> None:
    reply = await api.get("/webhooks")
    assert (reply.body["limit"], reply.body["offset"], reply.body["total"]) == (50, 0, 2)
    assert reply.body["has_more"] is False
    assert "secret" not in reply.body["items"][0]


async def test_create_returns_the_secret_once(api: Api) -> None:
    hook = await subscribe(api, "https://hooks.example.com/x", ["deploy.completed"])
    assert hook["secret"].startswith("whsec_")
    assert "secret" not in (await api.get(f"/webhooks/{hook['id']}")).body


@pytest.mark.parametrize(
    ("url", "events"),
    [
        ("http://hooks.example.com/x", ["deploy.completed"]),
        ("https://hooks.example.com/x", ["no.such_event"]),
        ("https://hooks.example.com/x", []),
    ],
)
async def test_create_validates_url_and_events(api: Api, url: str, events: list[str]) -> None:
    reply = await api.post("/webhooks", json={"url": url, "events": events})
    assert reply.status == 422


@pytest.mark.oec_fake(strict_webhook_urls=True)
async def test_strict_mode_rejects_loopback_urls(api: Api) -> None:
    reply = await api.post("/webhooks", json={"url": "https://127.0.0.1/x", "events": ["ping"]})
    assert reply.status == 422


async def test_update_delete_and_rotate(api: Api) -> None:
    hook = await subscribe(api, "https://hooks.example.com/x", ["deploy.completed"])
    updated = await api.patch(f"/webhooks/{hook['id']}", json={"is_active": False})
    rotated = await api.post(f"/webhooks/{hook['id']}/rotate-secret")
    deleted = await api.delete(f"/webhooks/{hook['id']}")
    assert updated.body["is_active"] is False
    assert rotated.body["secret"] != hook["secret"]
    assert deleted.status == 204
    assert (await api.get(f"/webhooks/{hook['id']}")).status == 404


@pytest.mark.oec_fake(rate_limits=RateLimitConfig(writes_per_window=100))
async def test_eleventh_webhook_mutation_in_a_minute_is_429(api: Api) -> None:
    for _ in range(10):
        await subscribe(api, "https://hooks.example.com/x", ["deploy.completed"])
    reply = await api.post(
        "/webhooks", json={"url": "https://hooks.example.com/x", "events": ["deploy.completed"]}
    )
    assert (reply.status, reply.error) == (429, "webhook_mutation_rate_limit")
    assert reply.body["detail"]["retry_after"] == 60


async def test_deploy_events_are_delivered_signed(
    api: Api, oec_fake: FakeOEC, receiver: Receiver
) -> None:
    hook = await subscribe(api, receiver.url, ["deploy.started", "deploy.completed"])
    env_id = running_env(oec_fake)
    task_id = (await api.post(f"/environments/{env_id}/deploy")).body["task_id"]
    oec_fake.advance(1.0)
    assert await oec_fake.flush_webhooks() == 2
    events = [json.loads(body) for _, body in receiver.received]
    assert [e["event"] for e in events] == ["deploy.started", "deploy.completed"]
    assert events[1]["data"]["task_id"] == task_id
    headers, body = receiver.received[1]
    assert headers[SIGNATURE_HEADER] == compute_signature(hook["secret"], body)


async def test_deliveries_are_recorded_newest_first(
    api: Api, oec_fake: FakeOEC, receiver: Receiver
) -> None:
    hook = await subscribe(api, receiver.url, ["deploy.started", "deploy.completed"])
    await api.post(f"/environments/{running_env(oec_fake)}/deploy")
    oec_fake.advance(1.0)
    await oec_fake.flush_webhooks()
    reply = await api.get(f"/webhooks/{hook['id']}/deliveries")
    assert [d["event"] for d in reply.body] == ["deploy.completed", "deploy.started"]
    assert reply.body[0]["status"] == "delivered"


async def test_events_are_not_delivered_before_they_are_due(
    api: Api, oec_fake: FakeOEC, receiver: Receiver
) -> None:
    await subscribe(api, receiver.url, ["deploy.completed"])
    await api.post(f"/environments/{running_env(oec_fake)}/deploy")
    assert await oec_fake.flush_webhooks() == 0


@pytest.mark.oec_fake(task_duration=0.05)
async def test_background_loop_delivers_on_the_real_clock(
    api: Api, oec_fake: FakeOEC, receiver: Receiver
) -> None:
    import asyncio

    await subscribe(api, receiver.url, ["deploy.completed"])
    await api.post(f"/environments/{running_env(oec_fake)}/deploy")
    for _ in range(100):
        if receiver.received:
            break
        await asyncio.sleep(0.01)
    assert len(receiver.received) == 1


async def test_test_endpoint_pings_the_receiver(api: Api, receiver: Receiver) -> None:
    hook = await subscribe(api, receiver.url, ["deploy.completed"])
    reply = await api.post(f"/webhooks/{hook['id']}/test")
    assert (reply.body["success"], reply.body["status_code"]) == (True, 200)
    assert json.loads(receiver.received[0][1])["event"] == "ping"
    assert (await api.get(f"/webhooks/{hook['id']}/deliveries")).body == []


async def test_non_loopback_urls_are_never_contacted(api: Api) -> None:
    hook = await subscribe(api, "https://hooks.example.com/x", ["deploy.completed"])
    reply = await api.post(f"/webhooks/{hook['id']}/test")
    assert reply.body["success"] is False
    assert "loopback" in reply.body["message"]


async def test_cancelled_task_sends_deploy_cancelled_instead_of_completed(
    api: Api, oec_fake: FakeOEC, receiver: Receiver
) -> None:
    await subscribe(api, receiver.url, ["deploy.completed", "deploy.cancelled"])
    task_id = (await api.post(f"/environments/{running_env(oec_fake)}/deploy")).body["task_id"]
    oec_fake.cancel_task(task_id)
    oec_fake.advance(1.0)
    await oec_fake.flush_webhooks()
    assert [json.loads(body)["event"] for _, body in receiver.received] == ["deploy.cancelled"]
