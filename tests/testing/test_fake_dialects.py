"""The two dialects, seen over plain HTTP: every point where the docs and the live API differ.

Each test runs against both dialects and reads what it expects from `EXPECTED`, so the table
here is the specification (README's table says the same in prose).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest

from oec_async.testing import FakeOEC, ManualClock
from oec_async.testing._resources import WEBHOOK_EVENTS

from .fake_support import Api, running_env

EXPECTED = {
    "docs": {
        "pages_field": "total_pages",
        "failed_status": "failed",
        "running_backup": "running",
        "uploading_backup": "running",
        "max_events": 10,
    },
    "live": {
        "pages_field": "pages",
        "failed_status": "error",
        "running_backup": "in_progress",
        "uploading_backup": "uploading",
        "max_events": 12,
    },
}


@pytest.fixture(params=["docs", "live"])
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeOEC]:
    async with FakeOEC(
        environments=2,
        stopped_fraction=0,
        backups_per_environment=3,
        task_duration=10.0,
        rate_limits=False,
        clock=ManualClock(),
        dialect=request.param,
    ) as started:
        yield started


@pytest.fixture
def api(session: aiohttp.ClientSession, fake: FakeOEC) -> Api:
    return Api(session, fake)


def expected(fake: FakeOEC, key: str) -> object:
    return EXPECTED[fake.dialect][key]


async def test_the_backup_list_names_its_page_count_in_the_dialects_words(
    api: Api, fake: FakeOEC
) -> None:
    reply = await api.get(
        f"/environments/{fake.environment_ids[0]}/backups", params={"page_size": 2}
    )
    assert reply.body[expected(fake, "pages_field")] == 2
    other = "pages" if fake.dialect == "docs" else "total_pages"
    assert other not in reply.body


async def test_a_failed_deploy_leaves_the_dialects_failure_status_and_the_filter_finds_it(
    api: Api, fake: FakeOEC
) -> None:
    env_id = running_env(fake)
    fake.set_environment_behaviour(env_id, fail=True)
    await api.post(f"/environments/{env_id}/deploy")
    fake.advance(10.0)
    project = (await api.get(f"/environments/{env_id}")).body["project_id"]
    status = expected(fake, "failed_status")
    listed = await api.get(f"/projects/{project}/environments", params={"status": status})
    assert [e["id"] for e in listed.body] == [env_id]
    assert listed.body[0]["status"] == status


async def test_a_running_backup_reports_the_dialects_statuses_step_by_step(
    api: Api, fake: FakeOEC
) -> None:
    created = await api.post(f"/environments/{running_env(fake)}/backups")
    path = f"/backups/{created.body['id']}"
    seen = [created.body["status"]]
    for _ in range(3):  # queued 1 s, then three steps of 3 s each
        fake.advance(3.0)
        seen.append((await api.get(path)).body["status"])
    fake.advance(1.0)
    seen.append((await api.get(path)).body["status"])
    running, uploading = expected(fake, "running_backup"), expected(fake, "uploading_backup")
    assert seen == ["pending", running, running, uploading, "completed"]


async def test_the_backup_status_filter_speaks_the_dialect(api: Api, fake: FakeOEC) -> None:
    env_id = running_env(fake)
    created = await api.post(f"/environments/{env_id}/backups")
    fake.advance(2.0)
    path = f"/environments/{env_id}/backups"
    running = expected(fake, "running_backup")
    found = await api.get(path, params={"status": running})
    assert [b["id"] for b in found.body["items"]] == [created.body["id"]]


async def test_an_expired_backup_is_listed_as_expired_live_and_gone_in_the_docs(
    api: Api, fake: FakeOEC
) -> None:
    env_id = fake.environment_ids[0]
    path = f"/environments/{env_id}/backups"
    oldest = (await api.get(path)).body["items"][-1]
    fake.expire_backup(oldest["id"])
    listed = {b["id"]: b["status"] for b in (await api.get(path)).body["items"]}
    single = await api.get(f"/backups/{oldest['id']}")
    if fake.dialect == "live":
        assert listed[oldest["id"]] == "expired"
        assert single.body["status"] == "expired"
        download = await api.get(f"/backups/{oldest['id']}/download")
        assert download.status == 400
    else:
        assert oldest["id"] not in listed
        assert single.status == 404


async def test_a_webhook_takes_as_many_events_as_the_dialect_allows(
    api: Api, fake: FakeOEC
) -> None:
    most = expected(fake, "max_events")
    assert isinstance(most, int)
    events = list(WEBHOOK_EVENTS)
    allowed = await api.post(
        "/webhooks", json={"url": "https://h.example.com/a", "events": events[:most]}
    )
    too_many = await api.post(
        "/webhooks", json={"url": "https://h.example.com/b", "events": events[: most + 1]}
    )
    assert allowed.status == 201
    assert too_many.status == (422 if most < len(events) else 201)


@pytest.mark.parametrize("domain", ["*.erp.example.com", "ERP.Example.com"])
async def test_wildcard_and_mixed_case_domains_are_live_only(
    api: Api, fake: FakeOEC, domain: str
) -> None:
    reply = await api.patch(f"/environments/{fake.environment_ids[0]}", json={"domain": domain})
    if fake.dialect == "live":
        assert (reply.status, reply.body["custom_domain"]) == (200, domain)
    else:
        assert reply.status == 422


async def test_a_restore_takes_a_pre_restore_safety_backup_live_only(
    api: Api, fake: FakeOEC
) -> None:
    env_id = fake.environment_ids[0]
    path = f"/environments/{env_id}/backups"
    before = (await api.get(path)).body["items"]
    restore = await api.post(
        f"/backups/{before[0]['id']}/restore", headers={"X-Confirm-Restore": "true"}
    )
    after = (await api.get(path)).body["items"]
    assert restore.status == 202
    assert restore.body["backup_id"] == before[0]["id"]
    if fake.dialect == "live":
        assert len(after) == len(before) + 1
        assert (after[0]["backup_type"], after[0]["status"]) == ("pre_restore", "pending")
        fake.advance(10.0)
        assert (await api.get(f"/backups/{after[0]['id']}")).body["status"] == "completed"
    else:
        assert after == before


async def test_a_seeded_storage_configuration_takes_the_backup(api: Api, fake: FakeOEC) -> None:
    offsite = fake.storage_config_ids[1]
    reply = await api.post(
        f"/environments/{running_env(fake)}/backups", json={"storage_config_id": offsite}
    )
    assert reply.status == 201
    assert fake.backup_storage_config(reply.body["id"]) == offsite


async def test_an_unknown_storage_configuration_is_a_404_in_the_dialects_body(
    api: Api, fake: FakeOEC
) -> None:
    reply = await api.post(
        f"/environments/{running_env(fake)}/backups",
        json={"storage_config_id": str(uuid.uuid4())},
    )
    assert reply.status == 404
    if fake.dialect == "live":
        assert reply.body == {"detail": "Storage configuration not found."}
    else:
        assert reply.body == {
            "detail": {"error": "not_found", "message": "Storage configuration not found."}
        }


async def test_an_unknown_backup_is_a_plain_string_404_live_only(api: Api, fake: FakeOEC) -> None:
    reply = await api.get(f"/backups/{uuid.uuid4()}")
    assert reply.status == 404
    assert isinstance(reply.body["detail"], str) == (fake.dialect == "live")


async def test_other_routes_keep_the_object_404_in_both_dialects(api: Api, fake: FakeOEC) -> None:
    reply = await api.get(f"/environments/{uuid.uuid4()}")
    assert reply.body == {"detail": {"error": "not_found", "message": "Environment not found."}}


async def test_an_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValueError, match="dialect must be 'docs' or 'live', got 'beta'"):
        FakeOEC(dialect="beta")  # type: ignore[arg-type]


async def test_the_default_dialect_is_live() -> None:
    assert FakeOEC().dialect == "live"
