"""The bad-input catalogue: bad arguments and bad server answers, each with its exact error.

One row per case: what goes wrong, the exact exception class, and a fragment of the message that
names the problem. Argument errors must fail before any request is sent; bad answers come from
aioresponses (nothing leaves the machine). A row whose class is ``None`` must be tolerated.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final

import attrs
import pytest
from aiohttp import web
from aioresponses import aioresponses
from hardening_support import (
    API_KEY,
    BASE_URL,
    ENV_ID,
    PROJECT_ID,
    TASK_ID,
    Answer,
    FakeSleep,
    ScriptedServer,
)

from oec_async import (
    ActionResult,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    Client,
    ClientClosedError,
    ConcurrentActionError,
    EnvironmentNotRunningError,
    EnvironmentNotStoppedError,
    InternalServerError,
    NotFoundError,
    PaginationError,
    PaymentRequiredError,
    PermissionDeniedError,
    PollPolicy,
    RateLimitError,
    RateLimits,
    ResponseValidationError,
    RetryPolicy,
    TaskInProgressError,
    UnprocessableEntityError,
    UnsafeRequestError,
)

NOW: Final = 1_790_000_000.0
ENV_URL: Final = f"{BASE_URL}/environments/{ENV_ID}"
TASK_URL: Final = f"{BASE_URL}/deployments/{TASK_ID}"
DEPLOY_URL: Final = f"{ENV_URL}/deploy"
LIST_URL: Final = f"{ENV_URL}/deployments?limit=20"


@attrs.frozen
class Env:
    """What a case runs against: an open client with instant sleeps, and the mock."""

    client: Client
    mocked: aioresponses
    sleep: FakeSleep


Run = Callable[[Env], Awaitable[object]]


@attrs.frozen
class Case:
    """One row of the catalogue."""

    id: str
    run: Run
    error: type[BaseException] | None
    fragment: str
    sends_request: bool = True
    check: Callable[[Any], None] | None = None


def _client(**options: Any) -> Client:
    return Client(API_KEY, base_url=BASE_URL, **options)


def _construct(**options: Any) -> Run:
    async def run(_: Env) -> object:
        return Client(**{"api_key": API_KEY, "base_url": BASE_URL, **options})

    return run


def _answer(
    url: str,
    status: int,
    body: object,
    *,
    headers: dict[str, str] | None = None,
    method: str = "GET",
) -> Callable[[aioresponses], None]:
    raw = body if isinstance(body, bytes | str) else json.dumps(body)

    def register(mocked: aioresponses) -> None:
        mocked.add(url, method=method, status=status, body=raw, headers=headers, repeat=True)

    return register


def _get_env_answering(status: int, body: object, **kw: Any) -> Run:
    async def run(env: Env) -> object:
        _answer(ENV_URL, status, body, **kw)(env.mocked)
        return await env.client.environments.get(ENV_ID)

    return run


def _json(body: object) -> bytes:
    return json.dumps(body).encode()


def _served_for_real(status: int, body: bytes, content_type: str = "application/json") -> Run:
    """A big answer from a real server on 127.0.0.1 (aioresponses cannot stream megabytes)."""

    async def run(env: Env) -> object:
        async def handler(_: web.Request) -> Answer:
            return web.Response(status=status, body=body, content_type=content_type)

        env.mocked.stop()
        try:
            async with (
                ScriptedServer(handler).running() as server,
                Client(API_KEY, base_url=server.url + "/api/public/v1", retry=0) as client,
            ):
                return await client.environments.get(ENV_ID)
        finally:
            env.mocked.start()

    return run


def _get_task_answering(status: int, body: object, **kw: Any) -> Run:
    async def run(env: Env) -> object:
        _answer(TASK_URL, status, body, **kw)(env.mocked)
        return await env.client.deployments.get(TASK_ID)

    return run


def _deploy_answering(status: int, body: object, **kw: Any) -> Run:
    async def run(env: Env) -> object:
        _answer(DEPLOY_URL, status, body, method="POST", **kw)(env.mocked)
        return await env.client.environments.deploy(ENV_ID)

    return run


def _call(make: Callable[[Env], Awaitable[object]]) -> Run:
    return make


def _detail(code: str, message: str, **extra: object) -> dict[str, object]:
    """Shape 1 of oec-api.md 3.1: ``{"detail": {"error", "message", ...}}``."""
    return {"detail": {"error": code, "message": message, **extra}}


def _top(code: str, message: str, **details: object) -> dict[str, object]:
    """Shape 5: top-level ``{"error", "message", "details"}``."""
    return {"error": code, "message": message, "details": details}


TASK_BODY: Final = {"id": TASK_ID, "status": "running", "progress_percent": 10}
HTML_502: Final = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


async def _repeating_cursor(env: Env) -> object:
    page = {"data": [TASK_BODY], "pagination": {"has_more": True, "next_cursor": "again"}}
    _answer(LIST_URL, 200, page)(env.mocked)
    _answer(f"{LIST_URL}&cursor=again", 200, page)(env.mocked)
    return [d async for d in env.client.deployments.list(ENV_ID)]


async def _poll_url_elsewhere(env: Env) -> object:
    return env.client._require_transport().resolve(
        "https://evil.example/api/public/v1/deployments/x"
    )


async def _protocol_relative_poll_url(env: Env) -> object:
    return env.client._require_transport().resolve("//evil.example/api/public/v1/deployments/x")


async def _poll_url_lookalike_host(env: Env) -> object:
    return env.client._require_transport().resolve(
        "https://api.test.invalid.evil.example/api/public/v1/deployments/x"
    )


async def _action_with_foreign_poll_url(env: Env) -> object:
    # The SDK follows a task by its id on the configured origin, never by the poll_url it was
    # given: aioresponses would fail the test on any request to evil.example.
    _answer(TASK_URL, 200, TASK_BODY)(env.mocked)
    action = ActionResult(task_id=TASK_ID, poll_url="https://evil.example/steal")  # type: ignore[arg-type]
    return await env.client.deployments.get(action)


async def _pause_of_a_day(env: Env) -> object:
    # After a 429 asking for a day, the next write fails at once instead of sleeping, or
    # earning another 429: only the first call reaches the server.
    headers = {"Retry-After": "86400"}
    body = _detail("rate_limit_exceeded", "Daily quota")
    _answer(DEPLOY_URL, 429, body, method="POST", headers=headers)(env.mocked)
    with pytest.raises(RateLimitError, match="asks to wait 86400s"):
        await env.client.environments.deploy(ENV_ID)
    try:
        return await env.client.environments.restart(ENV_ID)
    finally:
        assert sum(len(calls) for calls in env.mocked.requests.values()) == 1


async def _budget_reset_of_a_day(env: Env) -> object:
    # X-RateLimit-Reset beyond the window is bounded by the window: pacing, never a day's sleep.
    headers = {"X-RateLimit-Limit": "1", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "86400"}
    _answer(f"{ENV_URL}/restart", 202, {"task_id": TASK_ID}, method="POST", headers=headers)(
        env.mocked
    )
    await env.client.environments.restart(ENV_ID)
    return await env.client.environments.restart(ENV_ID)


async def _closed_client(_: Env) -> object:
    client = _client()
    async with client:
        pass
    return await client.environments.get(ENV_ID)


async def _unopened_client(_: Env) -> object:
    return await _client().environments.get(ENV_ID)


async def _reopened_client(_: Env) -> object:
    client = _client()
    async with client:
        pass
    async with client:
        return None


def _unknown_status_kept(result: Any) -> None:
    assert result.status == "being_cloned_by_aliens"
    assert not result.status.is_known
    assert not result.is_terminal


def _no_sleep_over_a_window(env: Env) -> None:
    # The documented window is 60 s; pacing adds its small safety margin.
    assert all(s <= 61 for s in env.sleep.calls)


CATALOGUE: Final[list[Case]] = [
    # --- arguments: refused before any request ------------------------------------------------
    Case(
        "non-uuid environment id",
        _call(lambda e: e.client.environments.get("prod-1")),
        ValueError,
        "environment_id must be a UUID, got 'prod-1'",
        sends_request=False,
    ),
    Case(
        "non-uuid task id",
        _call(lambda e: e.client.deployments.get("12345")),
        ValueError,
        "task_id must be a UUID, got '12345'",
        sends_request=False,
    ),
    Case(
        "non-uuid project id",
        _call(lambda e: e.client.environments.list("../../org").collect()),
        ValueError,
        "project_id must be a UUID",
        sends_request=False,
    ),
    Case(
        "id of the wrong type",
        _call(lambda e: e.client.environments.get(42)),  # type: ignore[arg-type]
        TypeError,
        "environment_id must be a UUID, a UUID string or an Environment, got int",
        sends_request=False,
    ),
    Case(
        "limit 0",
        _call(lambda e: e.client.deployments.list(ENV_ID, limit=0).collect()),
        ValueError,
        "limit must be within 1..100, got 0",
        sends_request=False,
    ),
    Case(
        "limit 101",
        _call(lambda e: e.client.deployments.list(ENV_ID, limit=101).collect()),
        ValueError,
        "limit must be within 1..100, got 101",
        sends_request=False,
    ),
    Case(
        "limit True",
        _call(lambda e: e.client.deployments.list(ENV_ID, limit=True).collect()),
        TypeError,
        "limit must be an integer, got bool",
        sends_request=False,
    ),
    Case(
        "negative max_items",
        _call(lambda e: e.client.deployments.list(ENV_ID, max_items=-1).collect()),
        ValueError,
        "max_items must be within >= 0, got -1",
        sends_request=False,
    ),
    Case(
        "cursor of the wrong type",
        _call(lambda e: e.client.deployments.list(ENV_ID, cursor=7).collect()),  # type: ignore[arg-type]
        TypeError,
        "cursor must be a string, got int",
        sends_request=False,
    ),
    Case(
        "negative wait timeout",
        _call(lambda e: e.client.deployments.wait(TASK_ID, timeout=-1)),
        ValueError,
        "timeout must be a finite number of seconds > 0, got -1",
        sends_request=False,
    ),
    Case(
        "NaN wait timeout",
        _call(lambda e: e.client.deployments.wait(TASK_ID, timeout=float("nan"))),
        ValueError,
        "timeout must be a finite number of seconds > 0, got nan",
        sends_request=False,
    ),
    Case(
        "negative per-call timeout",
        _call(lambda e: e.client.environments.get(ENV_ID, timeout=-5)),
        ValueError,
        "total must be a finite number >= 0, got -5",
        sends_request=False,
    ),
    Case(
        "negative client timeout",
        _construct(timeout=-1),
        ValueError,
        "total must be a finite number >= 0, got -1",
        sends_request=False,
    ),
    Case(
        "negative max_retries",
        _construct(retry=-1),
        ValueError,
        "'max_retries' must be >= 0: -1",
        sends_request=False,
    ),
    Case(
        "retry=True",
        _construct(retry=True),
        TypeError,
        "retry must be a RetryPolicy or an int",
        sends_request=False,
    ),
    Case(
        "connection_limit 0",
        _construct(connection_limit=0),
        ValueError,
        "connection_limit must be an integer >= 1, got 0",
        sends_request=False,
    ),
    Case("empty key", _construct(api_key=""), ValueError, "api_key is empty", sends_request=False),
    Case(
        "blank key", _construct(api_key="   "), ValueError, "api_key is empty", sends_request=False
    ),
    Case(
        "key with a space inside",
        _construct(api_key="oec_live_rw_ab cd"),
        ValueError,
        "api_key must not contain whitespace",
        sends_request=False,
    ),
    Case(
        "key of the wrong type",
        _construct(api_key=b"oec_live_rw_x"),
        TypeError,
        "api_key must be a string, got bytes",
        sends_request=False,
    ),
    Case(
        "base URL without scheme",
        _construct(base_url="api.oec.sh/api/public/v1"),
        ValueError,
        "base_url must be an http(s) URL",
        sends_request=False,
    ),
    Case(
        "base URL with another scheme",
        _construct(base_url="ftp://api.oec.sh/api/public/v1"),
        ValueError,
        "base_url must be an http(s) URL",
        sends_request=False,
    ),
    Case(
        "plain http to a remote host",
        _construct(base_url="http://api.oec.sh/api/public/v1"),
        ValueError,
        "plain http to a non-loopback host",
        sends_request=False,
    ),
    Case(
        "base URL with credentials",
        _construct(base_url="https://user:pw@api.oec.sh/v1"),
        ValueError,
        "must not carry credentials",
        sends_request=False,
    ),
    Case(
        "ssl of the wrong type",
        _construct(ssl="no"),
        TypeError,
        "ssl must be a bool or an ssl.SSLContext, got str",
        sends_request=False,
    ),
    Case(
        "empty idempotency key",
        _call(lambda e: e.client.environments.deploy(ENV_ID, idempotency_key="")),
        ValueError,
        "idempotency_key must be 1..255 characters long, got 0",
        sends_request=False,
    ),
    Case(
        "bad module name",
        _call(lambda e: e.client.environments.deploy(ENV_ID, update_modules=["Sale-Mgmt"])),
        ValueError,
        "invalid module name 'Sale-Mgmt'",
        sends_request=False,
    ),
    Case(
        "modules as one string",
        _call(lambda e: e.client.environments.deploy(ENV_ID, update_modules="sale")),
        TypeError,
        "must be a list of module names, not a single string",
        sends_request=False,
    ),
    Case(
        "closed client",
        _closed_client,
        ClientClosedError,
        "the client is closed",
        sends_request=False,
    ),
    Case(
        "unopened client",
        _unopened_client,
        ClientClosedError,
        "the client is not open",
        sends_request=False,
    ),
    Case(
        "reopened client",
        _reopened_client,
        ClientClosedError,
        "cannot be reopened",
        sends_request=False,
    ),
    # --- bodies that are not what we expect ----------------------------------------------------
    Case(
        "HTML 502 page (after retries)",
        _get_env_answering(502, HTML_502, headers={"Content-Type": "text/html"}),
        InternalServerError,
        "non-JSON body: '<html><head><title>502 Bad Gateway",
    ),
    Case(
        "HTML page with 200",
        _get_env_answering(200, HTML_502),
        ResponseValidationError,
        "expected a JSON body, got '<html>",
    ),
    Case(
        "truncated JSON",
        _get_task_answering(200, '{"id": "' + TASK_ID + '", "status": "runn'),
        ResponseValidationError,
        "expected a JSON body",
    ),
    Case(
        "empty 200 body",
        _get_task_answering(200, b""),
        ResponseValidationError,
        "expected a JSON object for Deployment @ $, got null",
    ),
    Case(
        "JSON array for an object",
        _get_env_answering(200, [{"id": ENV_ID}]),
        ResponseValidationError,
        "expected a JSON object for Environment @ $, got array",
    ),
    Case(
        "object for a list",
        _call(
            lambda e: (
                _answer(f"{BASE_URL}/projects/{PROJECT_ID}/environments", 200, {"id": ENV_ID})(
                    e.mocked
                ),
                e.client.environments.list(PROJECT_ID).collect(),
            )[1]
        ),
        ResponseValidationError,
        "does not match",
    ),
    Case(
        "list envelope without data",
        _call(
            lambda e: (
                _answer(LIST_URL, 200, {"items": []})(e.mocked),
                e.client.deployments.list(ENV_ID).collect(),
            )[1]
        ),
        ResponseValidationError,
        "expected a JSON object with a 'data' array",
    ),
    Case(
        "wrong field type (string progress)",
        _get_task_answering(200, {**TASK_BODY, "progress_percent": "ten"}),
        ResponseValidationError,
        "expected a number, got string @ $.progress_percent",
    ),
    Case(
        "wrong field type (bool as string)",
        _get_env_answering(200, {"id": ENV_ID, "custom_domain_verified": "false"}),
        ResponseValidationError,
        "expected a boolean, got string @ $.custom_domain_verified",
    ),
    Case(
        "string where an object belongs",
        _call(
            lambda e: (
                _answer(f"{ENV_URL}/status", 200, {"last_deploy": "yesterday"})(e.mocked),
                e.client.environments.status(ENV_ID),
            )[1]
        ),
        ResponseValidationError,
        "expected a JSON object, got string @ $.last_deploy",
    ),
    Case(
        "bad timestamp",
        _get_task_answering(200, {**TASK_BODY, "started_at": "last tuesday"}),
        ResponseValidationError,
        "not an ISO 8601 timestamp: 'last tuesday' @ $.started_at",
    ),
    Case(
        "missing required id",
        _get_task_answering(200, {"status": "running"}),
        ResponseValidationError,
        "required field missing @ $.id",
    ),
    Case(
        "non-uuid id from the server",
        _get_task_answering(200, {"id": "task-1"}),
        ResponseValidationError,
        "not a UUID: 'task-1' @ $.id",
    ),
    Case(
        "unknown status value (tolerated)",
        _get_task_answering(200, {**TASK_BODY, "status": "being_cloned_by_aliens"}),
        None,
        "",
        check=_unknown_status_kept,
    ),
    Case(
        "extra fields (tolerated)",
        _get_task_answering(200, {**TASK_BODY, "new_field": {"x": [1]}}),
        None,
        "",
    ),
    Case(
        "2 MB error body",
        _served_for_real(400, _json({"error": "validation_error", "message": "x" * 2_000_000})),
        BadRequestError,
        "... (2000000 chars)",
    ),
    Case(
        "2 MB HTML error body",
        _served_for_real(500, b"<p>" + b"y" * 2_000_000, "text/html"),
        InternalServerError,
        "yyy...'",
    ),
    Case(
        "huge list of field errors",
        _served_for_real(
            422,
            _json(
                {
                    "detail": [
                        {"loc": ["query", f"f{i}"], "msg": "bad", "type": "t"} for i in range(2_000)
                    ]
                }
            ),
        ),
        UnprocessableEntityError,
        "(+45 more field errors)",
    ),
    # --- the key goes nowhere but the configured origin ----------------------------------------
    Case(
        "poll_url on another host",
        _poll_url_elsewhere,
        UnsafeRequestError,
        "refusing to send the API key to 'https://evil.example/",
        sends_request=False,
    ),
    Case(
        "protocol-relative poll_url",
        _protocol_relative_poll_url,
        UnsafeRequestError,
        "not on the configured origin https://api.test.invalid",
        sends_request=False,
    ),
    Case(
        "poll_url on a look-alike host",
        _poll_url_lookalike_host,
        UnsafeRequestError,
        "refusing to send the API key",
        sends_request=False,
    ),
    Case("ActionResult with a foreign poll_url", _action_with_foreign_poll_url, None, ""),
    Case(
        "redirect",
        _get_env_answering(302, b"", headers={"Location": "https://evil.example/login"}),
        APIStatusError,
        "unexpected redirect to 'https://evil.example/login': the API never redirects",
    ),
    Case(
        "permanent redirect on a POST",
        _deploy_answering(308, b"", headers={"Location": "http://127.0.0.1:9/x"}),
        APIStatusError,
        "not following it with the key",
    ),
    # --- pagination and rate limits ------------------------------------------------------------
    Case(
        "cursor that repeats",
        _repeating_cursor,
        PaginationError,
        "the server sent cursor 'again' twice",
    ),
    Case(
        "Retry-After of a day on 429",
        _get_env_answering(
            429, _detail("rate_limit_exceeded", "slow down"), headers={"Retry-After": "86400"}
        ),
        RateLimitError,
        "the server asks to wait 86400s, over max_retry_after; not waiting",
        check=None,
    ),
    Case(
        "Retry-After date a day ahead on 503",
        _get_env_answering(
            503,
            _detail("enqueue_failed", "queue full"),
            headers={"Retry-After": "Tue, 22 Sep 2026 14:13:20 GMT"},
        ),
        InternalServerError,
        "over max_retry_after; not waiting",
    ),
    Case(
        "body retry_after of a day",
        _get_env_answering(
            429, {"error": "rate_limit_exceeded", "message": "m", "retry_after": 86400}
        ),
        RateLimitError,
        "asks to wait 86400s",
    ),
    Case(
        "next write after a 429 of a day",
        _pause_of_a_day,
        RateLimitError,
        "the write rate limit is paused for another 86400s",
    ),
    Case("X-RateLimit-Reset of a day (bounded)", _budget_reset_of_a_day, None, ""),
    # --- every documented error code (oec-api.md 3.1) ------------------------------------------
    Case(
        "401 missing_auth",
        _get_env_answering(401, _detail("missing_auth", "Missing API key")),
        AuthenticationError,
        "-> 401 missing_auth: Missing API key",
    ),
    Case(
        "401 invalid_key_format",
        _get_env_answering(401, _top("invalid_key_format", "Malformed key")),
        AuthenticationError,
        "401 invalid_key_format: Malformed key",
    ),
    Case(
        "401 invalid_key",
        _get_env_answering(401, _detail("invalid_key", "Invalid, revoked or inactive API key.")),
        AuthenticationError,
        "401 invalid_key",
    ),
    Case(
        "401 key_expired",
        _get_env_answering(401, _detail("key_expired", "The key expired")),
        AuthenticationError,
        "401 key_expired",
    ),
    Case(
        "402 subscription_blocked",
        _get_env_answering(
            402,
            {
                "detail": {
                    "reason": "subscription_blocked",
                    "subscription_status": "past_due",
                    "message": "Pay up",
                }
            },
        ),
        PaymentRequiredError,
        "402 subscription_blocked: Pay up",
    ),
    Case(
        "403 read_only_key",
        _deploy_answering(403, _detail("read_only_key", "This API key is read-only")),
        PermissionDeniedError,
        "403 read_only_key",
    ),
    Case(
        "403 plan_feature_required",
        _get_env_answering(403, _detail("plan_feature_required", "Upgrade", required_plan="pro")),
        PermissionDeniedError,
        "403 plan_feature_required: Upgrade",
    ),
    Case(
        "403 project_scoped_key",
        _get_env_answering(403, _detail("project_scoped_key", "Other project")),
        PermissionDeniedError,
        "403 project_scoped_key",
    ),
    Case(
        "403 org_scope_required",
        _get_env_answering(403, _top("org_scope_required", "Org key needed")),
        PermissionDeniedError,
        "403 org_scope_required",
    ),
    Case(
        "404 not_found",
        _get_env_answering(404, _detail("not_found", "Resource not found.")),
        NotFoundError,
        "404 not_found: Resource not found.",
    ),
    Case(
        "404 plain detail string",
        _get_env_answering(404, {"detail": "Backup not found"}),
        NotFoundError,
        "-> 404: Backup not found",
    ),
    Case(
        "409 task_in_progress",
        _deploy_answering(409, _detail("task_in_progress", "A task is running", task_id=TASK_ID)),
        TaskInProgressError,
        "409 task_in_progress: A task is running",
        check=None,
    ),
    Case(
        "409 concurrent_action (after retries)",
        _deploy_answering(409, _detail("concurrent_action", "Try again")),
        ConcurrentActionError,
        "409 concurrent_action",
    ),
    Case(
        "409 environment_not_running",
        _deploy_answering(409, _top("environment_not_running", "Environment is stopped")),
        EnvironmentNotRunningError,
        "409 environment_not_running",
    ),
    Case(
        "409 environment_not_stopped",
        _call(
            lambda e: (
                _answer(
                    f"{ENV_URL}/start",
                    409,
                    _detail("environment_not_stopped", "Already running"),
                    method="POST",
                )(e.mocked),
                e.client.environments.start(ENV_ID),
            )[1]
        ),
        EnvironmentNotStoppedError,
        "409 environment_not_stopped",
    ),
    Case(
        "400 validation_error",
        _deploy_answering(
            400,
            {
                "error": "validation_error",
                "message": "Invalid body",
                "detail": [{"field": "update_modules", "message": "must be a list"}],
            },
        ),
        BadRequestError,
        "400 validation_error: Invalid body; update_modules: must be a list",
    ),
    Case(
        "422 FastAPI validation",
        _get_env_answering(
            422,
            {
                "detail": [
                    {
                        "loc": ["query", "limit"],
                        "msg": "Input should be less than or equal to 100",
                        "type": "less_than_equal",
                    }
                ]
            },
        ),
        UnprocessableEntityError,
        "query.limit: Input should be less than or equal to 100",
    ),
    Case(
        "429 rate_limit_exceeded (after retries)",
        _get_env_answering(
            429,
            _detail("rate_limit_exceeded", "Rate limit exceeded", retry_after=1),
            headers={"Retry-After": "1"},
        ),
        RateLimitError,
        "429 rate_limit_exceeded: Rate limit exceeded",
    ),
    Case(
        "429 webhook_mutation_rate_limit",
        _get_env_answering(
            429, _detail("webhook_mutation_rate_limit", "Too many webhook changes", retry_after=30)
        ),
        RateLimitError,
        "429 webhook_mutation_rate_limit",
    ),
    Case(
        "429 target_rate_limit",
        _get_env_answering(429, _detail("target_rate_limit", "6 per minute", retry_after=40)),
        RateLimitError,
        "429 target_rate_limit: 6 per minute",
    ),
    Case(
        "429 ip_blocked",
        _get_env_answering(429, _detail("ip_blocked", "Blocked for 15 minutes")),
        RateLimitError,
        "429 ip_blocked",
    ),
    Case(
        "500 internal error",
        _get_env_answering(500, _top("internal_error", "Boom")),
        InternalServerError,
        "500 internal_error: Boom",
    ),
    Case(
        "502 server_unreachable",
        _get_env_answering(502, _detail("server_unreachable", "Customer server unreachable")),
        InternalServerError,
        "502 server_unreachable",
    ),
    Case(
        "502 metrics_unavailable",
        _get_env_answering(502, _detail("metrics_unavailable", "No metrics")),
        InternalServerError,
        "502 metrics_unavailable",
    ),
    Case(
        "503 enqueue_failed",
        _deploy_answering(
            503, _detail("enqueue_failed", "Queue unavailable"), headers={"Retry-After": "2"}
        ),
        InternalServerError,
        "503 enqueue_failed: Queue unavailable",
    ),
    Case(
        "504 docker_timeout",
        _get_env_answering(504, _detail("docker_timeout", "Docker timed out")),
        InternalServerError,
        "504 docker_timeout",
    ),
]


@pytest.fixture
async def env(mocked: aioresponses) -> AsyncIterator[Env]:
    sleep = FakeSleep()
    async with _client(
        retry=RetryPolicy(max_retries=2, initial_backoff=0.0, jitter=0.0),
        poll=PollPolicy(initial_interval=0.0, max_interval=0.0, jitter=0.0),
        rate_limits=RateLimits(),
    ) as client:
        transport = client._require_transport()
        transport._sleep = sleep
        transport._wall_clock = lambda: NOW
        client.governor._sleep = sleep
        client.governor._clock = sleep.monotonic
        yield Env(client, mocked, sleep)


def test_the_catalogue_is_complete() -> None:
    assert len(CATALOGUE) >= 30
    assert len({case.id for case in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("case", CATALOGUE, ids=[case.id for case in CATALOGUE])
async def test_bad_input(case: Case, env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OEC_API_KEY", raising=False)
    monkeypatch.delenv("OEC_BASE_URL", raising=False)
    if case.error is None:
        result = await case.run(env)
        if case.check is not None:
            case.check(result)
    else:
        with pytest.raises(case.error) as caught:
            await case.run(env)
        assert type(caught.value) is case.error, f"got {type(caught.value).__name__}"
        message = str(caught.value)
        assert case.fragment in message
        assert API_KEY not in message
        assert len(message) < 2_000, "a message must stay readable"
    if not case.sends_request:
        assert env.mocked.requests == {}
    _no_sleep_over_a_window(env)
