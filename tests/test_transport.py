"""The send path, against aioresponses: error mapping, retries, idempotency, waits, redirects."""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from uuid import UUID

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from aioresponses import aioresponses
from aioresponses.core import RequestCall
from support import API_KEY, BASE_URL, ENV_ID, FakeSleep, action_json, url
from yarl import URL

from oec_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    Client,
    ConcurrentActionError,
    ConflictError,
    EnvironmentNotRunningError,
    EnvironmentNotStoppedError,
    FieldError,
    InternalServerError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    RateLimits,
    RateLimitSnapshot,
    ResponseValidationError,
    RetryScheduled,
    TaskInProgressError,
    Timeouts,
    UnprocessableEntityError,
    listening,
)
from oec_async._events import TransportEvent

ENV_PATH = f"/environments/{ENV_ID}"
DEPLOY_PATH = f"/environments/{ENV_ID}/deploy"
MINUTE_BOUNDARY = 60.0 * 16_666_667  # a Unix time that is a whole minute
TASK_IN_PROGRESS = "00000000-0000-4000-8000-0000000000aa"
ENV_JSON = {"id": ENV_ID, "name": "staging", "status": "running"}


def calls(mocked: aioresponses, method: str, path: str) -> list[RequestCall]:
    """Every recorded request of ``method`` to ``path`` (any query), in order."""
    wanted = URL(url(path)).path
    return [
        call
        for (m, u), recorded in mocked.requests.items()
        if m == method and u.path == wanted
        for call in recorded
    ]


def header(call: RequestCall, name: str) -> str | None:
    headers: dict[str, str] = call.kwargs["headers"]
    return headers.get(name)


async def send(client: Client, method: str, path: str, **options: Any) -> Any:
    """One call through the client's send loop; the decoded body."""
    response = await client._request(method, path, route=path, **options)
    return response.json()


def connector_error() -> aiohttp.ClientConnectorError:
    key = ConnectionKey("api.test.invalid", 443, True, True, None, None, None)
    return aiohttp.ClientConnectorError(key, OSError(111, "Connection refused"))


# --- error answers ---------------------------------------------------------------------------

ERROR_CASES: list[tuple[int, dict[str, Any], type[APIStatusError], str | None, str]] = [
    (
        400,
        {"error": "validation_error", "message": "bad json"},
        BadRequestError,
        "validation_error",
        "bad json",
    ),
    (
        401,
        {"detail": {"error": "invalid_key", "message": "Invalid API key."}},
        AuthenticationError,
        "invalid_key",
        "Invalid API key.",
    ),
    (
        401,
        {"detail": {"error": "key_expired", "message": "expired"}},
        AuthenticationError,
        "key_expired",
        "expired",
    ),
    (
        402,
        {
            "detail": {
                "reason": "subscription_blocked",
                "subscription_status": "past_due",
                "message": "pay",
            }
        },
        PaymentRequiredError,
        "subscription_blocked",
        "pay",
    ),
    (
        403,
        {"detail": {"error": "read_only_key", "message": "read only"}},
        PermissionDeniedError,
        "read_only_key",
        "read only",
    ),
    (
        404,
        {"detail": {"error": "not_found", "message": "Resource not found."}},
        NotFoundError,
        "not_found",
        "Resource not found.",
    ),
    (404, {"detail": "Not Found"}, NotFoundError, None, "Not Found"),
    (
        409,
        {"detail": {"error": "task_in_progress", "message": "busy", "task_id": TASK_IN_PROGRESS}},
        TaskInProgressError,
        "task_in_progress",
        "busy",
    ),
    (
        409,
        {"detail": {"error": "environment_not_running", "message": "stopped"}},
        EnvironmentNotRunningError,
        "environment_not_running",
        "stopped",
    ),
    (
        409,
        {"detail": {"error": "environment_not_stopped", "message": "running"}},
        EnvironmentNotStoppedError,
        "environment_not_stopped",
        "running",
    ),
    (
        409,
        {"error": "idempotency_in_flight", "message": "same key in flight"},
        ConflictError,
        "idempotency_in_flight",
        "same key in flight",
    ),
    (
        422,
        {"detail": [{"loc": ["query", "limit"], "msg": "too big", "type": "less_than_equal"}]},
        UnprocessableEntityError,
        "validation_error",
        "request validation failed",
    ),
    (
        429,
        {
            "detail": {
                "error": "target_rate_limit",
                "message": "At most 6 a minute",
                "retry_after": 42,
            }
        },
        RateLimitError,
        "target_rate_limit",
        "At most 6 a minute",
    ),
    (
        500,
        {"error": "internal_error", "message": "oops"},
        InternalServerError,
        "internal_error",
        "oops",
    ),
    (
        502,
        {"detail": {"error": "server_unreachable", "message": "cannot reach"}},
        InternalServerError,
        "server_unreachable",
        "cannot reach",
    ),
    (
        503,
        {"detail": {"error": "enqueue_failed", "message": "queue down"}},
        InternalServerError,
        "enqueue_failed",
        "queue down",
    ),
    (
        504,
        {"detail": {"error": "docker_timeout", "message": "slow"}},
        InternalServerError,
        "docker_timeout",
        "slow",
    ),
]


