"""RedisBudget against a real Redis server: what one client's shared buckets promise."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator

import anyio
import pytest
from redis_server import RedisServer, free_port

from oec_async import (
    Client,
    Event,
    RateLimits,
    RateLimitSnapshot,
    SharedBudgetRestored,
    SharedBudgetUnavailable,
)
from oec_async._ratelimit import READ, WRITE, RateGovernor
from oec_async._sharing import Note, Rules
from oec_async.budget import RedisBuckets, RedisBudget
from oec_async.testing import FakeOEC

KEY = "oec_live_rw_budget_test_key"
pytestmark = pytest.mark.usefixtures("redis_binary")  # redis-py and a server, or skip/fail

# A long window: the assertions hold however slow the machine is between two round trips.
RULES = Rules(read_limit=3, write_limit=2, window=60.0, margin=0.05, pacing=True, max_pause=120.0)


def buckets(url: str, key: str = KEY, **options: float) -> RedisBuckets:
    return RedisBudget(url, **options).for_key(key)


@pytest.fixture
async def shared(redis_url: str) -> AsyncIterator[RedisBuckets]:
    store = buckets(redis_url)
    yield store
    await store.aclose()


async def test_slots_within_the_limit_go_at_once(shared: RedisBuckets) -> None:
    answers = [await shared.reserve(WRITE, RULES, math.inf) for _ in range(2)]
    assert [a.wait if a else None for a in answers] == [0.0, 0.0]


async def test_the_slot_over_the_limit_is_reserved_a_window_later(shared: RedisBuckets) -> None:
    for _ in range(2):
        await shared.reserve(WRITE, RULES, math.inf)
    answer = await shared.reserve(WRITE, RULES, math.inf)
    assert answer is not None
    assert answer.taken
    assert 59.0 < answer.wait <= 60.05


async def test_each_reservation_is_one_round_trip(shared: RedisBuckets) -> None:
    for _ in range(7):
        await shared.reserve(WRITE, RULES, math.inf)
    assert shared.stats.round_trips == 7


async def test_a_wait_over_max_wait_reserves_nothing(shared: RedisBuckets) -> None:
    for _ in range(2):
        await shared.reserve(WRITE, RULES, math.inf)
    refused = await shared.reserve(WRITE, RULES, 0.5)
    assert refused is not None
    assert not refused.taken
    assert refused.slot_id is None
    after = await shared.reserve(WRITE, RULES, math.inf)
    assert after is not None
    assert after.wait == pytest.approx(refused.wait, abs=0.5)  # the same slot was still free


async def test_clients_on_the_same_key_share_the_budget(redis_url: str) -> None:
    first, second = buckets(redis_url), buckets(redis_url)
    try:
        for _ in range(2):
            await first.reserve(WRITE, RULES, math.inf)
        answer = await second.reserve(WRITE, RULES, math.inf)
    finally:
        await first.aclose()
        await second.aclose()
    assert answer is not None
    assert answer.wait > 30.0


async def test_other_keys_have_their_own_budget(redis_url: str) -> None:
    first, second = buckets(redis_url), buckets(redis_url, key="oec_live_rw_another_key")
    try:
        for _ in range(2):
            await first.reserve(WRITE, RULES, math.inf)
        answer = await second.reserve(WRITE, RULES, math.inf)
    finally:
        await first.aclose()
        await second.aclose()
    assert answer is not None
    assert answer.wait == 0.0


async def test_reads_and_writes_are_separate_buckets(shared: RedisBuckets) -> None:
    for _ in range(2):
        await shared.reserve(WRITE, RULES, math.inf)
    answer = await shared.reserve(READ, RULES, math.inf)
    assert answer is not None
    assert answer.wait == 0.0


async def test_a_pause_noted_by_one_client_holds_the_others(redis_url: str) -> None:
    first, second = buckets(redis_url), buckets(redis_url)
    try:
        first.note(Note(kind="pause", bucket=WRITE, at=time.monotonic(), seconds=30.0))
        await first.aclose()  # delivers what is queued
        answer = await second.reserve(WRITE, RULES, math.inf)
    finally:
        await second.aclose()
    assert answer is not None
    assert answer.paused == pytest.approx(30.0, abs=0.5)
    assert answer.wait == pytest.approx(30.0, abs=0.5)


async def test_headers_noted_by_one_client_correct_the_others(redis_url: str) -> None:
    first, second = buckets(redis_url), buckets(redis_url)
    try:
        note = Note(kind="headers", bucket=READ, at=time.monotonic(), limit=7, window=2.0)
        first.note(note)
        await first.aclose()
        answer = await second.reserve(READ, RULES, math.inf)
    finally:
        await second.aclose()
    assert answer is not None
    assert (answer.limit, answer.window, answer.confirmed) == (7, 2.0, True)


async def test_remaining_noted_counts_the_sends_nobody_recorded(shared: RedisBuckets) -> None:
    shared.note(Note(kind="headers", bucket=WRITE, at=time.monotonic(), limit=2, remaining=0))
    answer = await shared.reserve(WRITE, RULES, math.inf)
    assert answer is not None
    assert answer.wait > 30.0


async def test_an_answered_slot_counts_from_its_answer(shared: RedisBuckets) -> None:
    rules = Rules(read_limit=1, write_limit=1, window=60.0, margin=0.0, pacing=True, max_pause=9)
    first = await shared.reserve(WRITE, rules, math.inf)
    assert first is not None
    await anyio.sleep(0.5)
    shared.note(Note(kind="answered", bucket=WRITE, at=time.monotonic(), slot_id=first.slot_id))
    answer = await shared.reserve(WRITE, rules, math.inf)  # carries the note
    assert answer is not None
    assert answer.wait == pytest.approx(60.0, abs=0.1)  # a window from the answer, not the send


async def test_a_dropped_reservation_frees_its_slot(shared: RedisBuckets) -> None:
    for _ in range(2):
        last = await shared.reserve(WRITE, RULES, math.inf)
    assert last is not None
    shared.note(Note(kind="dropped", bucket=WRITE, at=time.monotonic(), slot_id=last.slot_id))
    answer = await shared.reserve(WRITE, RULES, math.inf)
    assert answer is not None
    assert answer.wait == 0.0


async def test_the_keys_name_a_keyed_hash_of_the_api_key_under_the_prefix(
    redis_url: str,
) -> None:
    store = buckets(redis_url)
    await store.reserve(WRITE, RULES, math.inf)
    await store.aclose()
    import redis

    with redis.Redis.from_url(redis_url) as client:
        names = [name.decode() for name in client.keys("*")]
        ttls = [client.pttl(name) for name in names]
    assert names
    assert all(name.startswith("oec-async:budget:{") for name in names)
    assert not any(KEY in name or KEY[-8:] in name for name in names)
    assert all(0 < ttl <= (2 * 60 + 61) * 1_000 for ttl in ttls)  # two windows and a minute


def test_the_key_tag_depends_on_the_key_and_is_not_a_plain_hash() -> None:
    import hashlib

    budget = RedisBudget("redis://127.0.0.1:1/0")
    assert budget.key_tag(KEY) != budget.key_tag(KEY + "x")
    assert budget.key_tag(KEY) not in hashlib.sha256(KEY.encode()).hexdigest()


def test_a_custom_prefix_names_the_keys() -> None:
    store = RedisBudget("redis://127.0.0.1:1/0", prefix="ci:budget").for_key(KEY)
    assert all(name.startswith("ci:budget:{") for name in store.keys)


@pytest.mark.parametrize(
    ("url", "options", "message"),
    [
        ("http://127.0.0.1:6379", {}, "redis://"),
        ("redis://127.0.0.1:6379", {"timeout": 0}, "timeout"),
        ("redis://127.0.0.1:6379", {"timeout": math.inf}, "timeout"),
        ("redis://127.0.0.1:6379", {"retry_interval": -1}, "retry_interval"),
        ("redis://127.0.0.1:6379", {"prefix": ""}, "prefix"),
    ],
)
def test_bad_settings_are_refused_by_name(
    url: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RedisBudget(url, **options)  # type: ignore[arg-type]


def test_a_password_in_the_url_never_shows() -> None:
    budget = RedisBudget("redis://user:s3cret-pw@127.0.0.1:6379/0")
    with pytest.raises(ValueError, match="redis://") as refused:
        RedisBudget("http://user:s3cret-pw@127.0.0.1:6379/0")
    assert "s3cret-pw" not in repr(budget)
    assert "s3cret-pw" not in repr(budget.for_key(KEY))
    assert "s3cret-pw" not in str(refused.value)


# Faults never cost a request.


async def test_redis_down_at_start_falls_back_to_local_pacing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[Event] = []
    store = buckets(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5, retry_interval=60.0)
    governor = RateGovernor(RateLimits(writes_per_window=2), emit=events.append, shared=store)
    with caplog.at_level(logging.WARNING, logger="oec_async"):
        slots = [await governor.acquire(WRITE, max_wait=0.0) for _ in range(3)]
    await governor.aclose()
    assert [slot is not None for slot in slots] == [True, True, False]  # the local budget
    assert events == [SharedBudgetUnavailable(reason=events[0].reason)]  # type: ignore[attr-defined]
    assert len(caplog.records) == 1
    assert caplog.records[0].levelno == logging.WARNING
    assert store.stats.round_trips == 1  # no retry before retry_interval


async def test_a_redis_slower_than_the_timeout_counts_as_down() -> None:
    async def never_answer(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            await anyio.sleep(30)

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    events: list[Event] = []
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, never_answer)
        store = buckets(f"redis://127.0.0.1:{port}/0", timeout=0.2)
        governor = RateGovernor(RateLimits(), emit=events.append, shared=store)
        with anyio.fail_after(5):  # the timeout bounds it: 0.2 s, not the listener's 30 s
            slot = await governor.acquire(WRITE)
        await governor.aclose()
        tg.cancel_scope.cancel()
    assert slot is not None
    assert [type(event) for event in events] == [SharedBudgetUnavailable]
    assert "0.2" in events[0].reason  # type: ignore[attr-defined]


async def test_the_client_rejoins_when_redis_answers_again(redis_binary: str) -> None:
    server = RedisServer(redis_binary)
    events: list[Event] = []
    store = buckets(server.url, timeout=0.5, retry_interval=0.05)
    governor = RateGovernor(RateLimits(), emit=events.append, shared=store)
    try:
        await governor.acquire(WRITE)  # down: local
        server.start()
        await anyio.sleep(0.1)
        await governor.acquire(WRITE)  # up again: shared
    finally:
        await governor.aclose()
        server.close()
    assert [type(event) for event in events] == [SharedBudgetUnavailable, SharedBudgetRestored]
    assert (store.stats.local, store.stats.reserved) == (1, 1)


# Wired into the client.


async def test_a_client_with_a_budget_spends_at_most_two_round_trips_per_request(
    redis_url: str,
) -> None:
    async with FakeOEC(environments=3, rate_limits=True) as fake:
        budget = RedisBudget(redis_url)
        async with Client(
            api_key=fake.full_access_key, base_url=fake.url, budget=budget, retry=0
        ) as client:
            for env in fake.environment_ids:
                await client.environments.get(env)
                await client.environments.status(env)
            shared = client.governor.shared
            assert isinstance(shared, RedisBuckets)
        requests = fake.stats.requests
    assert shared.stats.reserved == requests
    assert shared.stats.round_trips <= 2 * requests
    assert shared.stats.notes_sent >= requests  # every answer reached Redis


async def test_the_budget_url_comes_from_the_environment(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OEC_BUDGET_URL", redis_url)
    client = Client(api_key=KEY, base_url="http://127.0.0.1:1")
    assert isinstance(client.governor.shared, RedisBuckets)
    assert client.governor.shared.budget.url == redis_url


def test_without_a_budget_the_client_paces_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OEC_BUDGET_URL", raising=False)
    assert Client(api_key=KEY, base_url="http://127.0.0.1:1").governor.shared is None


def test_a_budget_that_is_not_one_is_refused() -> None:
    with pytest.raises(TypeError, match="budget"):
        Client(api_key=KEY, budget="redis://127.0.0.1:6379/0")  # type: ignore[arg-type]


async def test_closing_the_client_delivers_the_last_answers(redis_url: str) -> None:
    async with FakeOEC(environments=1, rate_limits=True) as fake:
        client = Client(
            api_key=fake.full_access_key, base_url=fake.url, budget=RedisBudget(redis_url)
        )
        async with client:
            await client.environments.get(fake.environment_ids[0])
        shared = client.governor.shared
    assert isinstance(shared, RedisBuckets)
    assert shared.stats.notes_sent >= 1


def test_a_snapshot_released_with_a_slot_reaches_the_store() -> None:
    notes: list[Note] = []

    class Recorder:
        def attach(self, emit: object) -> None:
            pass

        async def reserve(self, bucket: str, rules: Rules, max_wait: float) -> None:
            return None

        def note(self, note: Note) -> None:
            notes.append(note)

        async def aclose(self) -> None:
            pass

    governor = RateGovernor(RateLimits(), shared=Recorder())
    governor.pause(WRITE, 1e308)
    governor.observe(RateLimitSnapshot(limit=5, window=1e9, remaining=99, bucket=READ))
    assert [n.kind for n in notes] == ["pause", "headers"]
    assert notes[0].seconds == RateLimits().max_pause  # bounded before it is shared
    assert (notes[1].window, notes[1].remaining) == (None, 5)


def test_the_cli_shares_the_budget_named_by_oec_budget_url(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oec_async.cli._settings import Settings

    monkeypatch.setenv("OEC_BUDGET_URL", redis_url)
    client = Settings(api_key=KEY, base_url="http://127.0.0.1:1").client()
    assert isinstance(client.governor.shared, RedisBuckets)


def test_the_cli_refuses_a_bad_oec_budget_url_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    from oec_async.cli._exit import CLIError, ExitCode
    from oec_async.cli._settings import Settings

    monkeypatch.setenv("OEC_BUDGET_URL", "http://127.0.0.1:6379")
    with pytest.raises(CLIError, match="redis://") as refused:
        Settings(api_key=KEY, base_url="http://127.0.0.1:1").client()
    assert refused.value.code == ExitCode.USAGE


async def test_a_client_whose_redis_is_down_still_answers_and_tells_its_listeners() -> None:
    events: list[Event] = []
    budget = RedisBudget(f"redis://127.0.0.1:{free_port()}/0", retry_interval=60.0)
    async with (
        FakeOEC(environments=1, rate_limits=True) as fake,
        Client(
            api_key=fake.full_access_key,
            base_url=fake.url,
            budget=budget,
            event_hooks=[events.append],
        ) as client,
    ):
        for _ in range(3):
            await client.environments.get(fake.environment_ids[0])
    outages = [e for e in events if isinstance(e, SharedBudgetUnavailable | SharedBudgetRestored)]
    assert [type(e) for e in outages] == [SharedBudgetUnavailable]
