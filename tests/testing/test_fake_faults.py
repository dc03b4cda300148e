"""Fault injection: scripted rules and seeded random faults."""

from __future__ import annotations

import time

import aiohttp
import pytest

from oec_async.testing import FakeOEC, FaultConfig, ManualClock

from .fake_support import Api, running_env

pytestmark = pytest.mark.oec_fake(clock=ManualClock)


async def test_rule_fails_the_next_n_matching_requests(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    rule = oec_fake.fail_next("POST", "/environments/{id}/deploy", status=503, times=2)
    statuses = [(await api.post(f"/environments/{env_id}/deploy")).status for _ in range(3)]
    assert statuses == [503, 503, 202]
    assert (rule.hits, rule.remaining) == (2, 0)
    assert len(oec_fake.tasks[env_id]) == 1


async def test_rule_error_body_follows_the_error_style(api: Api, oec_fake: FakeOEC) -> None:
    oec_fake.fail_next("GET", "/projects", status=500)
    reply = await api.get("/projects")
    assert (reply.status, reply.error) == (500, "internal_error")


async def test_rule_does_not_match_other_paths(api: Api, oec_fake: FakeOEC) -> None:
    oec_fake.fail_next("POST", "/environments/{id}/deploy")
    reply = await api.post(f"/environments/{running_env(oec_fake)}/restart")
    assert reply.status == 202


async def test_rule_accepts_the_full_api_path(api: Api, oec_fake: FakeOEC) -> None:
    oec_fake.fail_next("GET", "/api/public/v1/projects", status=502)
    assert (await api.get("/projects")).status == 502


async def test_drop_closes_the_connection_without_acting(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    oec_fake.fail_next("POST", "/environments/{id}/deploy", drop=True)
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await api.post(f"/environments/{env_id}/deploy")
    assert env_id not in oec_fake.tasks
    assert oec_fake.requests[-1].status is None
    assert oec_fake.stats.dropped == 1


async def test_status_after_action_acts_then_fails(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    oec_fake.fail_next("POST", "/environments/{id}/deploy", status=502, after_action=True)
    reply = await api.post(f"/environments/{env_id}/deploy")
    assert reply.status == 502
    assert len(oec_fake.tasks[env_id]) == 1


async def test_string_body_is_sent_as_html(api: Api, oec_fake: FakeOEC) -> None:
    oec_fake.fail_next("GET", "/projects", status=502, body="<html>bad gateway</html>")
    reply = await api.get("/projects")
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.body == "<html>bad gateway</html>"


async def test_rule_headers_are_sent(api: Api, oec_fake: FakeOEC) -> None:
    oec_fake.fail_next("GET", "/projects", status=503, headers={"Retry-After": "2"})
    assert (await api.get("/projects")).headers["Retry-After"] == "2"


async def test_delay_without_status_is_a_slow_normal_answer(api: Api, oec_fake: FakeOEC) -> None:
    oec_fake.fail_next("GET", "/projects", status=None, delay=0.1)
    started = time.perf_counter()
    reply = await api.get("/projects")
    assert reply.status == 200
    assert time.perf_counter() - started >= 0.1


@pytest.mark.oec_fake(faults=FaultConfig(non_json=1.0))
async def test_non_json_fault_is_an_html_502(api: Api) -> None:
    reply = await api.get("/projects")
    assert reply.status == 502
    assert "502 Bad Gateway" in reply.body


@pytest.mark.oec_fake(faults=FaultConfig(error_500=0.2, error_502=0.1, error_503=0.2), seed=7)
async def test_random_faults_hit_roughly_their_share(api: Api, oec_fake: FakeOEC) -> None:
    statuses = [(await api.get("/projects")).status for _ in range(200)]
    failures = sum(s >= 500 for s in statuses)
    assert 60 <= failures <= 140
    assert oec_fake.stats.faults == failures


async def test_random_faults_are_reproducible_for_a_seed() -> None:
    async def statuses(seed: int) -> list[int]:
        async with (
            FakeOEC(faults=FaultConfig(error_503=0.5), seed=seed) as fake,
            aiohttp.ClientSession() as session,
        ):
            api = Api(session, fake)
            return [(await api.get("/projects")).status for _ in range(20)]

    assert await statuses(3) == await statuses(3)
    assert await statuses(3) != await statuses(4)
