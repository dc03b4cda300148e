"""Delivering signed webhook events, to loopback receivers only.

The real signature header and signed string are undocumented; the fake's convention (what
`oec_async.webhooks.sign_payload` computes, and the default the SDK's receiver checks) is::

    X-OEC-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>
    X-OEC-Timestamp: <unix seconds>      X-OEC-Event: <event>      X-OEC-Delivery: <uuid>

Events are derived from tasks (``deploy.started`` when a task leaves `queued`,
``deploy.completed`` / ``deploy.failed`` when it ends, ``environment.status_changed`` and
``environment.deleted``) plus ``environment.created``. They fall due on the fake clock and are
sent by a background loop (real clock only, started once a loopback webhook exists) or by
`FakeOEC.flush_webhooks()` (the only way on a `ManualClock`, so tests stay deterministic). URLs that are not loopback are never contacted: their deliveries are
recorded as ``skipped``.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import json
import time
import warnings
from typing import Final
from urllib.parse import urlsplit

import aiohttp

from .._validation import is_loopback
from ..webhooks._signature import compute_signature, sign_payload as signed_headers
from ._clock import isoformat
from ._errors import JSONObject
from ._resources import Webhook
from ._state import FakeState
from ._tasks import TaskRecord

SIGNATURE_HEADER: Final = "X-OEC-Signature"
TIMESTAMP_HEADER: Final = "X-OEC-Timestamp"
EVENT_HEADER: Final = "X-OEC-Event"
DELIVERY_HEADER: Final = "X-OEC-Delivery"
_POLL_INTERVAL: Final = 0.02


def sign_payload(secret: str, body: bytes) -> str:
    """Deprecated: use :func:`oec_async.webhooks.compute_signature` (this very value).

    Returns the signature header value, ``sha256=`` + hex HMAC-SHA256 of `body`. For every
    header of a signed delivery, use :func:`oec_async.webhooks.sign_payload`.
    """
    warnings.warn(
        "oec_async.testing.sign_payload is deprecated: use oec_async.webhooks.compute_signature "
        "(the same value) or oec_async.webhooks.sign_payload (every signing header)",
        DeprecationWarning,
        stacklevel=2,
    )
    return compute_signature(secret, body)


def is_loopback_url(url: str) -> bool:
    """Return True if `url` points at a loopback host."""
    return is_loopback(urlsplit(url).hostname or "")


def _formatted(webhook: Webhook, envelope: JSONObject) -> JSONObject:
    summary = f"OEC.sh: {envelope['event']} {json.dumps(envelope['data'], sort_keys=True)}"
    return {
        "slack": {"text": summary},
        "teams": {"type": "message", "text": summary},
        "discord": {"content": summary},
    }.get(webhook.format, envelope)


class WebhookDispatcher:
    """Queues events on the fake clock and POSTs them, signed, to subscribed webhooks."""

    def __init__(self, state: FakeState, *, background: bool = True) -> None:
        """Subscribe to new tasks of `state`.

        Args:
            state: The fake's state.
            background: Deliver from a background loop while serving (False: only on `flush`,
                which a `ManualClock` needs for deterministic tests).
        """
        self._state = state
        self._background = background
        self._queue: list[tuple[float, int, str, JSONObject, str | None]] = []
        self._seq = itertools.count()
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._serving = False
        self._cancelled: dict[str, float] = {}
        state.task_listeners.append(self.on_task)
        state.cancel_listeners.append(self.on_cancel)

    def emit(
        self, event: str, data: JSONObject, project_id: str | None, due: float | None = None
    ) -> None:
        """Queue `event`, due now or at `due` (fake clock)."""
        if not self._state.webhooks:
            return
        when = self._state.now() if due is None else due
        heapq.heappush(self._queue, (when, next(self._seq), event, data, project_id))

    def on_task(self, task: TaskRecord) -> None:
        """Queue the events a new task will cause."""
        env = self._state.environments[task.environment_id]
        if task.type == "backup":
            return
        base = {
            "task_id": task.id,
            "environment_id": env.id,
            "environment_name": env.name,
            "project_id": env.project_id,
            "type": task.type,
        }
        self.emit("deploy.started", {**base, "status": "running"}, env.project_id, task.started_at)
        outcome = "failed" if task.fails else "completed"
        self.emit(
            f"deploy.{outcome}",
            {**base, "status": outcome, "error_message": task.error_message},
            env.project_id,
            task.ends_at,
        )
        before, after = env.base_status, env.status_at(task.ends_at)
        if after == "deleted":
            self.emit("environment.deleted", base, env.project_id, task.ends_at)
        elif before != after:
            self.emit(
                "environment.status_changed",
                {**base, "old_status": before, "new_status": after},
                env.project_id,
                task.ends_at,
            )

    def on_cancel(self, task: TaskRecord) -> None:
        """Void a cancelled task's pending outcome events and queue ``deploy.cancelled``."""
        env = self._state.environments[task.environment_id]
        self._cancelled[task.id] = self._state.now()
        if task.type != "backup":
            self.emit(
                "deploy.cancelled",
                {
                    "task_id": task.id,
                    "environment_id": env.id,
                    "environment_name": env.name,
                    "project_id": env.project_id,
                    "type": task.type,
                    "status": "cancelled",
                },
                env.project_id,
            )

    def _voided(self, due: float, event: str, data: JSONObject) -> bool:
        cancelled_at = self._cancelled.get(str(data.get("task_id")))
        return cancelled_at is not None and event != "deploy.cancelled" and due > cancelled_at

    # -- background loop ------------------------------------------------------------------
    def start(self) -> None:
        """Allow background delivery (called when the server starts)."""
        self._serving = True
        self.wake()

    def wake(self) -> None:
        """Start the background loop if a loopback webhook now exists."""
        wanted = any(is_loopback_url(w.url) for w in self._state.webhooks.values())
        if self._background and self._serving and wanted and self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await self.flush()
            await asyncio.sleep(_POLL_INTERVAL)

    async def close(self) -> None:
        """Stop the loop and close the HTTP session."""
        self._serving = False
        task, self._loop_task = self._loop_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    # -- delivery -------------------------------------------------------------------------
    async def flush(self) -> int:
        """Deliver every event that is due; return the number of POSTs sent (skips not counted)."""
        attempts = 0
        async with self._lock:
            while self._queue and self._queue[0][0] <= self._state.now():
                due, _, event, data, project_id = heapq.heappop(self._queue)
                if self._voided(due, event, data):
                    continue
                for hook in list(self._state.webhooks.values()):
                    if (
                        hook.is_active
                        and event in hook.events
                        and hook.project_id in (None, project_id)
                    ):
                        record = await self.send(hook, event, data)
                        hook.record_delivery(record)
                        attempts += record["status"] != "skipped"
        return attempts

    async def send(self, hook: Webhook, event: str, data: JSONObject) -> JSONObject:
        """POST one signed event to `hook`; return the delivery record."""
        state = self._state
        delivery_id = state.new_id()
        wall = state.clock.wall()
        envelope: JSONObject = {
            "id": delivery_id,
            "event": event,
            "created_at": isoformat(wall),
            "timestamp": int(wall.timestamp()),
            "data": data,
        }
        record: JSONObject = {
            "id": delivery_id,
            "event": event,
            "status": "skipped",
            "attempt_count": 1,
            "response_status": None,
            "response_body": None,
            "duration_ms": None,
            "delivered_at": None,
            "created_at": isoformat(wall),
        }
        hook.last_triggered_at = state.now()
        if not is_loopback_url(hook.url):
            return record
        body = json.dumps(_formatted(hook, envelope)).encode()
        headers = {
            "Content-Type": "application/json",
            **signed_headers(hook.secret, body, timestamp=int(envelope["timestamp"])),
            EVENT_HEADER: event,
            DELIVERY_HEADER: delivery_id,
            "User-Agent": "OEC.sh-Webhooks/1.0 (oec_async fake)",
        }
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        started = time.perf_counter()
        try:
            async with self._session.post(hook.url, data=body, headers=headers) as response:
                text = (await response.text(errors="replace"))[:1000]
                ok = 200 <= response.status < 300
                record.update(response_status=response.status, response_body=text)
        except (TimeoutError, aiohttp.ClientError) as exc:
            ok = False
            record["response_body"] = f"{type(exc).__name__}: {exc}"[:1000]
        record["duration_ms"] = int((time.perf_counter() - started) * 1000)
        record["status"] = "delivered" if ok else "failed"
        record["delivered_at"] = isoformat(state.clock.wall()) if ok else None
        hook.failure_count = 0 if ok else hook.failure_count + 1
        return record