@pytest.mark.parametrize(
    ("status", "body", "cls", "code", "message"),
    ERROR_CASES,
    ids=[f"{c[0]}-{c[3]}" for c in ERROR_CASES],
)
async def test_each_error_status_maps_to_its_class_with_every_detail(
    client: Client,
    mocked: aioresponses,
    status: int,
    body: dict[str, Any],
    cls: type[APIStatusError],
    code: str | None,
    message: str,
) -> None:
    mocked.post(
        url(DEPLOY_PATH),
        status=status,
        payload=body,
        headers={"X-Request-ID": "req-42"},
        repeat=True,
    )
    with pytest.raises(APIStatusError) as caught:
        await client.environments.deploy(ENV_ID)
    error = caught.value
    assert type(error) is cls
    assert error.status == status
    assert error.code == code
    assert error.message == message
    assert error.request_id == "req-42"
    assert error.method == "POST"
    assert error.path == DEPLOY_PATH


async def test_validation_errors_carry_their_field_errors(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(
        url(ENV_PATH),
        status=422,
        payload={
            "detail": [{"loc": ["path", "env_id"], "msg": "bad uuid", "type": "uuid_parsing"}]
        },
    )
    with pytest.raises(UnprocessableEntityError) as caught:
        await client.environments.get(ENV_ID)
    assert caught.value.field_errors == (FieldError("path.env_id", "bad uuid", "uuid_parsing"),)


async def test_a_task_in_progress_error_names_the_running_task(
    client: Client, mocked: aioresponses
) -> None:
    mocked.post(
        url(DEPLOY_PATH),
        status=409,
        payload={
            "detail": {"error": "task_in_progress", "message": "busy", "task_id": TASK_IN_PROGRESS}
        },
    )
    with pytest.raises(TaskInProgressError) as caught:
        await client.environments.deploy(ENV_ID)
    assert caught.value.task_id == UUID(TASK_IN_PROGRESS)


async def test_a_status_error_without_a_request_id_has_none(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), status=404, payload={"detail": "Not Found"})
    with pytest.raises(NotFoundError) as caught:
        await client.environments.get(ENV_ID)
    assert caught.value.request_id is None


async def test_an_html_502_page_after_retries_is_an_internal_server_error_with_an_excerpt(
    client: Client, mocked: aioresponses
) -> None:
    html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    mocked.get(url(ENV_PATH), status=502, body=html, content_type="text/html", repeat=True)
    with pytest.raises(InternalServerError) as caught:
        await client.environments.get(ENV_ID)
    assert caught.value.status == 502
    assert "502 Bad Gateway" in caught.value.message
    assert len(calls(mocked, "GET", ENV_PATH)) == 4  # the first try and 3 retries


# --- retries and idempotency -----------------------------------------------------------------


