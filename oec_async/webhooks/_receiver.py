"""`WebhookReceiver`: verify, parse and dispatch OEC.sh webhook deliveries (aiohttp.web).

Connected to a :class:`oec_async.Client`, it also wakes the client's waiters: a
``deploy.completed``/``failed``/``cancelled`` push ends a ``client.deployments.wait`` at once
instead of at its next poll (polling stays the fallback when no push arrives).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Final, TypeVar

import anyio
from aiohttp import web

from .._polling import TaskSignals
from .._validation import check_int_range, check_positive_number
from ._errors import WebhookPayloadError, WebhookSignatureError
from ._freshness import ReplayMemory, check_age, header_value, signed_time
from ._payloads import DeployEvent, WebhookEvent, decode_body, parse_event
from ._signature import (
    DEFAULT_SCHEME,
    DEFAULT_TOLERANCE,
    Secret,
    SignatureScheme,
    verify_signature,
)

if TYPE_CHECKING:
    from .._client import Client

__all__ = [
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_HEADER_TIMEOUT",
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_REMEMBER",
    "Handler",
    "WebhookReceiver",
]

logger: Final = logging.getLogger("oec_async.webhooks")

DEFAULT_MAX_BODY_SIZE: Final = 1024 * 1024
"""Bodies over this many bytes are refused with 413 before being read in full."""

DEFAULT_HEADER_TIMEOUT: Final = 10.0
"""Seconds a connection may take to send a request's headers (or sit idle) before it is closed."""

DEFAULT_BODY_TIMEOUT: Final = 10.0
"""Seconds a request's body may take to arrive before the receiver answers 408 and closes."""

DEFAULT_REMEMBER: Final = 10_000
"""Deliveries remembered at most (each only while its signed time is within the tolerance)."""

Handler = Callable[[WebhookEvent], Awaitable[None]]
"""An async function called with each accepted event."""

H = TypeVar("H", bound=Handler)


def _secrets_of(secret: Secret | Sequence[Secret]) -> tuple[Secret, ...]:
    # Fail now, not on the first delivery, if a secret is empty or of the wrong type.
    given: object = secret
    secrets: list[object] = [given] if isinstance(given, str | bytes) else list(secret)
    if not secrets or not all(isinstance(s, str | bytes) and s for s in secrets):
        raise ValueError("secret must be a non-empty str or bytes (or a list of them)")
    return tuple(s for s in secrets if isinstance(s, str | bytes))


def _check_pattern(pattern: str) -> str:
    candidate: object = pattern
    if not isinstance(candidate, str) or not candidate.strip() or " " in candidate:
        raise ValueError(f"event pattern must be an event name, 'group.*' or '*', got {pattern!r}")
    if (
        "*" in candidate
        and candidate != "*"
        and not (candidate.endswith(".*") and "*" not in candidate[:-2])
    ):
        raise ValueError(f"'*' may only stand alone or end a 'group.*' pattern, got {pattern!r}")
    return candidate


