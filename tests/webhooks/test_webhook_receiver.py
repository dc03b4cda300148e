"""`WebhookReceiver` over real loopback HTTP: 200/400/401/413/500, dispatch, dedupe, waking waiters."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import aiohttp
import anyio
import anyio.abc
import pytest
from support import API_KEY, BASE_URL

from oec_async import Client
from oec_async._polling import TaskSignals
from oec_async.webhooks import DeployEvent, WebhookEvent, WebhookReceiver, sign_payload

SECRET = "whsec_receiver_test_secret"
TASK = "00000000-0000-4000-8000-000000000005"
ENV = "00000000-0000-4000-8000-000000000004"


def delivery(event: str, ident: str = "d-1", **data: Any) -> bytes:
    return json.dumps(
        {
            "id": ident,
            "event": event,
            "created_at": "2026-10-05T12:00:00Z",
            "timestamp": int(time.time()),
            "data": data,
        }
    ).encode()


class Poster:
    """Posts (signed by default) bodies to a served receiver."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def post(
        self,
        body: Any,
        *,
        secret: str = SECRET,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> tuple[int, Any]:
        sent = dict(headers or {})
        if signed and isinstance(body, bytes):
            sent = {**sign_payload(secret, body), **sent}
        async with self.session.post(self.url, data=body, headers=sent) as response:
            return response.status, await response.json()


@pytest.fixture
def receiver() -> WebhookReceiver:
    return WebhookReceiver(SECRET)


@pytest.fixture
async def poster(receiver: WebhookReceiver) -> AsyncIterator[Poster]:
    async with receiver.serve(path="/hooks") as url, aiohttp.ClientSession() as session:
        yield Poster(session, url)


async def test_a_signed_event_is_accepted_and_dispatched_by_name(
    receiver: WebhookReceiver, poster: Poster
) -> None:
    seen: list[tuple[str, WebhookEvent]] = []

    @receiver.on("deploy.completed")
    async def exact(event: WebhookEvent) -> None:
        seen.append(("exact", event))

    @receiver.on("deploy.*")
    async def group(event: WebhookEvent) -> None:
        seen.append(("group", event))

    @receiver.on("environment.*")
    async def other(event: WebhookEvent) -> None:
        seen.append(("other", event))

    @receiver.on()
    async def every(event: WebhookEvent) -> None:
        seen.append(("every", event))

    status, answer = await poster.post(delivery("deploy.completed", task_id=TASK))

    assert (status, answer) == (200, {"ok": True, "event": "deploy.completed"})
    assert [name for name, _ in seen] == ["exact", "group", "every"]
    assert isinstance(seen[0][1], DeployEvent)
    assert receiver.accepted == 1


async def test_an_unknown_event_is_accepted_and_reaches_catch_all_handlers_only(
    receiver: WebhookReceiver, poster: Poster
) -> None:
    seen: list[str] = []
    receiver.add_handler("deploy.*", _record(seen, "deploy"))
    receiver.add_handler("*", _record(seen, "every"))

    status, _ = await poster.post(delivery("backup.completed"))

    assert status == 200
    assert seen == ["every"]


def _record(seen: list[str], label: str) -> Any:
    async def handler(_: WebhookEvent) -> None:
        seen.append(label)

    return handler


@pytest.mark.parametrize(
    "headers",
    [
        {},  # unsigned
        {"X-OEC-Signature": "sha256=" + "0" * 64, "X-OEC-Timestamp": "now"},
    ],
)
async def test_a_missing_or_wrong_signature_is_401_and_never_dispatched(
    receiver: WebhookReceiver, poster: Poster, headers: dict[str, str]
) -> None:
    seen: list[str] = []
    receiver.add_handler("*", _record(seen, "every"))
    if headers.get("X-OEC-Timestamp") == "now":  # read at run time, not when collected
        headers = {**headers, "X-OEC-Timestamp": str(int(time.time()))}

    status, answer = await poster.post(delivery("deploy.completed"), headers=headers, signed=False)

    assert status == 401
    assert answer["error"] in ("missing_signature", "mismatch")
    assert seen == []
    assert receiver.rejected == {401: 1}


async def test_a_tampered_body_is_401(poster: Poster) -> None:
    body = delivery("deploy.completed", task_id=TASK)
    headers = sign_payload(SECRET, body)
    status, answer = await poster.post(
        body.replace(b"completed", b"failed"), headers=headers, signed=False
    )
    assert (status, answer["error"]) == (401, "mismatch")


async def test_a_stale_delivery_is_401(poster: Poster) -> None:
    body = delivery("deploy.completed")
    old = sign_payload(SECRET, body, timestamp=int(time.time()) - 3600)
    status, answer = await poster.post(body, headers=old, signed=False)
    assert (status, answer["error"]) == (401, "stale")


async def test_a_stale_timestamp_inside_the_signed_body_is_401(poster: Poster) -> None:
    body = json.dumps({"id": "d-9", "event": "ping", "timestamp": int(time.time()) - 3600}).encode()
    status, answer = await poster.post(body)
    assert (status, answer["error"]) == (401, "stale")


async def test_a_signed_body_that_is_not_json_is_400(
    receiver: WebhookReceiver, poster: Poster
) -> None:
    for body in (b"<html>hi</html>", b"[]", b'{"no": "event"}'):
        status, answer = await poster.post(body)
        assert (status, answer["error"]) == (400, "invalid_payload")
    assert receiver.rejected == {400: 3}