async def test_retries_of_an_action_reuse_the_same_idempotency_key(
    client: Client, mocked: aioresponses
) -> None:
    mocked.post(
        url(DEPLOY_PATH),
        status=503,
        payload={"detail": {"error": "enqueue_failed", "message": "x"}},
    )
    mocked.post(url(DEPLOY_PATH), status=500, body="")
    mocked.post(url(DEPLOY_PATH), status=202, payload=action_json())
    await client.environments.deploy(ENV_ID)
    sent = calls(mocked, "POST", DEPLOY_PATH)
    keys = [header(call, "Idempotency-Key") for call in sent]
    assert len(keys) == 3
    assert keys[0]
    assert len(set(keys)) == 1


async def test_each_logical_action_gets_its_own_idempotency_key(
    client: Client, mocked: aioresponses
) -> None:
    mocked.post(url(DEPLOY_PATH), status=202, payload=action_json(), repeat=True)
    await client.environments.deploy(ENV_ID)
    await client.environments.deploy(ENV_ID)
    first, second = (header(c, "Idempotency-Key") for c in calls(mocked, "POST", DEPLOY_PATH))
    assert first != second


async def test_a_caller_supplied_idempotency_key_is_sent_on_every_attempt(
    client: Client, mocked: aioresponses
) -> None:
    mocked.post(url(DEPLOY_PATH), status=502, body="")
    mocked.post(url(DEPLOY_PATH), status=202, payload=action_json())
    await client.environments.deploy(ENV_ID, idempotency_key="release-2026-10-01")
    keys = [header(c, "Idempotency-Key") for c in calls(mocked, "POST", DEPLOY_PATH)]
    assert keys == ["release-2026-10-01", "release-2026-10-01"]


async def test_actions_do_not_send_the_create_idempotency_header(
    client: Client, mocked: aioresponses
) -> None:
    mocked.post(url(DEPLOY_PATH), status=202, payload=action_json())
    await client.environments.deploy(ENV_ID)
    (call,) = calls(mocked, "POST", DEPLOY_PATH)
    assert header(call, "X-Idempotency-Key") is None


async def test_creates_carry_the_x_idempotency_key_header_reused_across_retries(
    client: Client, mocked: aioresponses
) -> None:
    path = "/projects/00000000-0000-4000-8000-000000000003/environments"
    mocked.post(url(path), status=503, body="")
    mocked.post(url(path), status=201, payload=ENV_JSON)
    await send(client, "POST", path, json={"name": "x"}, idempotency_header="X-Idempotency-Key")
    keys = [header(c, "X-Idempotency-Key") for c in calls(mocked, "POST", path)]
    assert len(keys) == 2
    assert keys[0] is not None
    assert keys[0] == keys[1]


async def test_a_409_concurrent_action_is_retried(client: Client, mocked: aioresponses) -> None:
    mocked.post(
        url(DEPLOY_PATH),
        status=409,
        payload={"detail": {"error": "concurrent_action", "message": "locked"}},
    )
    mocked.post(url(DEPLOY_PATH), status=202, payload=action_json())
    action = await client.environments.deploy(ENV_ID)
    assert str(action.task_id) == action_json()["task_id"]


async def test_a_409_concurrent_action_that_persists_raises_concurrent_action_error(
    client: Client, mocked: aioresponses
) -> None:
    mocked.post(
        url(DEPLOY_PATH),
        status=409,
        payload={"detail": {"error": "concurrent_action", "message": "locked"}},
        repeat=True,
    )
    with pytest.raises(ConcurrentActionError):
        await client.environments.deploy(ENV_ID)
    assert len(calls(mocked, "POST", DEPLOY_PATH)) == 4


async def test_retries_follow_the_backoff_policy(
    client: Client, mocked: aioresponses, fake_sleep: FakeSleep
) -> None:
    mocked.get(url(ENV_PATH), status=500, body="", repeat=True)
    with pytest.raises(InternalServerError):
        await client.environments.get(ENV_ID)
    # conftest policy: initial 0.01, x2, cap 0.05, jitter 0.5
    assert len(fake_sleep.calls) == 3
    for attempt, delay in enumerate(fake_sleep.calls):
        assert min(0.05, 0.01 * 2**attempt) * 0.5 <= delay <= min(0.05, 0.01 * 2**attempt)


