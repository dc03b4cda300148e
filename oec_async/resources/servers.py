"""``client.servers``: the servers environments run on, and their live metrics."""

from __future__ import annotations

from .._config import Timeouts
from .._models import Server, ServerMetrics
from .._pagination import AsyncPaginator
from .._validation import ServerRef, check_server_id
from ._base import Resource, same_id

__all__ = ["Servers"]


class Servers(Resource):
    """Servers (VMs) of the organisation."""

    def list(
        self,
        *,
        limit: int = 20,
        cursor: str | None = None,
        max_items: int | None = None,
        timeout: float | Timeouts | None = None,
    ) -> AsyncPaginator[Server]:
        """Every server the key can see, following cursors to the end.

        Args:
            limit: Page size, 1..100.
            cursor: Start from a saved ``page.next_cursor`` instead of the first page.
            max_items: Stop after this many items.
            timeout: Request timeout for each page.
        """
        return self._cursor_list(
            "/servers",
            Server,
            route="/servers",
            limit=limit,
            cursor=cursor,
            max_items=max_items,
            timeout=timeout,
        )

    async def get(self, server_id: ServerRef, *, timeout: float | Timeouts | None = None) -> Server:
        """Fetch one server.

        Raises:
            NotFoundError: no such server, a shared (oec.sh-managed) server, or a
                project-scoped key (it never sees single servers).
        """
        path = f"/servers/{check_server_id(server_id)}"
        response = await self._send("GET", path, route="/servers/{server_id}", timeout=timeout)
        return same_id(self._parse(response, Server), response)

    async def metrics(
        self, server_id: ServerRef, *, timeout: float | Timeouts | None = None
    ) -> ServerMetrics:
        """Live CPU, memory, disk and network figures of one of the organisation's servers.

        The API allows 6 of these calls a minute per server: over it, a
        :class:`RateLimitError` with ``retry_after`` is raised at once (not retried).

        Raises:
            NotFoundError: a shared server (its figures would cover other customers).
        """
        path = f"/servers/{check_server_id(server_id)}/metrics"
        response = await self._send(
            "GET", path, route="/servers/{server_id}/metrics", timeout=timeout
        )
        return self._parse(response, ServerMetrics)
