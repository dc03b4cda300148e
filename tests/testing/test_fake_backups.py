"""Backups: page/page_size listing, create, download, restore."""

from __future__ import annotations

import pytest

from oec_async.testing import FakeOEC, ManualClock

from .fake_support import Api, running_env

pytestmark = pytest.mark.oec_fake(
    clock=ManualClock, environments=2, stopped_fraction=0, backups_per_environment=25
)


async def first_backup(api: Api, env_id: str) -> dict[str, object]:
    reply = await api.get(f"/environments/{env_id}/backups")
    backup: dict[str, object] = reply.body["items"][0]
    return backup


async def test_backups_are_page_paged_newest_first(api: Api, oec_fake: FakeOEC) -> None:
    env_id = oec_fake.environment_ids[0]
    page1 = await api.get(f"/environments/{env_id}/backups", params={"page_size": 10})
    page3 = await api.get(f"/environments/{env_id}/backups", params={"page_size": 10, "page": 3})
    assert page1.body["total"] == 25
    assert len(page3.body["items"]) == 5
    created = [b["created_at"] for b in page1.body["items"]]
    assert created == sorted(created, reverse=True)


async def test_page_zero_is_422(api: Api, oec_fake: FakeOEC) -> None:
    reply = await api.get(
        f"/environments/{oec_fake.environment_ids[0]}/backups", params={"page": 0}
    )
    assert reply.status == 422


async def test_create_backup_is_201_pending_then_completes(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    reply = await api.post(f"/environments/{env_id}/backups", json={"notes": "before upgrade"})
    assert (reply.status, reply.body["status"], reply.body["backup_type"]) == (
        201,
        "pending",
        "manual",
    )
    oec_fake.advance(1.0)
    backup = (await api.get(f"/backups/{reply.body['id']}")).body
    assert backup["status"] == "completed"
    assert backup["environment_snapshot"]["environment"]["id"] == env_id


async def test_second_backup_while_one_runs_is_409(api: Api, oec_fake: FakeOEC) -> None:
    env_id = running_env(oec_fake)
    await api.post(f"/environments/{env_id}/backups")
    reply = await api.post(f"/environments/{env_id}/backups")
    assert (reply.status, reply.error) == (409, "backup_in_progress")


async def test_download_gives_presigned_urls(api: Api, oec_fake: FakeOEC) -> None:
    backup = await first_backup(api, oec_fake.environment_ids[0])
    reply = await api.get(f"/backups/{backup['id']}/download", params={"expires_in": 600})
    assert reply.body["expires_in"] == 600
    assert reply.body["database_url"].startswith("https://")


async def test_download_of_unfinished_backup_is_a_string_detail(
    api: Api, oec_fake: FakeOEC
) -> None:
    created = await api.post(f"/environments/{running_env(oec_fake)}/backups")
    reply = await api.get(f"/backups/{created.body['id']}/download")
    assert (reply.status, reply.body) == (400, {"detail": "Backup is not in COMPLETED status"})


async def test_restore_needs_the_confirm_header(api: Api, oec_fake: FakeOEC) -> None:
    backup = await first_backup(api, oec_fake.environment_ids[0])
    reply = await api.post(f"/backups/{backup['id']}/restore")
    assert (reply.status, reply.error) == (400, "confirmation_required")


async def test_restore_is_202_with_backup_id_and_replays(api: Api, oec_fake: FakeOEC) -> None:
    env_id = oec_fake.environment_ids[0]
    backup = await first_backup(api, env_id)
    headers = {"X-Confirm-Restore": "true", "Idempotency-Key": "r-1"}
    first = await api.post(f"/backups/{backup['id']}/restore", headers=headers)
    second = await api.post(f"/backups/{backup['id']}/restore", headers=headers)
    assert first.status == 202
    assert first.body["backup_id"] == backup["id"]
    assert second.body == first.body
    assert [t.type for t in oec_fake.tasks[env_id]] == ["restore"]


async def test_only_a_completed_backup_can_be_expired(api: Api, oec_fake: FakeOEC) -> None:
    created = await api.post(f"/environments/{running_env(oec_fake)}/backups")
    with pytest.raises(ValueError, match="not a completed backup that can expire"):
        oec_fake.expire_backup(created.body["id"])


async def test_a_permanent_backup_never_expires(api: Api, oec_fake: FakeOEC) -> None:
    created = await api.post(
        f"/environments/{running_env(oec_fake)}/backups", json={"retention_type": "permanent"}
    )
    oec_fake.advance(1.0)
    assert (await api.get(f"/backups/{created.body['id']}")).body["expires_at"] is None
    with pytest.raises(ValueError, match="not a completed backup that can expire"):
        oec_fake.expire_backup(created.body["id"])
