"""Chaos soak: a fleet deploy and a crowd of readers against a fake server that misbehaves.

The fake answers 10% of requests with a 5xx, drops 3% of connections (half of the dropped
writes only after it has acted), sends 2% HTML gateway pages, slows 5% down, enforces a
compressed rate budget, and gets scripted 429 bursts while a fleet deploys several hundred
environments and readers make a few thousand reads. Then:

* every environment has exactly one outcome, and the server agrees with it;
* the server saw no second task for an idempotency key and no action while one was active;
* no request went to a bucket before its ``Retry-After`` elapsed: the fake's counter for its
  own 429s, and the client-side send log against every pause the client was told about;
* it all finished within its deadline.

Run ``pytest -m soak -s`` to see the numbers.
"""

from __future__ import annotations

import asyncio
import bisect
import random
import time
from collections import Counter
from typing import Final

import anyio
import pytest
from support import SendLog, trace_client_sessions

from oec_async import (
    Client,
    FleetReport,
    OECError,
    OutcomeKind,
    PollPolicy,
    RateLimits,
    RetryPolicy,
    Timeouts,
)
from oec_async.testing import FakeOEC, FaultConfig, RateLimitConfig

pytestmark = [pytest.mark.soak, pytest.mark.slow]

ENVIRONMENTS: Final = 300
READS: Final = 2_000
READERS: Final = 12
DEADLINE: Final = 50.0
SEED: Final = 20_261_128

FAULTS: Final = FaultConfig(
    error_500=0.04,
    error_502=0.03,
    error_503=0.03,
    drop=0.03,
    drop_after_action=0.5,
    non_json=0.02,
    slow=0.05,
    slow_delay=0.1,
)
SERVER_LIMITS: Final = RateLimitConfig(window=1.0, reads_per_window=600, writes_per_window=80)
CLIENT_LIMITS: Final = RateLimits(
    window=1.0, reads_per_window=600, writes_per_window=80, safety_margin=0.2
)
RETRY: Final = RetryPolicy(max_retries=6, initial_backoff=0.02, max_backoff=0.3, jitter=0.5)
POLL: Final = PollPolicy(initial_interval=0.3, multiplier=1.5, max_interval=1.0, jitter=0.2)


class ClientLog(SendLog):
    """Client-side truth: when each request started, and each pause the client was told of."""

    def __init__(self) -> None:
        super().__init__()
        self.pauses: list[tuple[float, str, float]] = []

    def record_pauses(self, client: Client) -> None:
        governor = client.governor
        original = governor.pause

        def pause(bucket: str, seconds: float) -> None:
            self.pauses.append((time.monotonic(), bucket, seconds))
            original(bucket, seconds)

        governor.pause = pause  # type: ignore[method-assign]

    def early_requests(self) -> list[tuple[float, str, str]]:
        """Requests started inside a pause of their bucket (after it began, before it ended)."""
        # Per bucket: pause starts in order, and the latest end of any pause begun so far.
        starts: dict[str, list[float]] = {"read": [], "write": []}
        ends: dict[str, list[float]] = {"read": [], "write": []}
        for paused_at, bucket, seconds in sorted(self.pauses):
            latest = max(ends[bucket][-1] if ends[bucket] else 0.0, paused_at + seconds)
            starts[bucket].append(paused_at)
            ends[bucket].append(latest)
        early = []
        for started, method, path in self.starts:
            bucket = "read" if method == "GET" else "write"
            before = bisect.bisect_left(starts[bucket], started) - 1
            # 1 ms of slack: the loop's timer may fire a hair before the clock reads it.
            if before >= 0 and started < ends[bucket][before] - 1e-3:
                early.append((started, method, path))
        return early


