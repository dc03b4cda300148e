"""A hostile server on loopback: huge and compressed bodies, numbers that steer waits, JSON built
to crash a decoder, an echoed key, and header injection from our own arguments.

Each test fails on the SDK before issue 13: the memory cases read the whole body (RSS past
1.5 GB), the wait cases slept or paused for as long as the server asked, the JSON cases raised a
bare ``RecursionError`` or accepted ``inf``, the key reached tracebacks, and control characters
got as far as aiohttp.
"""

from __future__ import annotations

import asyncio
import time
import traceback
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from email.utils import formatdate
from urllib.parse import quote

import pytest
from aiohttp import web
from hardening_support import (
    API_KEY,
    ENV_ID,
    Answer,
    FakeSleep,
    ScriptedServer,
    fast_client,
    json_answer,
    silent,
)

from oec_async import (
    DEFAULT_MAX_RESPONSE_SIZE,
    APIConnectionError,
    APIError,
    APIStatusError,
    Client,
    InternalServerError,
    RateLimitError,
    RateLimits,
    ResponseValidationError,
    RetryPolicy,
)

PREFIX = "/api/public/v1"
GIB = 1024**3
MIB = 1024**2
ENV_BODY = {"id": ENV_ID, "name": "staging", "status": "running"}
DEEP = b"[" * 100_000 + b"]" * 100_000


def key_forms(key: str) -> list[str]:
    """The key as it could leak: raw, percent-encoded (whole and char by char), after Bearer."""
    return [key, quote(key, safe=""), "".join(f"%{b:02X}" for b in key.encode()), f"Bearer {key}"]


def assert_no_key(error: BaseException, key: str = API_KEY) -> None:
    shown = "".join(traceback.format_exception(error)) + str(error) + repr(error)
    for form in key_forms(key):
        assert form not in shown


class Streamer:
    """Streams up to ``total`` bytes of zeros (gzip-compressed on the fly if asked)."""

    def __init__(self, total: int, *, gzip: bool = False) -> None:
        self.total = total
        self.gzip = gzip
        self.sent = 0  # bytes written to the socket
        self.produced = 0  # bytes of content before compression

    async def __call__(self, request: web.Request) -> Answer:
        headers = {"Content-Type": "application/json"}
        if self.gzip:
            headers["Content-Encoding"] = "gzip"
        response = web.StreamResponse(headers=headers)
        await response.prepare(request)
        packer = zlib.compressobj(9, zlib.DEFLATED, 31) if self.gzip else None
        block = b"0" * MIB
        try:
            while self.produced < self.total:
                chunk = packer.compress(block) if packer else block
                self.produced += len(block)
                if chunk:
                    await response.write(chunk)
                    self.sent += len(chunk)
                await asyncio.sleep(0)  # let the client read (and give up) as it goes
            if packer is not None:
                await response.write(packer.flush())
            await response.write_eof()
        except (ConnectionError, RuntimeError):
            pass  # the client dropped the connection, as it should
        return response


@asynccontextmanager
async def serving(handler: object) -> AsyncIterator[ScriptedServer]:
    async with ScriptedServer(handler).running() as server:  # type: ignore[arg-type]
        yield server


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0  # pragma: no cover - Linux only


async def read_with_limit(handler: Streamer) -> tuple[ResponseValidationError, int, float, int]:
    """GET a streamed body with the default limit: the error, peak Python memory, time, RSS delta."""
    async with serving(handler) as server, fast_client(server.url + PREFIX) as client:
        before = rss_bytes()
        tracemalloc.start()
        started = time.perf_counter()
        try:
            with pytest.raises(ResponseValidationError) as raised:
                await client.environments.get(ENV_ID)
            elapsed = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        grown = rss_bytes() - before
    return raised.value, peak, elapsed, grown


def measured(peak: int, grown: int, elapsed: float, sent: int) -> str:
    """The figures a body-size case reports (``--junitxml`` shows them)."""
    return (
        f"peak {peak / MIB:.1f} MiB traced, RSS +{grown / MIB:.1f} MiB, {elapsed:.2f}s, "
        f"{sent / MIB:.2f} MiB on the wire"
    )


# --- 1. the size of an answer ------------------------------------------------------------------