async def test_max_retries_per_call_overrides_the_client(
    client: Client, mocked: aioresponses
) -> None:
    mocked.post(url(DEPLOY_PATH), status=503, body="", repeat=True)
    with pytest.raises(InternalServerError):
        await client.environments.deploy(ENV_ID, max_retries=1)
    assert len(calls(mocked, "POST", DEPLOY_PATH)) == 2


async def test_max_retries_zero_sends_once(client: Client, mocked: aioresponses) -> None:
    mocked.post(url(DEPLOY_PATH), status=503, body="", repeat=True)
    with pytest.raises(InternalServerError):
        await client.environments.deploy(ENV_ID, max_retries=0)
    assert len(calls(mocked, "POST", DEPLOY_PATH)) == 1


async def test_a_client_built_with_an_int_retry_uses_it_as_max_retries(
    mocked: aioresponses, fake_sleep: FakeSleep
) -> None:
    mocked.get(url(ENV_PATH), status=500, body="", repeat=True)
    async with Client(API_KEY, base_url=BASE_URL, retry=1, sleep=fake_sleep) as client:
        with pytest.raises(InternalServerError):
            await client.environments.get(ENV_ID)
    assert len(calls(mocked, "GET", ENV_PATH)) == 2


async def test_every_retry_is_reported_as_an_event(client: Client, mocked: aioresponses) -> None:
    mocked.post(
        url(DEPLOY_PATH),
        status=503,
        payload={"detail": {"error": "enqueue_failed", "message": "x"}},
    )
    mocked.post(url(DEPLOY_PATH), status=202, payload=action_json())
    events: list[TransportEvent] = []
    with listening(lambda e: events.append(e) if isinstance(e, RetryScheduled) else None):
        await client.environments.deploy(ENV_ID)
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, RetryScheduled)
    assert (event.method, event.path, event.attempt, event.reason) == (
        "POST",
        DEPLOY_PATH,
        1,
        "503 enqueue_failed",
    )