async def _inject_429_bursts(fake: FakeOEC, stop: anyio.Event, rng: random.Random) -> int:
    """Every few seconds, script a short burst of 429s on reads or on deploys."""
    bursts = 0
    templates = [
        ("GET", "/deployments/{id}"),
        ("GET", "/environments/{id}"),
        ("GET", "/environments/{id}/status"),
        ("POST", "/environments/{id}/deploy"),
    ]
    while not stop.is_set():
        with anyio.move_on_after(rng.uniform(2.0, 3.5)):
            await stop.wait()
        if stop.is_set():
            break
        method, template = rng.choice(templates)
        fake.fail_next(
            method, template, status=429, times=rng.randint(2, 6), headers={"Retry-After": "1"}
        )
        bursts += 1
    return bursts


async def _reader(
    client: Client, fake: FakeOEC, rng: random.Random, quota: list[int], errors: list[Exception]
) -> int:
    """Random reads until the shared quota is spent; returns how many calls it made."""
    calls = 0
    env_ids = fake.environment_ids
    while quota[0] > 0:
        quota[0] -= 1
        calls += 1
        env_id = rng.choice(env_ids)
        op = rng.random()
        try:
            if op < 0.35:
                env = await client.environments.get(env_id)
                assert str(env.id) == env_id
            elif op < 0.6:
                report = await client.environments.status(env_id)
                assert str(report.environment_id) == env_id
            elif op < 0.9:
                tasks = await client.deployments.list(env_id, limit=rng.randint(5, 20)).collect()
                assert len({t.id for t in tasks}) == len(tasks)
            else:
                envs = await client.environments.list(rng.choice(fake.project_ids)).collect()
                assert envs
        except OECError as error:
            errors.append(error)
    return calls


def _check_against_the_server(report: FleetReport, fake: FakeOEC) -> None:
    """The server's own view agrees with every outcome."""
    for outcome in report:
        env_id = str(outcome.environment_id)
        tasks = fake.tasks.get(env_id, [])
        assert len(tasks) <= 1, f"{env_id}: {len(tasks)} tasks created for one deploy"
        if outcome.kind is OutcomeKind.SUCCEEDED and not outcome.attached:
            assert outcome.task_id is not None
            assert [str(outcome.task_id)] == [t.id for t in tasks]
            assert fake.task_status(str(outcome.task_id)) == "completed"
        elif outcome.kind is OutcomeKind.FAILED and not outcome.attached:
            assert outcome.task_id is not None
            assert fake.task_status(str(outcome.task_id)) in ("failed", "cancelled")
        elif outcome.kind is OutcomeKind.NOT_STARTED:
            assert tasks == []