async def test_a_body_over_the_limit_is_413_with_or_without_a_length() -> None:
    receiver = WebhookReceiver(SECRET, max_body_size=64)
    big = delivery("deploy.completed", padding="x" * 200)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 16):
            yield big[start : start + 16]

    async with receiver.serve() as url, aiohttp.ClientSession() as session:
        async with session.post(url, data=big, headers=sign_payload(SECRET, big)) as response:
            assert response.status == 413
        async with session.post(url, data=chunks(), headers=sign_payload(SECRET, big)) as response:
            assert response.status == 413
    assert receiver.rejected == {413: 2}
    assert receiver.accepted == 0


async def test_a_repeated_delivery_is_answered_but_dispatched_once(
    receiver: WebhookReceiver, poster: Poster
) -> None:
    seen: list[str] = []
    receiver.add_handler("*", _record(seen, "every"))
    body = delivery("deploy.completed", ident="same-id")

    first = await poster.post(body)
    second = await poster.post(body)

    assert first[0] == second[0] == 200
    assert second[1] == {"ok": True, "duplicate": True}
    assert seen == ["every"]
    assert receiver.duplicates == 1


async def test_a_failing_handler_is_500_and_the_retry_is_dispatched_again(
    receiver: WebhookReceiver, poster: Poster, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    @receiver.on("deploy.failed")
    async def flaky(_: WebhookEvent) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database down")

    body = delivery("deploy.failed", ident="retry-me")
    with caplog.at_level(logging.ERROR, logger="oec_async.webhooks"):
        assert (await poster.post(body))[0] == 500
    assert (await poster.post(body))[0] == 200
    assert len(calls) == 2
    assert "database down" in caplog.text


async def test_the_secret_is_never_logged_nor_shown(
    receiver: WebhookReceiver, poster: Poster, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await poster.post(delivery("deploy.completed"))
        await poster.post(delivery("deploy.completed", ident="d-2"), secret="whsec_wrong")
        await poster.post(b"nope")
    assert SECRET not in caplog.text
    assert SECRET not in repr(receiver)
    assert "refused (401" in caplog.text


async def sleeper_woken(signals: TaskSignals, key: UUID, send: Any) -> bool:
    """Sleep on ``key`` for a minute while ``send()`` runs; True if the sleep was cut short."""
    woken = False

    async def sleep(*, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        nonlocal woken
        task_status.started()
        # Runs on, without yielding, until the sleep is registered: the parent resumes after.
        await signals.sleep(key, 60)
        woken = True

    with anyio.move_on_after(10):
        async with anyio.create_task_group() as group:
            await group.start(sleep)
            assert signals.sleeping == 1
            await send()
            if not woken:
                # Not woken by the push: give it a moment, then stop waiting.
                await anyio.sleep(0.05)
                group.cancel_scope.cancel()
    return woken


async def test_a_terminal_deploy_push_wakes_the_tasks_waiters(
    receiver: WebhookReceiver, poster: Poster
) -> None:
    signals = TaskSignals()
    receiver.connect(signals)

    async def push() -> None:
        await poster.post(delivery("deploy.completed", task_id=TASK, environment_id=ENV))

    assert await sleeper_woken(signals, UUID(TASK), push)


async def test_a_started_push_does_not_wake_the_task_but_wakes_the_environment(
    receiver: WebhookReceiver, poster: Poster
) -> None:
    async def push(ident: str) -> None:
        await poster.post(delivery("deploy.started", ident=ident, task_id=TASK, environment_id=ENV))

    # Fresh signals for each check: news nobody slept on is kept for the next sleep.
    for index, (key, woken) in enumerate(((UUID(TASK), False), (UUID(ENV), True))):
        signals = TaskSignals()
        receiver.connect(signals)
        ident = f"s-{index}"
        assert await sleeper_woken(signals, key, lambda ident=ident: push(ident)) is woken
        receiver.disconnect(signals)


async def test_connect_takes_a_client_and_disconnect_stops_the_feed(
    receiver: WebhookReceiver, poster: Poster
) -> None:
    # Sleeps on the real clock (no time seam): a push must cut a real sleep short.
    client = Client(API_KEY, base_url=BASE_URL)
    receiver.connect(client)
    receiver.connect(client)  # once only

    async def push(ident: str) -> None:
        await poster.post(delivery("deploy.cancelled", ident=ident, task_id=TASK))

    assert await sleeper_woken(client.task_signals, UUID(TASK), lambda: push("c-1"))
    receiver.disconnect(client)
    assert not await sleeper_woken(client.task_signals, UUID(TASK), lambda: push("c-2"))


def test_bad_configuration_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="secret must be a non-empty"):
        WebhookReceiver("")
    with pytest.raises(ValueError, match="secret must be a non-empty"):
        WebhookReceiver([])
    with pytest.raises(ValueError, match="max_body_size"):
        WebhookReceiver(SECRET, max_body_size=0)
    receiver = WebhookReceiver(SECRET)
    with pytest.raises(ValueError, match="event pattern"):
        receiver.on("")
    with pytest.raises(ValueError, match="'\\*' may only"):
        receiver.on("deploy*")
    with pytest.raises(TypeError, match="handler"):
        receiver.add_handler("*", "not callable")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="path"):
        receiver.app("hooks")


async def test_without_a_tolerance_a_delivery_needs_no_time_at_all() -> None:
    receiver = WebhookReceiver(SECRET, tolerance=None)
    body = json.dumps({"id": "d-untimed", "event": "ping", "timestamp": "whenever"}).encode()
    signature = {"X-OEC-Signature": sign_payload(SECRET, body)["X-OEC-Signature"]}
    event = await receiver.process(body, signature)
    assert event is not None
    assert await receiver.process(body, signature) is None, "still remembered by id"
