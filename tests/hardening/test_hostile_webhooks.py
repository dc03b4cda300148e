"""A hostile sender against the webhook receiver on 127.0.0.1 (issue 13, item 6).

Replays (without an id, with a float or string timestamp, after the id left the memory), a
delivery whose only time is an unsigned header, JSON nested 100,000 levels deep, and slow
senders holding sockets. Each case failed on the receiver of the first build.
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import anyio
import pytest

from oec_async.webhooks import (
    WebhookError,
    WebhookEvent,
    WebhookReceiver,
    compute_signature,
    sign_payload,
)

SECRET = "whsec_H0stileT3stS3cret"
NOW = 1_790_000_000.0


class Clock:
    """A settable Unix clock for the receiver."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def body_of(**envelope: Any) -> bytes:
    return json.dumps({"event": "ping", **envelope}).encode()


def headers_for(body: bytes, *, header_time: float | None = None) -> dict[str, str]:
    """Signed headers; the (unsigned) timestamp header says ``header_time``, or now."""
    stamp = int(NOW if header_time is None else header_time)
    return sign_payload(SECRET, body, timestamp=stamp)


class Sender:
    """Posts to a served receiver and counts what its handlers saw."""

    def __init__(self, receiver: WebhookReceiver, session: aiohttp.ClientSession, url: str) -> None:
        self.receiver = receiver
        self.session = session
        self.url = url
        self.handled: list[WebhookEvent] = []

        @receiver.on()
        async def record(event: WebhookEvent) -> None:
            self.handled.append(event)

    async def post(self, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        sent = headers_for(body) if headers is None else headers
        async with self.session.post(self.url, data=body, headers=sent) as response:
            return response.status, await response.json()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sender(clock: Clock) -> AsyncIterator[Sender]:
    receiver = WebhookReceiver(SECRET, clock=clock, remember=3)
    async with receiver.serve() as url, aiohttp.ClientSession() as session:
        yield Sender(receiver, session, url)


# --- replays ------------------------------------------------------------------------------------


async def test_a_delivery_without_an_id_is_handled_once(sender: Sender) -> None:
    body = body_of(timestamp=NOW)
    first = await sender.post(body)
    again = await sender.post(body)
    assert first[0] == again[0] == 200
    assert again[1] == {"ok": True, "duplicate": True}
    assert len(sender.handled) == 1


@pytest.mark.parametrize(
    "stamp", [NOW - 100_000.5, str(int(NOW) - 100_000), "2026-09-01T00:00:00Z"]
)
async def test_an_old_float_or_string_timestamp_in_the_body_is_stale(
    sender: Sender, stamp: object
) -> None:
    status, answer = await sender.post(body_of(id="old", timestamp=stamp))
    assert (status, answer["error"]) == (401, "stale")
    assert sender.handled == []


async def test_an_unsigned_header_time_alone_is_not_freshness(sender: Sender) -> None:
    # A delivery captured long ago, replayed with a new X-OEC-Timestamp: the body has no time.
    status, answer = await sender.post(body_of(id="captured", created_at="2020-01-01T00:00:00Z"))
    assert (status, answer["error"]) == (401, "missing_timestamp")
    assert sender.handled == []


async def test_a_fresh_header_does_not_rescue_an_old_signed_body(sender: Sender) -> None:
    body = body_of(id="d-old", timestamp=NOW - 100_000.0)
    status, answer = await sender.post(body, headers_for(body, header_time=NOW))
    assert (status, answer["error"]) == (401, "stale")


async def test_a_replay_after_its_id_left_the_memory_is_refused(
    sender: Sender, clock: Clock
) -> None:
    target = body_of(id="d-0", timestamp=NOW)
    assert (await sender.post(target))[0] == 200
    for index in range(1, 6):  # a burst pushes d-0 out of a 3-entry memory
        clock.now += 1
        assert (await sender.post(body_of(id=f"d-{index}", timestamp=clock.now)))[0] == 200
    status, answer = await sender.post(target)
    assert (status, answer["error"]) == (401, "replayed")
    assert [event.id for event in sender.handled].count("d-0") == 1


async def test_a_replay_older_than_the_tolerance_is_refused_whatever_its_id(
    sender: Sender, clock: Clock
) -> None:
    target = body_of(id="d-0", timestamp=NOW)
    assert (await sender.post(target))[0] == 200
    clock.now += 301
    status, answer = await sender.post(target, headers_for(target, header_time=clock.now))
    assert (status, answer["error"]) == (401, "stale")
    assert len(sender.handled) == 1


async def test_the_memory_holds_only_deliveries_within_the_tolerance(clock: Clock) -> None:
    receiver = WebhookReceiver(SECRET, clock=clock)
    for index in range(200):
        clock.now += 60
        body = body_of(id=f"d-{index}", timestamp=clock.now)
        await receiver.process(body, headers_for(body, header_time=clock.now))
    assert receiver.accepted == 200
    assert receiver.remembered == 6, "the last 300 s of deliveries, one a minute"


# --- bodies ---------------------------------------------------------------------------------------


async def test_json_nested_100000_levels_is_400_not_500(sender: Sender) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    body = f'{{"event": "ping", "timestamp": {NOW}, "data": {nested}}}'.encode()
    status, answer = await sender.post(body)
    assert (status, answer["error"]) == (400, "invalid_payload")
    assert "nested too deeply" in answer["message"]
    assert sender.receiver.rejected == {400: 1}


# --- slow senders ---------------------------------------------------------------------------------


async def closed_by_server(host: str, port: int, send: bytes) -> bytes:
    """Open a connection, send ``send``, then nothing; return what came back until EOF."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(send)
        await writer.drain()
        return await reader.read()  # b"" or an answer, then EOF: the server closed
    except ConnectionResetError:
        return b""  # the server closed without lingering: a reset, also the end
    finally:
        writer.close()


@pytest.mark.parametrize(
    "send",
    [
        b"POST /hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty",
        b'POST /hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\r\n{"event"',
        b"",
    ],
    ids=["headers", "body", "silent"],
)
async def test_slow_senders_do_not_hold_sockets_past_the_timeouts(send: bytes) -> None:
    receiver = WebhookReceiver(SECRET, header_timeout=0.2, body_timeout=0.2)
    async with receiver.serve(path="/hooks") as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        with anyio.fail_after(20):  # a guard only: the timeouts above end each connection
            async with anyio.create_task_group() as group:
                answers: list[bytes] = []

                async def one() -> None:
                    answers.append(await closed_by_server("127.0.0.1", port, send))

                for _ in range(50):
                    group.start_soon(one)
    assert len(answers) == 50
    if send.endswith(b'"event"'):
        assert all(b" 408 " in answer.split(b"\r\n", 1)[0] for answer in answers)
        assert receiver.rejected == {408: 50}


@pytest.mark.parametrize("name", ["header_timeout", "body_timeout"])
@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), float("nan")])
def test_timeouts_must_be_positive_and_finite(name: str, bad: float) -> None:
    with pytest.raises(ValueError, match=name):
        WebhookReceiver(SECRET, **{name: bad})


def test_the_timeouts_default_to_ten_seconds() -> None:
    receiver = WebhookReceiver(SECRET)
    assert (receiver.header_timeout, receiver.body_timeout) == (10.0, 10.0)


# --- nothing secret in any error -------------------------------------------------------------


def bad_deliveries() -> list[tuple[bytes, dict[str, str]]]:
    good = body_of(id="x", timestamp=NOW)
    signature = compute_signature(SECRET, good)
    return [
        (good, {}),
        (good, {"X-OEC-Signature": "sha256=" + "0" * 64}),
        (good, {"X-OEC-Signature": signature[:-4] + "zzzz"}),
        (good.replace(b"ping", b"pong"), headers_for(good)),
        (
            body_of(id="y", timestamp=NOW - 10_000),
            headers_for(body_of(id="y", timestamp=NOW - 10_000)),
        ),
        (body_of(id="z"), headers_for(body_of(id="z"))),
        (b"[" * 50_000, headers_for(b"[" * 50_000)),
        (b"not json", headers_for(b"not json")),
        (good, {**headers_for(good), "X-OEC-Timestamp": "yesterday"}),
    ]


def shown(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + str(error)


@pytest.mark.parametrize("case", range(len(bad_deliveries())))
async def test_no_refusal_shows_the_secret_or_the_expected_signature(
    case: int, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    body, headers = bad_deliveries()[case]
    expected = compute_signature(SECRET, body).removeprefix("sha256=")
    receiver = WebhookReceiver(SECRET, clock=clock)
    caplog.set_level(logging.DEBUG, logger="oec_async")
    with pytest.raises(WebhookError) as caught:
        await receiver.process(body, headers)
    text = shown(caught.value) + caplog.text + repr(receiver)
    assert SECRET not in text
    assert expected not in text