async def test_chaos_soak(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(SEED)
    log = ClientLog()
    trace_client_sessions(log, monkeypatch)
    reader_errors: list[Exception] = []
    started = time.monotonic()
    async with FakeOEC(
        environments=ENVIRONMENTS,
        projects=3,
        stopped_fraction=0.0,
        deployments_per_environment=12,
        task_duration=1.0,
        failure_rate=0.05,
        rate_limits=SERVER_LIMITS,
        faults=FAULTS,
        seed=SEED,
    ) as fake:
        async with fake.client(
            retry=RETRY, poll=POLL, rate_limits=CLIENT_LIMITS, timeout=Timeouts(total=10.0)
        ) as client:
            log.record_pauses(client)
            stop_bursts = anyio.Event()
            readers_done = anyio.Event()
            quota = [READS]
            reads_done: list[int] = []
            bursts: list[int] = []
            # asyncio debug mode (a diagnostic run of the suite) is a few times slower.
            slowdown = 3 if asyncio.get_running_loop().get_debug() else 1
            deadline = DEADLINE * slowdown
            with anyio.fail_after(deadline):
                async with anyio.create_task_group() as tg:

                    async def bursts_task() -> None:
                        bursts.append(await _inject_429_bursts(fake, stop_bursts, rng))

                    async def reader_task(index: int) -> None:
                        reader_rng = random.Random(SEED + index)
                        reads_done.append(
                            await _reader(client, fake, reader_rng, quota, reader_errors)
                        )
                        if len(reads_done) == READERS:
                            readers_done.set()

                    tg.start_soon(bursts_task)
                    for index in range(READERS):
                        tg.start_soon(reader_task, index)
                    report = await client.fleet.deploy(
                        fake.environment_ids,
                        max_parallel=100,
                        timeout_per_environment=30.0 * slowdown,
                    )
                    await readers_done.wait()
                    stop_bursts.set()
        elapsed = time.monotonic() - started
        anomalies = fake.anomalies
        stats = fake.stats
        faults = Counter(r.fault for r in fake.requests if r.fault)
        statuses = Counter(r.status for r in fake.requests)
        early = log.early_requests()
        counts = {kind.value: n for kind, n in report.counts.items() if n}
        errored = Counter(type(o.error).__name__ for o in report.by_kind(OutcomeKind.ERRORED))
        print(  # noqa: T201 - the numbers for the closing note (pytest -m soak -s)
            "\n== chaos soak ==",
            f"\nenvironments {ENVIRONMENTS}, fleet actions {sum(1 for o in report if o.started)},"
            f" reader calls {sum(reads_done)} (errors {len(reader_errors)})",
            f"\nrequests at the fake {stats.requests}: reads {stats.reads},"
            f" writes {stats.writes}, idempotent replays {stats.replays}",
            f"\nfaults injected {stats.faults}: {dict(faults)}; dropped {stats.dropped};"
            f" 429s {statuses[429]} ({bursts[0] if bursts else 0} scripted bursts,"
            f" {stats.rate_limited} from the fake's own limiter)",
            f"\nanswers by status {dict(sorted(statuses.items(), key=lambda kv: str(kv[0])))}",
            f"\noutcomes {counts}; errored by cause {dict(errored)}",
            f"\nclient pauses {len(log.pauses)}, requests inside a pause {len(early)}",
            f"\nduplicates: tasks per idempotency key {anomalies.duplicate_tasks_for_idempotency_key},"
            f" actions while active {anomalies.actions_while_active},"
            f" requests before Retry-After {anomalies.requests_before_retry_after}",
            f"\nelapsed {elapsed:.1f}s (deadline {deadline:.0f}s)",
        )

        # Exactly one outcome per environment, and the server agrees with each.
        assert len(report) == ENVIRONMENTS
        assert sorted(str(o.environment_id) for o in report) == sorted(fake.environment_ids)
        assert not report.cancelled
        assert not report.timed_out
        _check_against_the_server(report, fake)
        for outcome in report.by_kind(OutcomeKind.ERRORED):
            assert isinstance(outcome.error, OECError), repr(outcome.error)
        assert report.counts[OutcomeKind.SUCCEEDED] >= ENVIRONMENTS * 0.85

        # No double deploy, no action while one was active, nobody came back early.
        assert anomalies.duplicate_tasks_for_idempotency_key == 0
        assert anomalies.actions_while_active == 0
        assert anomalies.requests_before_retry_after == 0
        assert early == []

        # The chaos really happened, and the reads really were a few thousand.
        assert stats.faults > 300
        assert faults["drop"] > 0
        assert faults["non_json"] > 0
        assert statuses[429] > 0
        assert len(log.pauses) > 0
        assert stats.reads >= READS
        assert all(isinstance(e, OECError) for e in reader_errors)
        assert len(reader_errors) <= READS * 0.02
    assert elapsed < deadline


def test_the_pause_check_catches_a_request_inside_a_pause() -> None:
    log = ClientLog()
    log.pauses = [(10.0, "read", 1.0), (10.5, "read", 0.1), (20.0, "write", 2.0)]
    log.starts = [
        (9.9, "GET", "/before"),  # in flight before the 429: fine
        (10.4, "GET", "/inside"),
        (11.0005, "GET", "/at-the-end"),  # within the 1 ms of timer slack
        (11.2, "GET", "/after"),
        (10.7, "POST", "/other-bucket"),
        (21.9, "POST", "/inside-write"),
    ]
    assert [path for _, _, path in log.early_requests()] == ["/inside", "/inside-write"]
