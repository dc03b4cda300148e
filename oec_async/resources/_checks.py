"""Argument checks for the resource methods, done before any request is sent.

Each follows a rule the API documents (oec-api.md section 2); a bad value raises ``ValueError``
(or ``TypeError`` for a wrong type) naming the argument and the rule.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable
from typing import Final, TypeVar
from urllib.parse import urlsplit

from .._enums import _OpenStrEnum
from .._models_webhooks import WebhookEventType

__all__ = [
    "MAX_WEBHOOK_EVENTS",
    "check_bool",
    "check_branch",
    "check_choice",
    "check_domain",
    "check_events",
    "check_idempotency_key",
    "check_number",
    "check_odoo_version",
    "check_text",
    "check_webhook_url",
    "require_confirm",
]

E = TypeVar("E", bound=_OpenStrEnum)

# The docs say 10 per webhook; the live API takes all 12 events. The server is the judge of the
# smaller limit (a docs-style server answers 422), so the SDK only refuses what no server takes.
MAX_WEBHOOK_EVENTS: Final = 12
ODOO_VERSION: Final = re.compile(r"^\d{1,2}\.\d$")
DOMAIN: Final = re.compile(r"^(\*\.)?([a-z0-9-]+\.)+[a-z0-9-]+$", re.IGNORECASE)
_LOOPBACK_NAMES: Final = frozenset({"localhost", "localhost.localdomain"})
# ``ping`` is what ``webhooks.test`` sends; it is not a subscription.
SUBSCRIBABLE_EVENTS: Final = tuple(
    e.value for e in WebhookEventType if e is not WebhookEventType.PING
)


def check_text(value: str, name: str, *, max_len: int, min_len: int = 1) -> str:
    """A string of ``min_len..max_len`` characters."""
    candidate: object = value
    if not isinstance(candidate, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if not min_len <= len(candidate) <= max_len:
        raise ValueError(
            f"{name} must be {min_len}..{max_len} characters long, got {len(candidate)}"
        )
    if min_len > 0 and not candidate.strip():
        raise ValueError(f"{name} must not be blank")
    return candidate


def check_branch(value: str, name: str = "branch") -> str:
    """A Git branch name: 1..255 characters, no whitespace or control characters."""
    check_text(value, name, max_len=255)
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"{name} must not contain whitespace or control characters: {value!r}")
    return value


def check_odoo_version(value: str, name: str = "odoo_version") -> str:
    """An Odoo version such as ``"17.0"`` (``^\\d{1,2}\\.\\d$``)."""
    check_text(value, name, max_len=5)
    if not ODOO_VERSION.match(value):
        raise ValueError(f"{name} must look like '17.0' (^\\d{{1,2}}\\.\\d$), got {value!r}")
    return value


def check_domain(value: str, name: str = "domain", *, allow_empty: bool = False) -> str:
    """A host name (``erp.example.com``, at most 253 characters); ``""`` when ``allow_empty``."""
    candidate: object = value
    if allow_empty and candidate == "":
        return ""
    check_text(value, name, max_len=253)
    if not DOMAIN.match(value):
        raise ValueError(f"{name} must be a host name such as 'erp.example.com', got {value!r}")
    return value.lower()


def check_number(
    value: float, name: str, low: float, high: float, *, integer: bool = False
) -> float | int:
    """A finite number within ``low..high`` (an int when ``integer``); bools are refused."""
    candidate: object = value
    kinds: tuple[type, ...] = (int,) if integer else (int, float)
    if not isinstance(candidate, kinds) or isinstance(candidate, bool):
        kind = "an integer" if integer else "a number"
        raise TypeError(f"{name} must be {kind}, got {type(value).__name__}")
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} must be within {low:g}..{high:g}, got {value!r}")
    return value


def check_bool(value: bool, name: str) -> bool:
    """A real bool (``1`` or ``"yes"`` are refused: the API would reject them)."""
    candidate: object = value
    if not isinstance(candidate, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return candidate


def check_choice(value: str, name: str, choices: type[E]) -> str:
    """One of the values of the enum ``choices`` (given as the enum or its string)."""
    candidate: object = value
    if isinstance(candidate, choices) and candidate.is_known:
        return str(candidate.value)
    known = [member.value for member in choices]
    if isinstance(candidate, str) and candidate in known:
        return candidate
    raise ValueError(f"{name} must be one of {', '.join(known)}; got {value!r}")


def check_idempotency_key(value: str | None) -> str | None:
    """``None`` or a non-empty string of at most 255 characters."""
    if value is None:
        return None
    return check_text(value, "idempotency_key", max_len=255)


def require_confirm(confirm: bool, what: str) -> None:
    """Refuse a destructive call unless ``confirm`` is exactly ``True``."""
    if confirm is not True:
        raise ValueError(f"{what} cannot be undone: pass confirm=True to do it (nothing was sent)")


def check_events(events: Iterable[WebhookEventType | str], name: str = "events") -> list[str]:
    """1..12 distinct, known event names (duplicates are dropped, order kept)."""
    if isinstance(events, str):
        raise TypeError(f"{name} must be a list of event names, not a single string")
    names: list[str] = []
    for event in events:
        value: object = event.value if isinstance(event, WebhookEventType) else event
        if not isinstance(value, str) or value not in SUBSCRIBABLE_EVENTS:
            raise ValueError(
                f"unknown webhook event {event!r} in {name}; known events: "
                + ", ".join(SUBSCRIBABLE_EVENTS)
            )
        if value not in names:
            names.append(value)
    if not 1 <= len(names) <= MAX_WEBHOOK_EVENTS:
        raise ValueError(
            f"{name} must hold 1..{MAX_WEBHOOK_EVENTS} distinct events, got {len(names)}"
        )
    return names


def _is_local(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def check_webhook_url(url: str, *, allow_local: bool = False, name: str = "url") -> str:
    """An ``https://`` URL of at most 2048 characters, without credentials or a backslash.

    The API refuses plain http and private or loopback addresses. ``allow_local`` lifts both
    rules for loopback hosts only; the SDK sets it when the client itself talks to a server on
    loopback (a local fake), never for the real API.
    """
    check_text(url, name, max_len=2048)
    if any(c.isspace() for c in url) or "\\" in url:
        raise ValueError(f"{name} must not contain whitespace or a backslash")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{name} must not contain a user name or password")
    if not host:
        raise ValueError(f"{name} must be an absolute https:// URL with a host, got {url!r}")
    loopback_ok = allow_local and (host.lower() in _LOOPBACK_NAMES or _loopback_literal(host))
    if parts.scheme != "https" and not (loopback_ok and parts.scheme == "http"):
        raise ValueError(f"{name} must start with https:// (the API refuses plain http)")
    if _is_local(host) and not loopback_ok:
        raise ValueError(
            f"{name} points at a private or loopback address ({host}); the API refuses those"
        )
    return url


def _loopback_literal(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