async def test_a_1_gib_body_is_cut_off_at_max_response_size_and_memory_stays_bounded(
    record_property: Callable[[str, object], None],
) -> None:
    server = Streamer(GIB)
    error, peak, elapsed, grown = await read_with_limit(server)
    assert f"max_response_size={DEFAULT_MAX_RESPONSE_SIZE}" in str(error)
    assert error.status == 200
    assert peak < 3 * DEFAULT_MAX_RESPONSE_SIZE
    assert grown < 64 * MIB
    assert server.sent < 4 * DEFAULT_MAX_RESPONSE_SIZE, "the connection was dropped"
    record_property("measured", measured(peak, grown, elapsed, server.sent))


async def test_a_gzip_bomb_is_cut_off_on_its_decompressed_size(
    record_property: Callable[[str, object], None],
) -> None:
    server = Streamer(GIB, gzip=True)
    error, peak, elapsed, grown = await read_with_limit(server)
    assert "decompressed" in str(error)
    assert peak < 3 * DEFAULT_MAX_RESPONSE_SIZE
    assert grown < 64 * MIB
    record_property("measured", measured(peak, grown, elapsed, server.sent))


async def test_the_limit_is_set_per_client_and_counts_an_error_body_too() -> None:
    async def big_error(_: web.Request) -> Answer:
        return web.Response(status=500, body=b"x" * (2 * MIB))

    async with (
        serving(big_error) as server,
        fast_client(server.url + PREFIX, max_response_size=MIB) as client,
    ):
        with pytest.raises(ResponseValidationError, match=f"max_response_size={MIB} bytes"):
            await client.environments.get(ENV_ID)


def test_max_response_size_must_be_a_positive_integer() -> None:
    with pytest.raises(ValueError, match="max_response_size must be an integer >= 1"):
        Client(API_KEY, max_response_size=0)


# --- 2. numbers from the server that set a wait ---------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "1e308"},
        {"Retry-After": formatdate(time.time() + 5 * 365 * 86400, usegmt=True)},
        {"X-RateLimit-Reset": "1e15"},
    ],
    ids=["Retry-After 1e308", "Retry-After years ahead", "X-RateLimit-Reset 1e15"],
)
async def test_a_429_asking_for_ever_raises_at_once_and_a_later_call_goes_out_after_the_cap(
    headers: dict[str, str],
) -> None:
    answers = iter([json_answer({"error": "rate_limit_exceeded"}, 429, headers)])

    async def handler(_: web.Request) -> Answer:
        return next(answers, json_answer(ENV_BODY))

    sleep = FakeSleep()
    async with (
        serving(handler) as server,
        fast_client(server.url + PREFIX, rate_limits=RateLimits(), **silent(sleep)) as client,
    ):
        with pytest.raises(RateLimitError, match="over max_retry_after; not waiting"):
            await client.environments.get(ENV_ID)
        assert sleep.calls == []
        environment = await client.environments.get(ENV_ID)  # waits out the capped pause
    assert str(environment.id) == ENV_ID
    assert 0 < sum(sleep.calls) <= 61.0
    assert len(server.seen) == 2


async def test_a_window_of_a_billion_seconds_never_holds_a_call_past_max_retry_after() -> None:
    spent = {"X-RateLimit-Limit": "1", "X-RateLimit-Remaining": "0", "X-RateLimit-Window": "1e9"}

    async def handler(_: web.Request) -> Answer:
        return json_answer(ENV_BODY, headers=spent)

    sleep = FakeSleep()
    retry = RetryPolicy(max_retries=0, max_retry_after=30)
    async with (
        serving(handler) as server,
        fast_client(
            server.url + PREFIX, retry=retry, rate_limits=RateLimits(), **silent(sleep)
        ) as client,
    ):
        await client.environments.get(ENV_ID)
        with pytest.raises(RateLimitError, match="over max_retry_after"):
            await client.environments.get(ENV_ID)
    assert sum(sleep.calls) <= 30
    assert len(server.seen) == 1


# --- 3. answers built to break a decoder -------------------------------------------------------


async def test_json_nested_100000_deep_in_a_200_is_a_response_validation_error() -> None:
    async def handler(_: web.Request) -> Answer:
        return web.Response(body=DEEP, content_type="application/json")

    async with serving(handler) as server, fast_client(server.url + PREFIX) as client:
        with pytest.raises(ResponseValidationError, match="nested too deeply") as raised:
            await client.environments.get(ENV_ID)
    assert raised.value.status == 200
    assert len(str(raised.value)) < 1_000


