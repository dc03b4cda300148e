"""``client.backups``: list, take, read, download and restore backups."""

from __future__ import annotations

from uuid import UUID

from .._config import Timeouts
from .._models import ActionResult, Backup, BackupDownload, BackupStatus, BackupType, RetentionType
from .._pagination import AsyncPaginator, PageDraft
from .._validation import (
    BackupRef,
    EnvironmentRef,
    check_backup_id,
    check_bool,
    check_choice,
    check_confirm,
    check_environment_id,
    check_idempotency_key,
    check_int_range,
    check_text,
    check_uuid,
)
from ._base import ACTION_IDEMPOTENCY_HEADER, same_id
from ._paging import PagedResource, position_cursor

__all__ = ["Backups"]


class Backups(PagedResource):
    """Backups of an environment's database and filestore."""

    def list(
        self,
        environment_id: EnvironmentRef,
        *,
        status: BackupStatus | str | None = None,
        backup_type: BackupType | str | None = None,
        page_size: int = 20,
        cursor: str | None = None,
        max_items: int | None = None,
        timeout: float | Timeouts | None = None,
    ) -> AsyncPaginator[Backup]:
        """An environment's backups, newest first, page after page.

        The API pages by number; the paginator's cursor is the next page number, so
        ``page.next_cursor`` can be saved and passed back as ``cursor=`` like any other list.
        Backups of a deleted environment stay readable.

        Args:
            environment_id: The environment.
            status: Only backups in this status.
            backup_type: Only backups of this type.
            page_size: Backups per page, 1..100.
            cursor: A saved ``page.next_cursor`` (a page number) to start from.
            max_items: Stop after this many items.
            timeout: Request timeout for each page.
        """
        path = f"/environments/{check_environment_id(environment_id)}/backups"
        check_int_range(page_size, "page_size", 1, 100)
        first = position_cursor(cursor, "a page number", 1) or 1
        filters: dict[str, str | int] = {"page_size": page_size}
        if status is not None:
            filters["status"] = check_choice(status, "status", BackupStatus)
        if backup_type is not None:
            filters["backup_type"] = check_choice(backup_type, "backup_type", BackupType)

        async def fetch(page_cursor: str | None) -> PageDraft[Backup]:
            number = first if page_cursor is None else int(page_cursor)
            params = {**filters, "page": number}
            response = await self._send(
                "GET",
                path,
                route="/environments/{environment_id}/backups",
                params=params,
                timeout=timeout,
            )
            return self._read_number_page(response, Backup, number)

        return self._paginator(fetch, max_items=max_items)

    async def create(
        self,
        environment_id: EnvironmentRef,
        *,
        include_filestore: bool | None = None,
        retention_type: RetentionType | str | None = None,
        storage_config_id: UUID | str | None = None,
        notes: str | None = None,
        timeout: float | Timeouts | None = None,
    ) -> Backup:
        """Start a manual backup; returns it ``pending``, with the ``task_id`` to wait on.

        The route takes no idempotency key and the SDK does not retry it after the request may
        have reached the server; the API refuses a second backup while one runs (409).

        Args:
            environment_id: The environment.
            include_filestore: Also back up the filestore (the API's default: ``True``).
            retention_type: ``daily``, ``weekly``, ``monthly``, ``yearly`` or ``permanent``
                (the API's default).
            storage_config_id: A backup storage of the organisation (default: its default).
            notes: Up to 500 characters.
            timeout: Request timeout for this call.

        Raises:
            ConflictError: a backup of the environment is already running.
        """
        path = f"/environments/{check_environment_id(environment_id)}/backups"
        body: dict[str, object] = {"backup_type": "manual"}
        if include_filestore is not None:
            body["include_filestore"] = check_bool(include_filestore, "include_filestore")
        if retention_type is not None:
            body["retention_type"] = check_choice(retention_type, "retention_type", RetentionType)
        if storage_config_id is not None:
            body["storage_config_id"] = check_uuid(storage_config_id, "storage_config_id")
        if notes is not None:
            body["notes"] = check_text(notes, "notes", max_len=500, min_len=0)
        response = await self._send(
            "POST", path, route="/environments/{environment_id}/backups", json=body, timeout=timeout
        )
        return self._parse(response, Backup)

    async def get(self, backup_id: BackupRef, *, timeout: float | Timeouts | None = None) -> Backup:
        """Fetch one backup, with the snapshot of its environment, project and server."""
        path = f"/backups/{check_backup_id(backup_id)}"
        response = await self._send("GET", path, route="/backups/{backup_id}", timeout=timeout)
        return same_id(self._parse(response, Backup), response)

    async def download_urls(
        self,
        backup_id: BackupRef,
        *,
        expires_in: int = 300,
        timeout: float | Timeouts | None = None,
    ) -> BackupDownload:
        """Presigned links to a completed backup's database dump, filestore and manifest.

        Anyone holding a link can download the data until it expires: keep them short-lived.

        Args:
            backup_id: The backup (it must be ``completed``).
            expires_in: Lifetime of the links in seconds, 300..3600.
            timeout: Request timeout for this call.

        Raises:
            BadRequestError: the backup is not completed.
        """
        path = f"/backups/{check_backup_id(backup_id)}/download"
        params = {"expires_in": check_int_range(expires_in, "expires_in", 300, 3600)}
        response = await self._send(
            "GET", path, route="/backups/{backup_id}/download", params=params, timeout=timeout
        )
        return self._parse(response, BackupDownload)

    async def restore(
        self,
        backup_id: BackupRef,
        *,
        confirm: bool = False,
        idempotency_key: str | None = None,
        timeout: float | Timeouts | None = None,
        max_retries: int | None = None,
    ) -> ActionResult:
        """Overwrite the backup's environment with it. Needs ``confirm=True``.

        Changes made since the backup are lost (the API takes a safety backup first). Returns
        at once with the restore task; wait for it with ``client.deployments.wait``.

        Args:
            backup_id: The backup (it must be ``completed``).
            confirm: Must be ``True``; sent as ``X-Confirm-Restore: true``.
            idempotency_key: Sent as ``Idempotency-Key``; one is generated otherwise, and
                retries of this call reuse it, so a retried restore never runs twice.
            timeout: Request timeout for this call.
            max_retries: Retries for this call.

        Raises:
            ValueError: ``confirm`` is not ``True`` (nothing is sent).
            TaskInProgressError: another action is active on the environment.
        """
        path = f"/backups/{check_backup_id(backup_id)}/restore"
        check_confirm(confirm, f"restoring backup {backup_id} over its environment")
        response = await self._send(
            "POST",
            path,
            route="/backups/{backup_id}/restore",
            headers={"X-Confirm-Restore": "true"},
            idempotency_header=ACTION_IDEMPOTENCY_HEADER,
            idempotency_key=check_idempotency_key(idempotency_key),
            timeout=timeout,
            max_retries=max_retries,
        )
        return self._parse(response, ActionResult)
