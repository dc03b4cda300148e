"""``client.org``: the organisation, its usage, and its API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._config import Timeouts
from .._models import ApiKey, Organization, OrganizationUsage, Page
from .._pagination import AsyncPaginator
from .._validation import ApiKeyRef, check_api_key_id, check_confirm
from ._base import Resource
from ._paging import PagedResource

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["ApiKeys", "Org"]


class ApiKeys(PagedResource):
    """The organisation's active API keys (``client.org.api_keys``)."""

    def list(self, *, timeout: float | Timeouts | None = None) -> AsyncPaginator[ApiKey]:
        """The active keys (their ids and names, never their secret values), in one page."""
        path = "/org/api-keys"

        async def fetch(_: str | None) -> Page[ApiKey]:
            response = await self._send("GET", path, route="/org/api-keys", timeout=timeout)
            return self._structure_array_page(response, ApiKey)

        return self._paginator(fetch)

    async def revoke(
        self,
        key_id: ApiKeyRef,
        *,
        confirm: bool = False,
        timeout: float | Timeouts | None = None,
    ) -> None:
        """Revoke a key at once and for good. Needs ``confirm=True`` and an org-scoped full-access key.

        Every program using the key stops working, this client too if it is the key revoked.

        Raises:
            ValueError: ``confirm`` is not ``True`` (nothing is sent).
        """
        path = f"/org/api-keys/{check_api_key_id(key_id)}"
        check_confirm(confirm, f"revoking API key {key_id}")
        await self._send("DELETE", path, route="/org/api-keys/{api_key_id}", timeout=timeout)


class Org(Resource):
    """The organisation the API key belongs to."""

    def __init__(self, client: Client) -> None:
        super().__init__(client)
        self.api_keys = ApiKeys(client)
        """The organisation's API keys: ``list()`` and ``revoke()``."""

    async def get(self, *, timeout: float | Timeouts | None = None) -> Organization:
        """The organisation: its plan and its limits."""
        response = await self._send("GET", "/org", route="/org", timeout=timeout)
        return self._parse(response, Organization)

    async def usage(self, *, timeout: float | Timeouts | None = None) -> OrganizationUsage:
        """What the organisation uses now (environments running, CPU, memory, disk)."""
        response = await self._send("GET", "/org/usage", route="/org/usage", timeout=timeout)
        return self._parse(response, OrganizationUsage)