def _matches(pattern: str, name: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return name.startswith(pattern[:-1])
    return pattern == name


class WebhookReceiver:
    """Receives OEC.sh webhook deliveries: verifies, parses, and calls your async handlers.

    Example::

        receiver = WebhookReceiver(secret=os.environ["OEC_WEBHOOK_SECRET"])
        receiver.connect(client)          # pushes end client.deployments.wait() early

        @receiver.on("deploy.failed")
        async def alert(event: DeployEvent) -> None:
            print(event.environment_name, event.error_message)

        app.router.add_post("/oec-webhooks", receiver.handle)   # your aiohttp app, or:
        async with receiver.serve(port=8080) as url: ...

    Answers: 200 accepted (or a repeated delivery, not dispatched again), 400 body is not a
    JSON event (including JSON nested too deeply to decode), 401 bad, missing or stale
    signature or signed time, or a suspected replay, 408 body slower than ``body_timeout``,
    413 body over ``max_body_size``, 500 a handler raised (the sender may retry).

    **Freshness.** A delivery must carry its send time inside what its signature covers: the
    body's ``timestamp`` (Unix seconds as an int, float or string, or ISO 8601), or the
    timestamp header when the scheme signs it (``signed_content="timestamp.body"``). The default
    scheme signs the body only, so the ``X-OEC-Timestamp`` header alone proves nothing (a
    replay could carry a new one): it is checked when present, but a delivery without a signed
    time is refused (401 ``missing_timestamp``). ``tolerance=None`` accepts such deliveries and
    turns every time check off, leaving only the count-bounded memory against replays.

    **Replays.** A delivery is remembered by its ``id`` (by a hash of its body when it has
    none) while its signed time is within ``tolerance``: a second copy gets 200 and is not
    handled again; after that, the freshness check refuses it whatever its id. At most
    ``remember`` deliveries are held; if a burst fills that, the oldest is forgotten and any
    delivery signed before it is refused as ``replayed`` (401), so no replay slips through.

    Args:
        secret: The webhook's signing secret, or several while rotating. Never logged or shown.
        scheme: Signature header names and format (undocumented upstream; see
            :class:`SignatureScheme` for the defaults).
        tolerance: Seconds a delivery's signed time may be off from now before it is refused
            as stale (default 300); ``None`` turns every time check off.
        max_body_size: Largest body accepted, in bytes (default 1 MiB).
        remember: How many deliveries to remember at most (default 10,000); ``0`` remembers
            none (only copies arriving while the first is being handled are caught).
        header_timeout: Seconds a connection of :meth:`serve` may take to send its headers,
            or stay idle between requests, before it is closed (default 10).
        body_timeout: Seconds a body may take to arrive before the answer is 408 and the
            connection is closed (default 10).
        clock: The current Unix time (tests).
    """

    def __init__(
        self,
        secret: Secret | Sequence[Secret],
        *,
        scheme: SignatureScheme = DEFAULT_SCHEME,
        tolerance: float | None = DEFAULT_TOLERANCE,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        remember: int = DEFAULT_REMEMBER,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secrets = _secrets_of(secret)
        check_int_range(max_body_size, "max_body_size", 1)
        check_int_range(remember, "remember", 0)
        check_positive_number(tolerance, "tolerance")  # None: no time checks
        self.scheme = scheme
        self.tolerance = tolerance
        self.max_body_size = max_body_size
        check_positive_number(header_timeout, "header_timeout")
        check_positive_number(body_timeout, "body_timeout")
        self.header_timeout = float(header_timeout)
        self.body_timeout = float(body_timeout)
        self._clock = clock
        self._memory = ReplayMemory(remember, tolerance)
        self._handlers: list[tuple[str, Handler]] = []
        self._signals: list[TaskSignals] = []
        self.accepted = 0
        """Deliveries accepted and dispatched."""
        self.duplicates = 0
        """Repeated deliveries answered 200 without dispatching."""
        self.rejected: dict[int, int] = {}
        """Refused deliveries, counted by HTTP status."""

    @property
    def remembered(self) -> int:
        """How many deliveries are remembered now (bounded by time and by ``remember``)."""
        return len(self._memory)

    def __repr__(self) -> str:
        return (
            f"<WebhookReceiver secrets=*** handlers={len(self._handlers)} "
            f"connected={len(self._signals)}>"
        )

    # -- wiring ---------------------------------------------------------------------------
    def set_secret(self, secret: Secret | Sequence[Secret]) -> None:
        """Replace the signing secret, e.g. after ``client.webhooks.rotate_secret``.

        The API stops using the old secret at once; pass both (``[new, old]``) to also accept
        deliveries already on their way.
        """
        self._secrets = _secrets_of(secret)

    def add_handler(self, event: str, handler: Handler) -> None:
        """Call ``handler`` for events matching ``event``: a name, ``"deploy.*"`` or ``"*"``."""
        if not callable(handler):
            raise TypeError("handler must be an async function taking the event")
        self._handlers.append((_check_pattern(event), handler))

    def on(self, event: str = "*") -> Callable[[H], H]:
        """Decorator form of :meth:`add_handler`."""
        _check_pattern(event)

        def register(handler: H) -> H:
            self.add_handler(event, handler)
            return handler

        return register

    def connect(self, target: Client | TaskSignals) -> None:
        """Feed a client's waiters: pushes about a task or an environment wake them at once.

        A ``deploy.completed``/``failed``/``cancelled`` event calls
        ``client.task_signals.notify(task_id)``; any event naming an environment also wakes
        waiters keyed by the environment id (``environments.create_and_wait``). The receiver
        must run on the same event loop as the client.
        """
        signals = target if isinstance(target, TaskSignals) else target.task_signals
        if signals not in self._signals:
            self._signals.append(signals)

    def disconnect(self, target: Client | TaskSignals) -> None:
        """Stop feeding a client connected with :meth:`connect`."""
        signals = target if isinstance(target, TaskSignals) else target.task_signals
        if signals in self._signals:
            self._signals.remove(signals)

    # -- processing -----------------------------------------------------------------------
    async def process(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent | None:
        """Verify, parse, notify and dispatch one delivery (for use outside aiohttp too).

        Args:
            body: The raw request body, exactly as received.
            headers: The request headers.

        Returns:
            The event, or ``None`` for a repeated delivery (not dispatched again).

        Raises:
            WebhookSignatureError: the delivery must be refused (401).
            WebhookPayloadError: the body is not a JSON event (400).
            Exception: whatever a handler raised.
        """
        now = self._clock()
        scheme = self.scheme
        stamped = scheme.timestamp_header is not None and (
            header_value(headers, scheme.timestamp_header) is not None
        )
        # The timestamp header, when sent, is checked here even if unsigned: it costs nothing.
        tolerance = self.tolerance if stamped else None
        verify_signature(self._secrets, body, headers, scheme=scheme, tolerance=tolerance, now=now)
        envelope = decode_body(body)
        event = parse_event(envelope)
        sent = None if self.tolerance is None else signed_time(envelope, headers, scheme)
        if self.tolerance is not None:
            if sent is None:
                raise WebhookSignatureError(
                    "missing_timestamp",
                    "the delivery carries no signed send time (a 'timestamp' in the body, or a "
                    "timestamp header the scheme signs), so a replay could not be told apart",
                )
            check_age(sent, self.tolerance, now, "the delivery's signed timestamp")
        key = event.id if event.id is not None else "sha256:" + hashlib.sha256(body).hexdigest()
        if not self._memory.claim(key, sent, now):
            self.duplicates += 1
            logger.info("repeated webhook delivery %s (%s) ignored", key, event.type)
            return None
        handled = False
        try:
            self._notify(event)
            for pattern, handler in self._handlers:
                if _matches(pattern, event.type.value):
                    await handler(event)
            handled = True
        finally:
            self._memory.release(key, sent, handled=handled)
        self.accepted += 1
        return event

    def _notify(self, event: WebhookEvent) -> None:
        ids = []
        if isinstance(event, DeployEvent) and event.is_terminal and event.task_id is not None:
            ids.append(event.task_id)
        if event.environment_id is not None:
            ids.append(event.environment_id)
        for signals in self._signals:
            for ident in ids:
                signals.notify(ident)

    # -- aiohttp --------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.Response:
        """The aiohttp handler: ``app.router.add_post(path, receiver.handle)``.

        Mounted in your own application, the header timeout is your server's
        (``keepalive_timeout``); the body timeout is this receiver's.
        """
        too_big = f"the body is over {self.max_body_size} bytes"
        length = request.content_length
        if length is not None and length > self.max_body_size:
            return self._refuse(413, "payload_too_large", too_big, close=True)
        try:
            with anyio.fail_after(self.body_timeout):
                body = await self._read_body(request)
        except TimeoutError:
            message = f"the body did not arrive within {self.body_timeout:g}s"
            return self._refuse(408, "body_timeout", message, close=True)
        if body is None:
            return self._refuse(413, "payload_too_large", too_big, close=True)
        try:
            event = await self.process(body, request.headers)
        except WebhookSignatureError as error:
            return self._refuse(401, error.reason, str(error))
        except WebhookPayloadError as error:
            return self._refuse(400, "invalid_payload", str(error))
        except Exception:
            logger.exception("a webhook handler failed; answering 500 so the sender retries")
            self.rejected[500] = self.rejected.get(500, 0) + 1
            return web.json_response(
                {"error": "handler_failed", "message": "a handler raised"}, status=500
            )
        if event is None:
            return web.json_response({"ok": True, "duplicate": True})
        return web.json_response({"ok": True, "event": event.type.value})

    async def _read_body(self, request: web.Request) -> bytes | None:
        """The whole body, or ``None`` as soon as it passes ``max_body_size``."""
        body = bytearray()
        async for chunk in request.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > self.max_body_size:
                return None
        return bytes(body)

    def _refuse(self, status: int, code: str, message: str, *, close: bool = False) -> web.Response:
        self.rejected[status] = self.rejected.get(status, 0) + 1
        logger.warning("webhook delivery refused (%d %s): %s", status, code, message)
        response = web.json_response({"error": code, "message": message}, status=status)
        if close:
            response.force_close()  # the rest of the body is not worth reading
        return response

    def app(self, path: str = "/webhooks") -> web.Application:
        """A small aiohttp application serving this receiver at ``POST path``."""
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {path!r}")
        application = web.Application(client_max_size=self.max_body_size + 1)
        application.router.add_post(path, self.handle)
        return application

    @asynccontextmanager
    async def serve(
        self, host: str = "127.0.0.1", port: int = 0, path: str = "/webhooks"
    ) -> AsyncIterator[str]:
        """Serve the receiver until the block exits; yields its URL.

        Example::

            async with receiver.serve(port=8080) as url:
                print("listening on", url)
                await anyio.sleep_forever()
        """
        runner = web.AppRunner(
            self.app(path),
            access_log=None,
            shutdown_timeout=1.0,
            # aiohttp closes a connection whose request has not arrived (headers included)
            # within keepalive_timeout; lingering_time=0: an unread body is not waited for.
            keepalive_timeout=self.header_timeout,
            lingering_time=0,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            bound = runner.addresses[0][1]
            shown = f"[{host}]" if ":" in host else host
            yield f"http://{shown}:{bound}{path}"
        finally:
            await runner.cleanup()
