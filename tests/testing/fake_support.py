"""Plain-aiohttp access to the fake server (tests of the fake never use the SDK)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
import attrs

from oec_async.testing import FakeOEC


@attrs.frozen
class Reply:
    """A response: status, headers and the JSON body (text when not JSON, None when empty)."""

    status: int
    headers: Mapping[str, str]
    body: Any

    @property
    def error(self) -> Any:
        """The `error` code of a "detail"-style or top-level error body."""
        detail = self.body.get("detail") if isinstance(self.body, dict) else None
        return detail.get("error") if isinstance(detail, dict) else self.body.get("error")


class Api:
    """Sends requests to a fake with a chosen key: ``"rw"``, ``"ro"``, None or a raw key."""

    def __init__(self, session: aiohttp.ClientSession, fake: FakeOEC) -> None:
        self.session = session
        self.fake = fake

    def auth_headers(self, auth: str | None) -> dict[str, str]:
        if auth is None:
            return {}
        key = {"rw": self.fake.full_access_key, "ro": self.fake.read_only_key}.get(auth, auth)
        return {"Authorization": f"Bearer {key}"}

    async def call(
        self,
        method: str,
        path: str,
        *,
        auth: str | None = "rw",
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        data: str | None = None,
    ) -> Reply:
        all_headers = {**self.auth_headers(auth), **(headers or {})}
        async with self.session.request(
            method, self.fake.url + path, headers=all_headers, json=json, params=params, data=data
        ) as response:
            text = await response.text()
            body: Any = None
            if response.content_type == "application/json":
                body = await response.json()
            elif text:
                body = text
            return Reply(response.status, dict(response.headers), body)

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("DELETE", path, **kwargs)


def running_env(fake: FakeOEC) -> str:
    """Return the id of a running environment."""
    return next(e for e in fake.environment_ids if fake.environment_status(e) == "running")


def stopped_env(fake: FakeOEC) -> str:
    """Return the id of a stopped environment."""
    return next(e for e in fake.environment_ids if fake.environment_status(e) == "stopped")