async def test_retries_are_logged_at_info(
    client: Client, mocked: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    mocked.get(url(ENV_PATH), status=502, body="")
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    with caplog.at_level(logging.INFO, logger="oec_async"):
        await client.environments.get(ENV_ID)
    assert any(
        r.levelno == logging.INFO and "retrying GET" in r.getMessage() and "502" in r.getMessage()
        for r in caplog.records
    )


# --- server-requested waits ------------------------------------------------------------------


async def test_retry_after_on_a_503_is_slept_before_the_retry(
    client: Client, mocked: aioresponses, fake_sleep: FakeSleep
) -> None:
    mocked.get(url(ENV_PATH), status=503, body="", headers={"Retry-After": "7"})
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    await client.environments.get(ENV_ID)
    assert fake_sleep.calls == [7.0]


async def test_a_429_retry_after_pauses_the_bucket_for_that_long(
    client: Client, mocked: aioresponses, fake_sleep: FakeSleep
) -> None:
    mocked.post(
        url(DEPLOY_PATH),
        status=429,
        payload={"error": "rate_limit_exceeded", "message": "slow down", "retry_after": 23},
        headers={
            "Retry-After": "23",
            "X-RateLimit-Limit": "20",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Window": "60",
        },
    )
    mocked.post(url(DEPLOY_PATH), status=202, payload=action_json())
    await client.environments.deploy(ENV_ID)
    assert fake_sleep.calls == [23.0]
    assert len(calls(mocked, "POST", DEPLOY_PATH)) == 2


async def test_a_429_pause_holds_other_requests_of_the_bucket_too(
    client: Client, mocked: aioresponses, fake_sleep: FakeSleep
) -> None:
    mocked.post(
        url(DEPLOY_PATH),
        status=429,
        payload={"error": "rate_limit_exceeded", "message": "x"},
        headers={"Retry-After": "23"},
    )
    mocked.post(url(DEPLOY_PATH), status=202, payload=action_json(), repeat=True)
    await client.environments.deploy(ENV_ID)
    assert client.governor.paused_for("write") == 0.0
    client.governor.pause("write", 5.0)
    await client.environments.deploy(ENV_ID)
    assert fake_sleep.calls == [23.0, 5.0]


async def test_a_retry_after_over_max_retry_after_is_raised_not_slept(
    client: Client, mocked: aioresponses, fake_sleep: FakeSleep
) -> None:
    mocked.get(
        url(ENV_PATH),
        status=429,
        payload={"error": "rate_limit_exceeded", "message": "x"},
        headers={"Retry-After": "3600"},
        repeat=True,
    )
    with pytest.raises(RateLimitError) as caught:
        await client.environments.get(ENV_ID)
    assert caught.value.retry_after == 3600.0
    assert "over max_retry_after" in str(caught.value)
    assert fake_sleep.calls == []
    assert len(calls(mocked, "GET", ENV_PATH)) == 1


async def test_a_target_rate_limit_is_surfaced_with_its_retry_after(
    client: Client, mocked: aioresponses, fake_sleep: FakeSleep
) -> None:
    path = f"/environments/{ENV_ID}/runtime-logs"
    mocked.get(
        url(path),
        status=429,
        payload={
            "detail": {"error": "target_rate_limit", "message": "At most 6 ...", "retry_after": 42}
        },
        repeat=True,
    )
    with pytest.raises(RateLimitError) as caught:
        await send(client, "GET", path)
    assert caught.value.retry_after == 42.0
    assert fake_sleep.calls == []
    assert client.governor.paused_for("read") == 0.0


async def test_a_429_that_persists_raises_rate_limit_error_with_retry_after(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(
        url(ENV_PATH),
        status=429,
        payload={"error": "rate_limit_exceeded", "message": "x", "retry_after": 2},
        repeat=True,
    )
    with pytest.raises(RateLimitError) as caught:
        await client.environments.get(ENV_ID)
    assert caught.value.retry_after == 2.0
    assert len(calls(mocked, "GET", ENV_PATH)) == 4


# --- connection failures ---------------------------------------------------------------------


async def test_a_dropped_connection_is_retried_for_a_get(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), exception=aiohttp.ServerDisconnectedError())
    mocked.get(url(ENV_PATH), exception=aiohttp.ClientOSError(104, "Connection reset by peer"))
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    env = await client.environments.get(ENV_ID)
    assert env.name == "staging"
    assert len(calls(mocked, "GET", ENV_PATH)) == 3


async def test_a_dropped_connection_is_retried_for_a_keyed_post_with_the_same_key(
    client: Client, mocked: aioresponses
) -> None:
    mocked.post(url(DEPLOY_PATH), exception=aiohttp.ServerDisconnectedError())
    mocked.post(url(DEPLOY_PATH), status=202, payload=action_json())
    await client.environments.deploy(ENV_ID)
    keys = {header(c, "Idempotency-Key") for c in calls(mocked, "POST", DEPLOY_PATH)}
    assert len(keys) == 1


async def test_connection_errors_after_retries_wrap_aiohttps_error(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), exception=connector_error(), repeat=True)
    with pytest.raises(APIConnectionError, match=f"GET {ENV_PATH}: cannot connect") as caught:
        await client.environments.get(ENV_ID)
    assert not caught.value.may_have_reached_server
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)
    assert not isinstance(caught.value, aiohttp.ClientError)
    assert len(calls(mocked, "GET", ENV_PATH)) == 4


async def test_a_timeout_is_retried_then_raised_as_api_timeout_error(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), exception=TimeoutError(), repeat=True)
    with pytest.raises(APITimeoutError, match=f"GET {ENV_PATH}: timed out") as caught:
        await client.environments.get(ENV_ID)
    assert isinstance(caught.value.__cause__, TimeoutError)
    assert len(calls(mocked, "GET", ENV_PATH)) == 4


async def test_a_timeout_then_success_returns_the_answer(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), timeout=True)
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    assert (await client.environments.get(ENV_ID)).name == "staging"


