"""``client.backups`` against aioresponses: page-number paging, headers, confirm, validation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from aioresponses import aioresponses
from resource_support import (
    BACKUP_ID,
    ENV_ID,
    STRICT,
    TASK_ID,
    action_json,
    all_sent,
    body,
    header,
    mock,
    params,
    sent,
)

from oec_async import (
    Backup,
    BackupDownload,
    BackupStatus,
    BackupType,
    BadRequestError,
    Client,
    InternalServerError,
    RetentionType,
)

LIST_PATH = f"/environments/{ENV_ID}/backups"

# The docs' example item (oec-api.md 5.6), verbatim.
DOC_BACKUP: dict[str, Any] = {
    "id": "9c2ad33c-7e5d-4d23-8f8c-9c3c5dc6c1f1",
    "environment_id": "5a296461-9222-40da-91f5-9e912890dc1b",
    "status": "completed",
    "backup_type": "scheduled",
    "database_size": 432198144,
    "filestore_size": 211345920,
    "total_size": 643544064,
    "compressed_size": 218657280,
    "started_at": "2026-05-22T18:00:00Z",
    "completed_at": "2026-05-22T18:04:32Z",
    "duration_seconds": 272,
    "expires_at": "2026-06-21T18:04:32Z",
    "is_verified": True,
    "verified_at": "2026-05-22T18:05:01Z",
    "notes": None,
    "created_at": "2026-05-22T18:00:00Z",
}
DOWNLOAD = {
    "backup_id": BACKUP_ID,
    "database_url": "https://s3.example/db",
    "filestore_url": None,
    "manifest_url": None,
    "expires_in": 300,
    "expires_at": "2026-10-05T12:00:00Z",
}


def backup(n: int, **fields: Any) -> dict[str, Any]:
    return {**DOC_BACKUP, "id": f"00000000-0000-4000-8000-{n:012d}", **fields}


def test_the_docs_backup_example_fits_the_model_whole() -> None:
    item = STRICT.structure(DOC_BACKUP, Backup)
    assert item.status is BackupStatus.COMPLETED
    assert item.status.is_terminal
    assert item.backup_type is BackupType.SCHEDULED
    assert STRICT.structure(DOWNLOAD, BackupDownload).expires_in == 300


async def test_list_walks_page_numbers_as_cursors(mocked: aioresponses, client: Client) -> None:
    mock(
        mocked,
        client,
        "GET",
        LIST_PATH,
        payload={
            "items": [backup(1), backup(2)],
            "total": 3,
            "page": 1,
            "page_size": 2,
            "total_pages": 2,
        },
    )
    mock(
        mocked,
        client,
        "GET",
        LIST_PATH,
        payload={"items": [backup(3)], "total": 3, "page": 2, "page_size": 2, "total_pages": 2},
    )

    items = await client.backups.list(
        ENV_ID, page_size=2, status="completed", backup_type=BackupType.SCHEDULED
    ).collect()

    assert [str(b.id)[-1] for b in items] == ["1", "2", "3"]
    calls = sent(mocked, client, "GET", LIST_PATH)
    assert [params(c) for c in calls] == [
        {"page_size": 2, "status": "completed", "backup_type": "scheduled", "page": 1},
        {"page_size": 2, "status": "completed", "backup_type": "scheduled", "page": 2},
    ]


@pytest.mark.parametrize(
    "envelope",
    [
        {"total": 3, "page": 1, "page_size": 2, "pages": 2},  # the live API's field name
        {"total": 3, "page": 1, "page_size": 2},  # no page count: computed from the total
    ],
)
async def test_list_accepts_pages_or_no_page_count(
    mocked: aioresponses, client: Client, envelope: dict[str, Any]
) -> None:
    mock(mocked, client, "GET", LIST_PATH, payload={"items": [backup(1), backup(2)], **envelope})

    page = await client.backups.list(ENV_ID, page_size=2)

    assert page.next_cursor == "2"
    assert page.pagination.total == 3


async def test_list_starts_from_a_saved_cursor(mocked: aioresponses, client: Client) -> None:
    mock(
        mocked,
        client,
        "GET",
        LIST_PATH,
        payload={"items": [backup(3)], "total": 3, "page": 2, "page_size": 2, "total_pages": 2},
    )

    page = await client.backups.list(ENV_ID, page_size=2, cursor="2")

    assert page.next_cursor is None
    assert len(page) == 1
    assert params(sent(mocked, client, "GET", LIST_PATH)[0])["page"] == 2


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"cursor": "abc"}, "cursor must be a saved page.next_cursor"),
        ({"cursor": "0"}, "cursor"),
        ({"page_size": 101}, r"page_size must be within 1\.\.100"),
        ({"status": "bogus"}, "status must be one of"),
        ({"backup_type": "hourly"}, "backup_type must be one of"),
    ],
)
async def test_list_checks_its_arguments_before_any_request(
    mocked: aioresponses, client: Client, kwargs: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        _ = client.backups.list(ENV_ID, **kwargs)
    assert all_sent(mocked) == 0


async def test_create_sends_a_manual_backup_without_an_idempotency_key(
    mocked: aioresponses, client: Client
) -> None:
    mock(
        mocked,
        client,
        "POST",
        LIST_PATH,
        status=201,
        payload={"id": BACKUP_ID, "task_id": TASK_ID, "status": "pending"},
    )

    created = await client.backups.create(
        ENV_ID, include_filestore=False, retention_type=RetentionType.WEEKLY, notes="before upgrade"
    )

    assert created.status is BackupStatus.PENDING
    assert created.task_id == UUID(TASK_ID)
    (call,) = sent(mocked, client, "POST", LIST_PATH)
    assert body(call) == {
        "backup_type": "manual",
        "include_filestore": False,
        "retention_type": "weekly",
        "notes": "before upgrade",
    }
    assert header(call, "Idempotency-Key") is None
    assert header(call, "X-Idempotency-Key") is None


async def test_create_is_not_retried_blindly_after_a_server_error(
    mocked: aioresponses, client: Client
) -> None:
    # Without an idempotency key a retry could start a second backup.
    mock(
        mocked,
        client,
        "POST",
        LIST_PATH,
        status=503,
        payload={"error": "enqueue_failed"},
        repeat=True,
    )
    with pytest.raises(InternalServerError):
        await client.backups.create(ENV_ID)
    assert len(sent(mocked, client, "POST", LIST_PATH)) == 1


async def test_create_checks_its_arguments(mocked: aioresponses, client: Client) -> None:
    with pytest.raises(ValueError, match=r"notes must be 0\.\.500"):
        await client.backups.create(ENV_ID, notes="x" * 501)
    with pytest.raises(ValueError, match="retention_type must be one of"):
        await client.backups.create(ENV_ID, retention_type="forever")
    with pytest.raises(ValueError, match="storage_config_id must be a UUID"):
        await client.backups.create(ENV_ID, storage_config_id="s3")
    assert all_sent(mocked) == 0


async def test_get_reads_the_environment_snapshot(mocked: aioresponses, client: Client) -> None:
    snapshot = {
        "environment": {"id": ENV_ID, "name": "staging", "branch": "main"},
        "project": {"id": ENV_ID, "name": "erp"},
        "server": None,
    }
    mock(
        mocked,
        client,
        "GET",
        f"/backups/{BACKUP_ID}",
        payload={**backup(6), "environment_snapshot": snapshot},
    )

    item = await client.backups.get(BACKUP_ID)

    assert item.environment_snapshot is not None
    assert item.environment_snapshot.environment is not None
    assert item.environment_snapshot.environment.name == "staging"
    assert item.environment_snapshot.server is None


async def test_download_urls_sends_the_lifetime_and_keeps_the_links_out_of_repr(
    mocked: aioresponses, client: Client
) -> None:
    mock(mocked, client, "GET", f"/backups/{BACKUP_ID}/download", payload=DOWNLOAD)

    links = await client.backups.download_urls(BACKUP_ID, expires_in=3600)

    assert links.database_url == "https://s3.example/db"
    assert "s3.example" not in repr(links)
    (call,) = sent(mocked, client, "GET", f"/backups/{BACKUP_ID}/download")
    assert params(call) == {"expires_in": 3600}


@pytest.mark.parametrize("expires_in", [299, 3601])
async def test_download_urls_checks_the_lifetime(
    mocked: aioresponses, client: Client, expires_in: int
) -> None:
    with pytest.raises(ValueError, match=r"expires_in must be within 300\.\.3600"):
        await client.backups.download_urls(BACKUP_ID, expires_in=expires_in)
    assert all_sent(mocked) == 0


async def test_download_urls_of_an_unfinished_backup_is_a_bad_request(
    mocked: aioresponses, client: Client
) -> None:
    mock(
        mocked,
        client,
        "GET",
        f"/backups/{BACKUP_ID}/download",
        status=400,
        payload={"detail": "Backup is not in COMPLETED status"},
    )
    with pytest.raises(BadRequestError, match="COMPLETED"):
        await client.backups.download_urls(BACKUP_ID)


async def test_restore_needs_confirm(mocked: aioresponses, client: Client) -> None:
    with pytest.raises(ValueError, match="confirm=True"):
        await client.backups.restore(BACKUP_ID)
    assert all_sent(mocked) == 0


async def test_restore_sends_both_headers_and_retries_with_the_same_key(
    mocked: aioresponses, client: Client
) -> None:
    path = f"/backups/{BACKUP_ID}/restore"
    mock(mocked, client, "POST", path, status=502, body="bad gateway")
    mock(mocked, client, "POST", path, status=202, payload=action_json(backup_id=BACKUP_ID))

    result = await client.backups.restore(BACKUP_ID, confirm=True)

    assert result.backup_id == UUID(BACKUP_ID)
    assert result.task_id == UUID(TASK_ID)
    calls = sent(mocked, client, "POST", path)
    assert [header(c, "X-Confirm-Restore") for c in calls] == ["true", "true"]
    keys = {header(c, "Idempotency-Key") for c in calls}
    assert len(keys) == 1
    assert None not in keys
    assert header(calls[0], "X-Idempotency-Key") is None
