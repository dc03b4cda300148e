"""Helpers for the resource tests: mock an API path (any query) and read back what was sent."""

from __future__ import annotations

import json
import re
from typing import Any

from aioresponses import aioresponses
from aioresponses.core import RequestCall
from yarl import URL

from oec_async import Client
from oec_async._converter import make_converter

ENV_ID = "00000000-0000-4000-8000-000000000004"
TASK_ID = "00000000-0000-4000-8000-000000000005"
PROJECT_ID = "00000000-0000-4000-8000-000000000003"
SERVER_ID = "00000000-0000-4000-8000-000000000002"
BACKUP_ID = "00000000-0000-4000-8000-000000000006"
WEBHOOK_ID = "00000000-0000-4000-8000-000000000007"
KEY_ID = "00000000-0000-4000-8000-000000000008"

STRICT = make_converter(forbid_extra_keys=True)
"""Rejects fields a model does not declare: fixtures from the docs must fit the models whole."""


def api_url(client: Client, path: str) -> str:
    return client.base_url + path


def mock(
    mocked: aioresponses,
    client: Client,
    method: str,
    path: str,
    *,
    status: int = 200,
    payload: Any = None,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    repeat: bool = False,
) -> None:
    """Answer ``method path`` (with any query string) once, or every time with ``repeat``."""
    pattern = re.compile(re.escape(api_url(client, path)) + r"(\?.*)?$")
    if payload is None and body is None:
        body = ""
    mocked.add(
        pattern,
        method=method,
        status=status,
        payload=payload,
        body=body or "",
        headers=headers,
        repeat=repeat,
    )


def sent(mocked: aioresponses, client: Client, method: str, path: str) -> list[RequestCall]:
    """Every request of ``method`` to ``path`` (any query), in order."""
    wanted = URL(api_url(client, path)).path
    return [
        call
        for (m, u), recorded in mocked.requests.items()
        if m == method and u.path == wanted
        for call in recorded
    ]


def all_sent(mocked: aioresponses) -> int:
    """How many requests were sent in all."""
    return sum(len(calls) for calls in mocked.requests.values())


def header(call: RequestCall, name: str) -> str | None:
    headers: dict[str, str] = call.kwargs["headers"]
    return headers.get(name)


def params(call: RequestCall) -> dict[str, Any]:
    return dict(call.kwargs.get("params") or {})


def body(call: RequestCall) -> Any:
    """The JSON body the SDK sent (it encodes the body itself), or ``None``."""
    data = call.kwargs.get("data")
    return None if data is None else json.loads(data)


def environment_json(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ENV_ID,
        "name": "staging-acme",
        "status": "deploying",
        "url": "https://acme.apps.oec.sh",
        "project_id": PROJECT_ID,
        "server_id": SERVER_ID,
        "created_at": "2026-10-01T00:00:00Z",
    }
    data.update(fields)
    return data


def action_json(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "task_id": TASK_ID,
        "status": "queued",
        "environment_id": ENV_ID,
        "poll_url": f"/api/public/v1/deployments/{TASK_ID}",
    }
    data.update(fields)
    return data


def task_json(status: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": TASK_ID,
        "type": "deploy",
        "status": status,
        "environment_id": ENV_ID,
    }
    data.update(fields)
    return data