@pytest.mark.parametrize("status", [400, 404, 503])
async def test_json_nested_100000_deep_in_an_error_is_that_error_with_a_short_excerpt(
    status: int,
) -> None:
    async def handler(_: web.Request) -> Answer:
        return web.Response(status=status, body=DEEP, content_type="application/json")

    async with serving(handler) as server, fast_client(server.url + PREFIX) as client:
        with pytest.raises(APIStatusError) as raised:
            await client.environments.get(ENV_ID)
    assert raised.value.status == status
    assert "non-JSON body" in raised.value.message
    assert len(str(raised.value)) < 1_000


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_a_non_finite_number_in_an_answer_is_refused(number: str) -> None:
    body = (
        f'{{"id": "{ENV_ID}", "type": "deploy", "status": "running", '
        f'"environment_id": "{ENV_ID}", "progress_percent": {number}}}'
    )

    async def handler(_: web.Request) -> Answer:
        return web.Response(body=body.encode(), content_type="application/json")

    async with serving(handler) as server, fast_client(server.url + PREFIX) as client:
        with pytest.raises(ResponseValidationError) as raised:
            await client.deployments.get(ENV_ID)
    assert raised.value.status == 200


async def test_a_deep_answer_inside_a_fleet_is_that_environments_error_not_the_runs() -> None:
    async def handler(_: web.Request) -> Answer:
        return web.Response(status=202, body=DEEP, content_type="application/json")

    async with serving(handler) as server, fast_client(server.url + PREFIX) as client:
        report = await client.fleet.deploy([ENV_ID], max_parallel=1, timeout=5)
    (outcome,) = report.outcomes
    assert isinstance(outcome.error, APIError)


# --- 5. the key in tracebacks ---------------------------------------------------------------


@asynccontextmanager
async def raw_server(reply: bytes) -> AsyncIterator[str]:
    """A socket server that answers every connection with ``reply`` and closes it."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


async def test_a_status_line_echoing_the_key_leaves_no_trace_of_it() -> None:
    reply = f"HTTP/1.1 20x Bearer {API_KEY}\r\n\r\n".encode()
    async with raw_server(reply) as url, fast_client(url + PREFIX) as client:
        with pytest.raises(APIConnectionError) as raised:
            await client.environments.get(ENV_ID)
    assert_no_key(raised.value)


async def test_a_percent_encoded_key_in_a_redirect_never_reaches_the_error() -> None:
    encoded = "".join(f"%{b:02X}" for b in API_KEY.encode())

    async def handler(_: web.Request) -> Answer:
        return web.Response(status=302, headers={"Location": f"https://x.test/?k={encoded}"})

    async with serving(handler) as server, fast_client(server.url + PREFIX) as client:
        with pytest.raises(APIStatusError, match="unexpected redirect") as raised:
            await client.environments.get(ENV_ID)
    assert_no_key(raised.value)


async def test_a_body_echoing_the_key_in_every_form_leaves_no_trace_of_it() -> None:
    forms = " ".join(key_forms(API_KEY))

    async def handler(_: web.Request) -> Answer:
        return json_answer({"detail": {"error": "bad", "message": forms}}, 500)

    async with serving(handler) as server, fast_client(server.url + PREFIX) as client:
        with pytest.raises(InternalServerError) as raised:
            await client.environments.get(ENV_ID)
    assert_no_key(raised.value)


# --- 7. control characters in what we send ------------------------------------------------------


@pytest.mark.parametrize("bad", ["bot\r\nX-Injected: 1", "bot\x00", "bot\n"])
def test_a_user_agent_with_control_characters_is_refused_before_anything_is_sent(
    bad: str,
) -> None:
    with pytest.raises(ValueError, match="User-Agent header value must not contain control"):
        Client(API_KEY, user_agent=bad)


@pytest.mark.parametrize("bad", ["key\r\nX-Injected: 1", "key\x00", "key\t1"])
async def test_an_idempotency_key_with_control_characters_is_refused_before_sending(
    bad: str,
) -> None:
    async def handler(_: web.Request) -> Answer:
        return json_answer({})

    async with serving(handler) as server, fast_client(server.url + PREFIX) as client:
        with pytest.raises(ValueError, match="Idempotency-Key header value must not contain"):
            await client.environments.deploy(ENV_ID, idempotency_key=bad)
    assert server.seen == []