async def test_a_connect_timeout_cannot_have_reached_the_server(
    client: Client, mocked: aioresponses
) -> None:
    path = f"/environments/{ENV_ID}/backups"
    mocked.post(url(path), exception=aiohttp.ConnectionTimeoutError())
    mocked.post(url(path), status=202, payload=action_json())
    await send(client, "POST", path)
    assert len(calls(mocked, "POST", path)) == 2


async def test_a_per_call_timeout_is_passed_to_aiohttp(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    await client.environments.get(ENV_ID, timeout=5)
    (call,) = calls(mocked, "GET", ENV_PATH)
    assert call.kwargs["timeout"] == aiohttp.ClientTimeout(total=5, connect=10.0)


async def test_a_per_call_timeouts_object_is_passed_to_aiohttp(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    await client.environments.get(ENV_ID, timeout=Timeouts(connect=1, total=2))
    (call,) = calls(mocked, "GET", ENV_PATH)
    assert call.kwargs["timeout"] == aiohttp.ClientTimeout(total=2, connect=1)


async def test_the_client_timeouts_are_the_default(mocked: aioresponses) -> None:
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    async with Client(API_KEY, base_url=BASE_URL, timeout=Timeouts(connect=3, total=4)) as client:
        await client.environments.get(ENV_ID)
    (call,) = calls(mocked, "GET", ENV_PATH)
    assert call.kwargs["timeout"] == aiohttp.ClientTimeout(total=4, connect=3)


@pytest.mark.parametrize("bad", [0, -1, float("nan")])
async def test_a_bad_per_call_timeout_is_refused_before_sending(
    client: Client, mocked: aioresponses, bad: float
) -> None:
    with pytest.raises(ValueError, match="total must be"):
        await client.environments.get(ENV_ID, timeout=bad)
    assert mocked.requests == {}


# --- bodies that are not the expected JSON ---------------------------------------------------


async def test_a_200_with_an_html_page_is_a_response_validation_error_and_not_retried(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(
        url(ENV_PATH),
        status=200,
        body="<html><body>Captive portal login</body></html>",
        content_type="text/html",
        repeat=True,
    )
    with pytest.raises(ResponseValidationError) as caught:
        await client.environments.get(ENV_ID)
    assert caught.value.status == 200
    assert caught.value.path == ENV_PATH
    assert "Captive portal login" in caught.value.excerpt
    assert "Captive portal login" in str(caught.value)
    assert len(calls(mocked, "GET", ENV_PATH)) == 1


async def test_truncated_json_is_a_response_validation_error(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), status=200, body='{"id": "' + ENV_ID + '", "na')
    with pytest.raises(ResponseValidationError, match="expected a JSON body") as caught:
        await client.environments.get(ENV_ID)
    assert '{"id"' in caught.value.excerpt


async def test_an_empty_body_is_none(client: Client, mocked: aioresponses) -> None:
    mocked.delete(url(ENV_PATH), status=204, body="")
    assert await send(client, "DELETE", ENV_PATH) is None


# --- redirects and other origins -------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_is_not_followed(
    client: Client, mocked: aioresponses, status: int
) -> None:
    mocked.get(
        url(ENV_PATH), status=status, headers={"Location": "https://elsewhere.invalid/steal"}
    )
    with pytest.raises(APIStatusError) as caught:
        await client.environments.get(ENV_ID)
    assert caught.value.status == status
    assert caught.value.code == "unexpected_redirect"
    assert "https://elsewhere.invalid/steal" in str(caught.value)
    assert [u for (_, u) in mocked.requests] == [URL(url(ENV_PATH))]
    (call,) = calls(mocked, "GET", ENV_PATH)
    assert call.kwargs["allow_redirects"] is False


# --- rate-limit headers ----------------------------------------------------------------------


async def test_the_last_rate_limit_headers_are_readable(
    client: Client, mocked: aioresponses
) -> None:
    assert client.rate_limit is None
    mocked.get(
        url(ENV_PATH),
        payload=ENV_JSON,
        headers={
            "X-RateLimit-Limit": "120",
            "X-RateLimit-Remaining": "87",
            "X-RateLimit-Window": "60",
        },
    )
    await client.environments.get(ENV_ID)
    assert client.rate_limit == RateLimitSnapshot(
        limit=120, remaining=87, window=60.0, bucket="read"
    )


async def test_a_response_without_rate_limit_headers_keeps_the_last_snapshot(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(
        url(ENV_PATH),
        payload=ENV_JSON,
        headers={"X-RateLimit-Limit": "120", "X-RateLimit-Remaining": "5"},
    )
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    await client.environments.get(ENV_ID)
    await client.environments.get(ENV_ID)
    assert client.rate_limit is not None
    assert client.rate_limit.remaining == 5


async def test_rate_limit_headers_correct_the_governors_budget(mocked: aioresponses) -> None:
    mocked.post(
        url(DEPLOY_PATH),
        status=202,
        payload=action_json(),
        headers={"X-RateLimit-Limit": "7", "X-RateLimit-Remaining": "6"},
    )
    async with Client(API_KEY, base_url=BASE_URL, rate_limits=RateLimits()) as client:
        await client.environments.deploy(ENV_ID)
        assert client.governor.bucket_limit("write") == 7
        assert client.governor.bucket_limit("read") == 120
        assert client.rate_limit is not None
        assert client.rate_limit.bucket == "write"


# --- requests as sent ------------------------------------------------------------------------


async def test_query_parameters_are_sent(client: Client, mocked: aioresponses) -> None:
    path = "/projects/00000000-0000-4000-8000-000000000003/environments"
    mocked.get(re.compile(re.escape(url(path)) + r"\?.*"), payload=[])
    await send(client, "GET", path, params={"status": "running"})
    (call,) = calls(mocked, "GET", path)
    assert call.kwargs["params"] == {"status": "running"}


async def test_a_json_body_is_sent_as_json(client: Client, mocked: aioresponses) -> None:
    mocked.post(url(DEPLOY_PATH), status=202, payload=action_json())
    await client.environments.deploy(ENV_ID, update_modules=["sale_custom"])
    (call,) = calls(mocked, "POST", DEPLOY_PATH)
    assert call.kwargs["headers"]["Content-Type"] == "application/json"
    assert json.loads(call.kwargs["data"]) == {"update_modules": ["sale_custom"]}


async def test_every_request_is_logged_at_debug_with_its_status(
    client: Client, mocked: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    with caplog.at_level(logging.DEBUG, logger="oec_async"):
        await client.environments.get(ENV_ID)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(m.startswith(f"GET {ENV_PATH} -> 200 in ") for m in messages)


async def test_requests_are_paced_to_the_write_budget(
    mocked: aioresponses, fake_sleep: FakeSleep
) -> None:
    mocked.post(url(DEPLOY_PATH), status=202, payload=action_json(), repeat=True)
    limits = RateLimits(writes_per_window=2, window=60.0, safety_margin=0.0)
    async with Client(
        API_KEY,
        base_url=BASE_URL,
        rate_limits=limits,
        clock=fake_sleep.monotonic,
        sleep=fake_sleep,
    ) as client:
        for _ in range(3):
            await client.environments.deploy(ENV_ID)
    assert fake_sleep.calls == [60.0]
    assert len(calls(mocked, "POST", DEPLOY_PATH)) == 3


async def test_a_request_is_counted_against_the_budget_from_when_its_answer_arrives(
    mocked: aioresponses, fake_sleep: FakeSleep
) -> None:
    def five_seconds_in_flight(*_: object, **__: object) -> None:
        fake_sleep.now += 5.0  # the server sees the request some time before this answer

    mocked.post(
        url(DEPLOY_PATH),
        status=202,
        payload=action_json(),
        callback=five_seconds_in_flight,
        repeat=True,
    )
    limits = RateLimits(writes_per_window=1, window=60.0, safety_margin=0.0)
    async with Client(
        API_KEY,
        base_url=BASE_URL,
        rate_limits=limits,
        clock=fake_sleep.monotonic,
        sleep=fake_sleep,
    ) as client:
        await client.environments.deploy(ENV_ID)  # slot taken at 1000, answered at 1005
        await client.environments.deploy(ENV_ID)
    assert fake_sleep.calls == [60.0]  # a window after the answer, not 55 s
