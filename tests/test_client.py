"""The Client: configuration, session lifecycle, headers, and never leaking the API key."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from urllib.parse import quote

import aiohttp
import pytest
from aioresponses import aioresponses
from support import API_KEY, BASE_URL, ENV_ID, TASK_ID, FakeSleep, FakeTime, action_json, url
from yarl import URL

from oec_async import (
    DEFAULT_BASE_URL,
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    Client,
    ClientClosedError,
    Event,
    OECError,
    PollPolicy,
    RateLimitError,
    RateLimits,
    RateLimitWait,
    ResponseValidationError,
    RetryPolicy,
    Timeouts,
    __version__,
)

ENV_PATH = f"/environments/{ENV_ID}"
ENV_JSON = {"id": ENV_ID, "name": "staging"}
PLAIN_KEY = "plain-test-secret-0123456789abcdef"
ACTION_JSON = action_json()


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OEC_API_KEY", raising=False)
    monkeypatch.delenv("OEC_BASE_URL", raising=False)


# --- lifecycle -------------------------------------------------------------------------------


def test_creating_a_client_does_no_io_and_needs_no_loop() -> None:
    client = Client(API_KEY, base_url=BASE_URL)
    assert client._shared.session is None
    assert not client.is_open


async def test_the_session_is_created_on_enter_and_closed_on_exit() -> None:
    client = Client(API_KEY, base_url=BASE_URL)
    async with client:
        session = client._shared.session
        assert isinstance(session, aiohttp.ClientSession)
        open_inside = not session.closed
        assert client.is_open
    assert open_inside
    assert session.closed
    assert not client.is_open


async def test_the_session_is_closed_when_the_block_raises() -> None:
    client = Client(API_KEY, base_url=BASE_URL)
    sessions: list[aiohttp.ClientSession | None] = []

    async def fail_inside() -> None:
        async with client:
            sessions.append(client._shared.session)
            raise KeyError("boom")

    with pytest.raises(KeyError):
        await fail_inside()
    (session,) = sessions
    assert session is not None
    assert session.closed


async def test_a_borrowed_session_is_used_and_never_closed(mocked: aioresponses) -> None:
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    async with aiohttp.ClientSession() as session:
        async with Client(API_KEY, base_url=BASE_URL, session=session) as client:
            assert client._shared.session is None  # nothing of ours to close
            await client.environments.get(ENV_ID)
        assert not session.closed


async def test_a_closed_borrowed_session_is_refused_on_enter() -> None:
    session = aiohttp.ClientSession()
    await session.close()
    with pytest.raises(ClientClosedError, match="session= is closed"):
        async with Client(API_KEY, base_url=BASE_URL, session=session):
            pass


async def test_using_an_unopened_client_raises_client_closed_error(mocked: aioresponses) -> None:
    client = Client(API_KEY, base_url=BASE_URL)
    with pytest.raises(ClientClosedError, match="not open: use 'async with"):
        await client.environments.get(ENV_ID)
    assert mocked.requests == {}


async def test_using_a_closed_client_raises_client_closed_error(mocked: aioresponses) -> None:
    async with Client(API_KEY, base_url=BASE_URL) as client:
        pass
    with pytest.raises(ClientClosedError, match="closed"):
        await client.deployments.get(TASK_ID)
    assert mocked.requests == {}


async def test_a_list_built_before_closing_fails_cleanly_when_iterated_after() -> None:
    async with Client(API_KEY, base_url=BASE_URL) as client:
        listing = client.deployments.list(ENV_ID)
    with pytest.raises(ClientClosedError):
        await listing


async def test_a_closed_client_cannot_be_reopened() -> None:
    client = Client(API_KEY, base_url=BASE_URL)
    async with client:
        pass
    with pytest.raises(ClientClosedError, match="cannot be reopened"):
        await client.__aenter__()


async def test_an_open_client_cannot_be_entered_twice() -> None:
    async with Client(API_KEY, base_url=BASE_URL) as client:
        with pytest.raises(ClientClosedError, match="already open"):
            await client.__aenter__()


async def test_aclose_is_idempotent() -> None:
    client = Client(API_KEY, base_url=BASE_URL)
    await client.__aenter__()
    await client.aclose()
    await client.aclose()
    assert not client.is_open


async def test_a_client_closed_before_it_was_opened_cannot_be_opened() -> None:
    client = Client(API_KEY, base_url=BASE_URL)
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await client.__aenter__()


def test_client_closed_error_is_an_oec_error() -> None:
    assert issubclass(ClientClosedError, OECError)


# --- configuration from arguments and the environment ----------------------------------------


def test_the_key_and_base_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OEC_API_KEY", API_KEY)
    monkeypatch.setenv("OEC_BASE_URL", "https://staging.oec.invalid/api/public/v1")
    client = Client()
    assert client.base_url == "https://staging.oec.invalid/api/public/v1"
    assert client._api_key == API_KEY


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OEC_API_KEY", "oec_live_ro_from_env")
    monkeypatch.setenv("OEC_BASE_URL", "https://env.oec.invalid")
    client = Client(API_KEY, base_url=BASE_URL)
    assert client.base_url == BASE_URL
    assert client._api_key == API_KEY


def test_the_default_base_url_is_the_public_api() -> None:
    assert Client(API_KEY).base_url == DEFAULT_BASE_URL


def test_an_empty_oec_base_url_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OEC_BASE_URL", "")
    assert Client(API_KEY).base_url == DEFAULT_BASE_URL


def test_a_trailing_slash_on_the_base_url_is_dropped() -> None:
    assert Client(API_KEY, base_url=BASE_URL + "/").base_url == BASE_URL


def test_a_missing_key_is_a_value_error_naming_both_sources() -> None:
    with pytest.raises(ValueError, match=r"pass api_key=\.\.\. or set OEC_API_KEY"):
        Client()


@pytest.mark.parametrize("key", ["", "   ", "\t\n"])
def test_an_empty_or_blank_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="api_key is empty"):
        Client(key)


def test_an_empty_key_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OEC_API_KEY", "")
    with pytest.raises(ValueError, match="api_key is empty"):
        Client()


@pytest.mark.parametrize("key", ["oec_live_rw_ab cd", "oec\nlive"])
def test_a_key_with_whitespace_inside_is_refused_without_echoing_it(key: str) -> None:
    with pytest.raises(ValueError, match="must not contain whitespace") as caught:
        Client(key)
    assert key not in str(caught.value)


def test_surrounding_whitespace_of_a_key_is_stripped() -> None:
    assert Client(f"  {API_KEY}\n")._api_key == API_KEY


def test_a_non_string_key_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="api_key must be a string"):
        Client(123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "base_url",
    [
        "",
        "api.oec.sh/api/public/v1",
        "ftp://api.oec.sh",
        "https://",
        "file:///etc/passwd",
        "https//api.oec.sh",
    ],
)
def test_a_base_url_that_is_not_http_is_refused(base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url must be an http"):
        Client(API_KEY, base_url=base_url)


@pytest.mark.parametrize(
    "base_url",
    ["https://user:pw@api.oec.sh", "https://api.oec.sh/v1?x=1", "https://api.oec.sh/v1#frag"],
)
def test_a_base_url_with_credentials_query_or_fragment_is_refused(base_url: str) -> None:
    with pytest.raises(ValueError, match="must not carry credentials, a query or a fragment"):
        Client(API_KEY, base_url=base_url)


@pytest.mark.parametrize(
    "template",
    [
        "https://user:{}@api.oec.sh/api",
        "https://api.oec.sh/api?api_key={}",
        "http://{}@evil.example",
    ],
)
@pytest.mark.parametrize("encode", [str, lambda key: quote(key, safe="")])
def test_a_refused_base_url_never_shows_the_key(
    template: str, encode: Callable[[str], str]
) -> None:
    key = "oec_live_rw_k3y+/=tail"
    with pytest.raises(ValueError, match="base_url") as caught:
        Client(key, base_url=template.format(encode(key)))
    message = str(caught.value)
    assert "k3y" not in message
    assert quote(key, safe="") not in message


@pytest.mark.parametrize("agent", ["bot/1\r\nX-Evil: 1", "bot/1\n", "bot\x00"])
def test_a_user_agent_with_control_characters_is_refused_before_anything_is_sent(
    agent: str,
) -> None:
    with pytest.raises(ValueError, match="the User-Agent header value must not contain control"):
        Client(API_KEY, base_url=BASE_URL, user_agent=agent)


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(ValueError, match="plain http to a non-loopback host"):
        Client(API_KEY, base_url="http://api.oec.sh/api/public/v1")


def test_plain_http_to_a_remote_host_is_allowed_when_asked() -> None:
    client = Client(API_KEY, base_url="http://10.0.0.5:8080", allow_insecure_http=True)
    assert client.base_url == "http://10.0.0.5:8080"


@pytest.mark.parametrize(
    "base_url",
    ["http://localhost:8080", "http://127.0.0.1:9", "http://[::1]:9/api", "http://LOCALHOST"],
)
def test_plain_http_to_loopback_is_allowed(base_url: str) -> None:
    assert Client(API_KEY, base_url=base_url).base_url == base_url


def test_a_non_string_base_url_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="base_url must be a string"):
        Client(API_KEY, base_url=b"https://api.oec.sh")  # type: ignore[arg-type]


def test_a_number_as_timeout_is_the_total_timeout() -> None:
    assert Client(API_KEY, timeout=12).timeouts == Timeouts(total=12)


def test_an_int_retry_is_max_retries() -> None:
    assert Client(API_KEY, retry=5).retry_policy == RetryPolicy(max_retries=5)


def test_a_bool_retry_is_refused() -> None:
    with pytest.raises(TypeError, match="retry must be a RetryPolicy or an int"):
        Client(API_KEY, retry=True)


def test_a_negative_int_retry_is_refused() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        Client(API_KEY, retry=-1)


def test_policies_are_kept() -> None:
    poll = PollPolicy(initial_interval=2)
    limits = RateLimits(writes_per_window=5)
    client = Client(API_KEY, poll=poll, rate_limits=limits)
    assert client.poll_policy is poll
    assert client.rate_limits is limits
    assert client.governor.bucket_limit("write") == 5


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_a_bad_connection_limit_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="connection_limit must be an integer >= 1"):
        Client(API_KEY, connection_limit=bad)  # type: ignore[arg-type]


def test_a_session_that_is_not_an_aiohttp_session_is_refused() -> None:
    with pytest.raises(TypeError, match=r"session must be an aiohttp\.ClientSession"):
        Client(API_KEY, session=object())  # type: ignore[arg-type]


def test_a_bad_ssl_argument_is_refused() -> None:
    with pytest.raises(TypeError, match=r"ssl must be a bool or an ssl\.SSLContext"):
        Client(API_KEY, ssl="yes")  # type: ignore[arg-type]


def test_lists_are_prefetched_unless_the_client_says_otherwise() -> None:
    assert Client(API_KEY).prefetch_pages is True
    assert Client(API_KEY, prefetch_pages=False).prefetch_pages is False


@pytest.mark.parametrize("bad", ["no", 0, None])
def test_a_prefetch_pages_that_is_not_a_bool_is_refused(bad: object) -> None:
    with pytest.raises(TypeError, match="prefetch_pages must be a bool"):
        Client(API_KEY, prefetch_pages=bad)  # type: ignore[arg-type]


async def test_the_connection_limit_reaches_the_connector() -> None:
    async with Client(API_KEY, connection_limit=7) as client:
        assert client._shared.session is not None
        connector = client._shared.session.connector
        assert isinstance(connector, aiohttp.TCPConnector)
        assert connector.limit == 7


# --- headers ---------------------------------------------------------------------------------


async def test_every_request_carries_auth_accept_and_user_agent(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    await client.environments.get(ENV_ID)
    ((_, calls),) = mocked.requests.items()
    headers = calls[0].kwargs["headers"]
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"].startswith(f"oec-async/{__version__}")


async def test_a_custom_user_agent_replaces_the_default(mocked: aioresponses) -> None:
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    async with Client(API_KEY, base_url=BASE_URL, user_agent="deploy-bot/2") as client:
        await client.environments.get(ENV_ID)
    ((_, calls),) = mocked.requests.items()
    assert calls[0].kwargs["headers"]["User-Agent"] == "deploy-bot/2"


def test_the_version_is_a_string() -> None:
    assert isinstance(__version__, str)
    assert __version__


# --- the API key never leaks -----------------------------------------------------------------


@pytest.mark.parametrize("key", [API_KEY, "oec_live_ro_" + "r" * 40, PLAIN_KEY])
def test_the_key_is_not_in_the_repr(key: str) -> None:
    client = Client(key, base_url=BASE_URL)
    assert key not in repr(client)
    assert key[-8:] not in repr(client)


def test_the_repr_shows_only_the_key_tier() -> None:
    assert "key=oec_live_rw_..." in repr(Client(API_KEY, base_url=BASE_URL))
    assert "key=***" in repr(Client(PLAIN_KEY, base_url=BASE_URL))


@pytest.mark.parametrize(
    ("key", "tier"),
    [("oec_live_rw_x", "full_access"), ("oec_live_ro_x", "read_only"), (PLAIN_KEY, None)],
)
def test_the_key_tier_is_read_from_its_prefix(key: str, tier: str | None) -> None:
    assert Client(key).key_tier == tier


async def leaky_failures(mocked: aioresponses, key: str, fake_sleep: FakeSleep) -> list[Exception]:
    """Run calls that fail in every way, each with the key echoed back by the server."""
    errors: list[Exception] = []
    mocked.get(
        url(ENV_PATH),
        status=401,
        payload={
            "detail": {"error": "invalid_key", "message": f"Invalid API key {key}.", "key": key}
        },
    )
    mocked.get(
        url(ENV_PATH),
        status=422,
        payload={
            "detail": [{"loc": ["header", "authorization"], "msg": f"bad {key}", "type": "x"}]
        },
    )
    mocked.get(url(ENV_PATH), status=502, body=f"<html>proxy saw Bearer {key}</html>", repeat=4)
    mocked.get(url(ENV_PATH), status=200, body=f"<html>login {key}</html>")
    mocked.get(url(ENV_PATH), status=200, payload={"id": key})
    mocked.get(url(ENV_PATH), status=200, payload={"id": ENV_ID, "name": ["x", key]})
    mocked.get(url(ENV_PATH), exception=aiohttp.ClientOSError(104, f"reset {key}"), repeat=4)
    async with Client(
        key,
        base_url=BASE_URL,
        retry=RetryPolicy(max_retries=3),
        clock=fake_sleep.monotonic,
        sleep=fake_sleep,
    ) as client:
        for _ in range(7):
            try:
                await client.environments.get(ENV_ID)
            except OECError as error:
                errors.append(error)
    return errors


@pytest.mark.parametrize("key", [API_KEY, PLAIN_KEY])
async def test_the_key_is_never_in_a_raised_exception(
    mocked: aioresponses, fake_sleep: FakeSleep, key: str
) -> None:
    errors = await leaky_failures(mocked, key, fake_sleep)
    assert [type(e) for e in errors][:4] == [
        AuthenticationError,
        type(errors[1]),
        type(errors[2]),
        ResponseValidationError,
    ]
    assert isinstance(errors[1], APIStatusError)
    assert isinstance(errors[-1], APIConnectionError)
    assert len(errors) == 7
    for error in errors:
        assert key not in str(error)
        assert key not in repr(error)
        assert all(key not in str(arg) for arg in error.args)
        if isinstance(error, APIStatusError):
            assert all(key not in f.message for f in error.field_errors)
            assert key not in repr(error.details)
        if isinstance(error, ResponseValidationError):
            assert key not in error.excerpt
        if not isinstance(error, APIConnectionError):
            # aiohttp's own exception stays as the cause of a connection error; the others
            # must not smuggle the key into a logged traceback through their cause.
            assert key not in "".join(traceback.format_exception(error))


@pytest.mark.parametrize("key", [API_KEY, PLAIN_KEY])
async def test_the_key_is_never_in_debug_logs_of_failing_calls(
    mocked: aioresponses, fake_sleep: FakeSleep, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="oec_async"):
        await leaky_failures(mocked, key, fake_sleep)
    assert caplog.records  # the failing calls were logged
    for record in caplog.records:
        assert key not in record.getMessage()
        assert key not in repr(record.args)


# --- views: with_options and prepaid slots ------------------------------------------------------


def paced(time_: FakeTime, **options: object) -> Client:
    """A client pacing 2 writes a minute on the fake clock."""
    limits = RateLimits(writes_per_window=2, reads_per_window=2, window=60.0, safety_margin=0.0)
    return Client(
        API_KEY,
        base_url=BASE_URL,
        rate_limits=limits,
        clock=time_.clock,
        sleep=time_.sleep,
        **options,  # type: ignore[arg-type]
    )


async def test_with_options_overrides_only_what_it_is_given(
    mocked: aioresponses, time_: FakeTime
) -> None:
    async with paced(time_, timeout=30) as client:
        view = client.with_options(timeout=5, retry=1)
        assert (view.timeouts.total, view.retry_policy.max_retries) == (5, 1)
        assert view.poll_policy is client.poll_policy
        assert (client.timeouts.total, client.retry_policy.max_retries) == (30, 3)
        mocked.get(url(ENV_PATH), payload=ENV_JSON)
        await view.environments.get(ENV_ID)
    (call,) = mocked.requests[("GET", URL(url(ENV_PATH)))]
    assert call.kwargs["timeout"].total == 5


async def test_a_view_shares_the_session_governor_and_lifecycle(time_: FakeTime) -> None:
    async with paced(time_) as client:
        view = client.with_options(timeout=5)
        assert view.governor is client.governor
        assert view._require_transport() is client._require_transport()
        assert view.environments is not client.environments
    assert not view.is_open


async def test_with_options_refuses_a_bad_poll_policy() -> None:
    with pytest.raises(TypeError, match="poll must be a PollPolicy"):
        Client(API_KEY).with_options(poll=5)  # type: ignore[arg-type]


async def test_a_prepaid_slot_is_spent_by_the_next_request_and_not_counted_twice(
    mocked: aioresponses, time_: FakeTime
) -> None:
    mocked.get(url(ENV_PATH), payload=ENV_JSON, repeat=True)
    async with paced(time_) as client:
        slot = await client.governor.acquire_slot("read")
        view = client._with_slot(slot)
        await view.environments.get(ENV_ID)
        assert client.governor.sent_in_window("read") == 1
        await view.environments.get(ENV_ID)  # the slot is spent: this one takes its own
        assert client.governor.sent_in_window("read") == 2
    assert time_.sleeps == []


async def test_a_prepaid_slot_still_waits_out_a_429_pause_that_began_after_it(
    mocked: aioresponses, time_: FakeTime
) -> None:
    # The fleet's poller buys a slot, then starts the poll; a 429 on another request lands in
    # between. The poll must not go out before the Retry-After elapsed.
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    async with paced(time_) as client:
        slot = await client.governor.acquire_slot("read")
        client.governor.pause("read", 1.0)
        events: list[Event] = []
        client.add_listener(events.append)
        await client._with_slot(slot).environments.get(ENV_ID)
        assert client.governor.sent_in_window("read") == 1
    assert time_.sleeps == [1.0]
    assert any(isinstance(e, RateLimitWait) and e.reason == "429" for e in events)


async def test_a_prepaid_slot_waits_out_a_pause_renewed_while_it_waited(
    mocked: aioresponses, time_: FakeTime
) -> None:
    # Another request's 429 lands while the slot waits out the first pause: wait that too.
    mocked.get(url(ENV_PATH), payload=ENV_JSON)
    clients: list[Client] = []
    clock_sleep = time_.sleep

    async def sleep_then_pause_again(seconds: float) -> None:
        await clock_sleep(seconds)
        if len(time_.sleeps) == 1:
            clients[0].governor.pause("read", 2.0)

    time_.sleep = sleep_then_pause_again  # type: ignore[method-assign]
    client = paced(time_)
    clients.append(client)
    async with client:
        slot = await client.governor.acquire_slot("read")
        client.governor.pause("read", 1.0)
        await client._with_slot(slot).environments.get(ENV_ID)
    assert time_.sleeps == [1.0, 2.0]


async def test_a_call_never_waits_on_the_governor_longer_than_max_retry_after(
    mocked: aioresponses, time_: FakeTime
) -> None:
    mocked.post(url(f"{ENV_PATH}/restart"), status=202, payload=ACTION_JSON, repeat=True)
    async with paced(time_, retry=RetryPolicy(max_retry_after=30)) as client:
        await client.environments.restart(ENV_ID)
        await client.environments.restart(ENV_ID)
        with pytest.raises(RateLimitError, match="over max_retry_after"):
            await client.environments.restart(ENV_ID)  # the next slot is a minute away
    assert time_.sleeps == []
