"""Security: where the key may go, TLS verification, and the key never shown.

Two real servers on 127.0.0.1 on different ports stand for "the API" and "somewhere else": a
different port is a different origin, so anything that reaches the second one is a leak.

The TLS files in ``tls/`` are a test CA and a server certificate for ``127.0.0.1``/``localhost``
(valid until 2126), made once with::

    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 36500 \\
        -subj "/CN=oec-async test CA" -addext "basicConstraints=critical,CA:TRUE"
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost"
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -out server.pem -days 36500 \\
        -extfile <(printf "subjectAltName=IP:127.0.0.1,DNS:localhost")
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import traceback
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Final

import aiohttp
import pytest
from aiohttp import web
from hardening_support import (
    API_KEY,
    ENV_ID,
    PROJECT_ID,
    TASK_ID,
    Answer,
    FakeSleep,
    ScriptedServer,
    fast_client,
    json_answer,
    silent,
)

from oec_async import (
    APIConnectionError,
    APIStatusError,
    Client,
    RetryPolicy,
)

TLS: Final = Path(__file__).parent / "tls"
PREFIX: Final = "/api/public/v1"


def _server_tls() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS / "server.pem", TLS / "server.key")
    return context


def _trusting_test_ca() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(TLS / "ca.pem"))


async def _nothing(_: web.Request) -> Answer:
    return json_answer({"detail": {"error": "not_found", "message": "nope"}}, 404)


@pytest.fixture
async def elsewhere() -> AsyncIterator[ScriptedServer]:
    """Another origin: every request it receives is a leak."""
    async with ScriptedServer(_nothing).running() as server:
        yield server


class MiniApi:
    """Just enough of the API for one environment's deploy, watched by a client or a fleet.

    Every action answer carries a ``poll_url`` on ``foreign`` (as a hostile or misconfigured
    proxy might); a ``redirect_to`` makes every answer a redirect there instead.
    """

    def __init__(self, foreign: str, redirect_to: str | None = None) -> None:
        self.foreign = foreign
        self.redirect_to = redirect_to

    async def __call__(self, request: web.Request) -> Answer:
        if self.redirect_to is not None:
            raise web.HTTPTemporaryRedirect(self.redirect_to + request.path_qs)
        path = request.path.removeprefix(PREFIX)
        env = {"id": ENV_ID, "project_id": PROJECT_ID, "status": "running", "name": "e"}
        if request.method == "POST" and path == f"/environments/{ENV_ID}/deploy":
            return json_answer(
                {
                    "task_id": TASK_ID,
                    "status": "queued",
                    "environment_id": ENV_ID,
                    "poll_url": f"{self.foreign}{PREFIX}/deployments/{TASK_ID}",
                },
                202,
            )
        if path == f"/deployments/{TASK_ID}":
            return json_answer({"id": TASK_ID, "status": "completed", "environment_id": ENV_ID})
        if path == f"/environments/{ENV_ID}":
            return json_answer(env)
        if path == f"/projects/{PROJECT_ID}/environments":
            return json_answer([env])
        return await _nothing(request)


async def test_a_foreign_poll_url_is_never_followed_by_wait_or_the_fleet(
    elsewhere: ScriptedServer,
) -> None:
    api = ScriptedServer(MiniApi(elsewhere.url))
    async with api.running(), fast_client(api.url + PREFIX, **silent(FakeSleep())) as client:
        action = await client.environments.deploy(ENV_ID)
        assert action.poll_url is not None
        assert action.poll_url.startswith(elsewhere.url)
        final = await client.deployments.wait(action, timeout=5)
        report = await client.fleet.deploy([ENV_ID], max_parallel=1, timeout=10)
    assert final.succeeded
    assert report.ok, report.summary()
    assert elsewhere.seen == []
    assert api.seen, "the API itself was used"


@pytest.mark.parametrize("borrowed", [False, True], ids=["own session", "borrowed session"])
async def test_a_redirect_is_not_followed_and_the_key_stays_home(
    elsewhere: ScriptedServer, borrowed: bool
) -> None:
    api = ScriptedServer(MiniApi(elsewhere.url, redirect_to=elsewhere.url))
    async with api.running(), aiohttp.ClientSession() as session:
        options: dict[str, Any] = {"session": session} if borrowed else {}
        async with fast_client(api.url + PREFIX, **options) as client:
            with pytest.raises(APIStatusError, match="unexpected redirect") as caught:
                await client.environments.get(ENV_ID)
            with pytest.raises(APIStatusError, match="not following it with the key"):
                await client.environments.deploy(ENV_ID)
    assert caught.value.status == 307
    assert caught.value.code == "unexpected_redirect"
    assert elsewhere.seen == []
    assert len(api.seen) == 2, "a redirect is an answer, not something to retry"


async def test_the_key_travels_only_in_the_authorization_header() -> None:
    seen_bodies: list[bytes] = []

    async def record(request: web.Request) -> Answer:
        seen_bodies.append(await request.read())
        return await MiniApi("http://unused.invalid")(request)

    api = ScriptedServer(record)
    async with api.running(), fast_client(api.url + PREFIX) as client:
        await client.environments.get(ENV_ID)
        await client.environments.deploy(ENV_ID, update_modules=["sale"])
    for (_, path_qs, headers), body in zip(api.seen, seen_bodies, strict=True):
        assert headers["Authorization"] == f"Bearer {API_KEY}"
        others = {k: v for k, v in headers.items() if k != "Authorization"}
        assert API_KEY not in repr(others)
        assert API_KEY not in path_qs
        assert API_KEY.encode() not in body


# --- plain http ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        "http://api.oec.sh/api/public/v1",
        "http://10.0.0.5:8080/api/public/v1",
        "http://localhost.evil.example/api",
        "http://127.0.0.1.nip.io/api",
        "http://0.0.0.0:8080/api",
        "HTTP://API.OEC.SH/api",
    ],
)
def test_plain_http_to_a_remote_host_is_refused(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="plain http to a non-loopback host"):
        Client(API_KEY, base_url=base_url)
    monkeypatch.setenv("OEC_BASE_URL", base_url)
    with pytest.raises(ValueError, match="allow_insecure_http=True"):
        Client(API_KEY)


def test_plain_http_to_a_remote_host_needs_an_explicit_opt_in() -> None:
    client = Client(
        API_KEY, base_url="http://10.0.0.5:8080/api/public/v1", allow_insecure_http=True
    )
    assert client.base_url == "http://10.0.0.5:8080/api/public/v1"


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8765/api/public/v1",
        "http://127.8.9.10/api",
        "http://localhost:8765/api",
        "http://[::1]:8765/api",
    ],
)
def test_plain_http_to_loopback_is_allowed(base_url: str) -> None:
    assert Client(API_KEY, base_url=base_url).base_url == base_url


# --- TLS -----------------------------------------------------------------------------------


@pytest.fixture
async def tls_api() -> AsyncIterator[ScriptedServer]:
    """The mini API over TLS with a certificate from the test CA (unknown to the system).

    A client that refuses the certificate hangs up mid-handshake, and asyncio reports that on
    the server's side ("Error on transport creation for incoming connection"): expected here,
    so those reports (and only those) are kept from the loop's default handler.
    """
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if str(context.get("message", "")).startswith("Error on transport creation"):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    try:
        async with ScriptedServer(MiniApi("https://unused.invalid")).running(
            ssl_context=_server_tls(), host="localhost"
        ) as server:
            yield server
    finally:
        loop.set_exception_handler(previous)


async def test_tls_verification_is_on_by_default(tls_api: ScriptedServer) -> None:
    async with Client(API_KEY, base_url=tls_api.url + PREFIX, retry=0) as client:
        with pytest.raises(APIConnectionError, match="certificate verify failed") as caught:
            await client.environments.get(ENV_ID)
    assert caught.value.may_have_reached_server is False
    assert tls_api.seen == [], "no request (and no key) went to an unverified server"


async def test_a_custom_ssl_context_reaches_aiohttp(tls_api: ScriptedServer) -> None:
    async with Client(API_KEY, base_url=tls_api.url + PREFIX, ssl=_trusting_test_ca()) as client:
        env = await client.environments.get(ENV_ID)
    assert str(env.id) == ENV_ID
    assert len(tls_api.seen) == 1


async def test_a_custom_ssl_context_also_applies_to_a_borrowed_session(
    tls_api: ScriptedServer,
) -> None:
    async with aiohttp.ClientSession() as session:
        async with Client(
            API_KEY, base_url=tls_api.url + PREFIX, session=session, ssl=_trusting_test_ca()
        ) as client:
            await client.environments.get(ENV_ID)
        async with Client(
            API_KEY, base_url=tls_api.url + PREFIX, session=session, retry=0
        ) as client:
            with pytest.raises(APIConnectionError, match="certificate verify failed"):
                await client.environments.get(ENV_ID)
    assert len(tls_api.seen) == 1


async def test_a_context_that_does_not_trust_the_server_is_honoured(
    tls_api: ScriptedServer,
) -> None:
    strict = ssl.create_default_context()  # system CAs only: the test CA is not among them
    async with Client(API_KEY, base_url=tls_api.url + PREFIX, ssl=strict, retry=0) as client:
        with pytest.raises(APIConnectionError, match="certificate verify failed"):
            await client.environments.get(ENV_ID)
    assert tls_api.seen == []


async def test_verification_can_be_switched_off_explicitly(tls_api: ScriptedServer) -> None:
    async with Client(API_KEY, base_url=tls_api.url + PREFIX, ssl=False) as client:
        await client.environments.get(ENV_ID)
    assert len(tls_api.seen) == 1


# --- the key is never shown ----------------------------------------------------------------


async def test_no_log_record_or_error_of_a_bad_day_contains_the_key(
    caplog: pytest.LogCaptureFixture, elsewhere: ScriptedServer
) -> None:
    answers = iter(
        [
            web.Response(status=502, text=f"<html>upstream said {API_KEY}</html>"),
            None,  # dropped
            json_answer({"detail": {"error": API_KEY, "message": f"bad key {API_KEY}"}}, 401),
            json_answer({"id": API_KEY}),
            web.Response(status=302, headers={"Location": f"{elsewhere.url}/?key={API_KEY}"}),
            json_answer({"detail": [{"loc": [API_KEY], "msg": API_KEY}]}, 422),
        ]
    )

    async def handler(request: web.Request) -> Answer:
        for answer in answers:
            return answer
        return await _nothing(request)

    errors: list[BaseException] = []
    caplog.set_level(logging.DEBUG)
    api = ScriptedServer(handler)
    async with (
        api.running(),
        fast_client(
            api.url + PREFIX, retry=RetryPolicy(max_retries=1, initial_backoff=0.0)
        ) as client,
    ):
        for _ in range(6):
            try:
                await client.environments.get(ENV_ID)
            except Exception as error:
                errors.append(error)
        shown_client = repr(client)
    assert len(errors) >= 6  # every call failed (aiohttp may re-send a dropped GET itself)
    assert API_KEY not in shown_client
    for failure in errors:
        assert API_KEY not in "".join(traceback.format_exception(failure))
        chain: BaseException | None = failure
        while chain is not None:
            assert API_KEY not in str(chain)
            assert API_KEY not in repr(chain)
            # What a traceback would print: the cause, or the context unless suppressed.
            chain = chain.__cause__ or (None if chain.__suppress_context__ else chain.__context__)
    for record in caplog.records:
        assert API_KEY not in record.getMessage()
    assert elsewhere.seen == []
