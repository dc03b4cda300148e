"""Every check of the caller's input, done before any request so bad input fails fast.

One vocabulary: each ``check_*`` returns the value to send (an id as its canonical string, a
list of module names...) or raises ``TypeError`` (wrong type) or ``ValueError`` (a broken rule)
naming the argument and the rule. The rules follow the API's documentation (oec-api.md
section 2). Where an id is taken, the model that carries it is accepted too: an
:class:`Environment` wherever an environment id goes, a :class:`Deployment` or an
:class:`ActionResult` wherever a task id goes.

Secrets: the checks of the API key, the base URL and header values never put the offending
value in their message.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Iterable
from typing import Final, TypeVar
from urllib.parse import SplitResult, quote, quote_plus, urlsplit
from uuid import UUID

from ._config import DEFAULT_BASE_URL
from ._enums import _OpenStrEnum
from ._models import (
    ActionResult,
    ApiKey,
    Backup,
    Deployment,
    Environment,
    LastDeploy,
    Project,
    Server,
    Webhook,
    WebhookEventType,
)

__all__ = [
    "MAX_IDEMPOTENCY_KEY",
    "MODULE_NAME",
    "SUBSCRIBABLE_EVENTS",
    "ApiKeyRef",
    "BackupRef",
    "EnvironmentRef",
    "ProjectRef",
    "ServerRef",
    "TaskRef",
    "WebhookRef",
    "check_api_key",
    "check_api_key_id",
    "check_backup_id",
    "check_base_url",
    "check_bool",
    "check_branch",
    "check_choice",
    "check_confirm",
    "check_domain",
    "check_environment_id",
    "check_events",
    "check_header_value",
    "check_idempotency_key",
    "check_int_range",
    "check_module_names",
    "check_number",
    "check_odoo_version",
    "check_positive_number",
    "check_project_id",
    "check_server_id",
    "check_task_id",
    "check_text",
    "check_uuid",
    "check_webhook_id",
    "check_webhook_url",
    "is_local_address",
    "is_loopback",
    "last_id_in_path",
    "parse_uuid",
    "task_uuid",
]

E = TypeVar("E", bound=_OpenStrEnum)

EnvironmentRef = UUID | str | Environment
"""An environment given by id (UUID or string) or as the Environment itself."""
TaskRef = UUID | str | ActionResult | Deployment | LastDeploy
"""A task given by id, by the ActionResult that started it, or as a Deployment/LastDeploy."""
ProjectRef = UUID | str | Project
"""A project given by id or as the Project itself."""
ServerRef = UUID | str | Server
"""A server given by id or as the Server itself."""
BackupRef = UUID | str | Backup
"""A backup given by id or as the Backup itself."""
WebhookRef = UUID | str | Webhook
"""A webhook subscription given by id or as the Webhook itself."""
ApiKeyRef = UUID | str | ApiKey
"""An API key given by id or as the ApiKey itself (its metadata; never the secret)."""

MODULE_NAME: Final = re.compile(r"^[a-z0-9_]{1,64}\Z")  # \Z: "$" would let a trailing newline in
ODOO_VERSION: Final = re.compile(r"^\d{1,2}\.\d\Z")
DOMAIN: Final = re.compile(r"^(\*\.)?([a-z0-9-]+\.)+[a-z0-9-]+\Z", re.IGNORECASE)
MAX_IDEMPOTENCY_KEY: Final = 255
# Ids are checked on every request and every poll: the form the API sends (and str(UUID) gives)
# is recognised without building a UUID; any other form goes through the parser.
_CANONICAL_UUID: Final = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
).fullmatch
# ``ping`` is what ``webhooks.test`` sends; it is not a subscription.
SUBSCRIBABLE_EVENTS: Final = tuple(
    e.value for e in WebhookEventType if e is not WebhookEventType.PING
)
_LOOPBACK_NAMES: Final = frozenset({"localhost", "localhost.localdomain"})


# --- ids ---------------------------------------------------------------------------------


def parse_uuid(value: object, name: str | None = None) -> UUID:
    """The one id parser: a UUID, or a string in any form ``uuid.UUID`` reads.

    Used for the caller's ids and, by the converter, for the ids in answers.

    Raises:
        TypeError: neither a UUID nor a string.
        ValueError: a string that is not a UUID (shown shortened).
    """
    if value.__class__ is not str:
        if isinstance(value, UUID):
            return value
        if not isinstance(value, str):
            what = f"{name} must be a UUID or a UUID string" if name else "expected a UUID string"
            raise TypeError(f"{what}, got {type(value).__name__}")
    try:
        return UUID(value)
    except ValueError:
        if name is None:  # an answer's field: the converter adds the JSON path
            raise ValueError(f"not a UUID: {value[:60]!r}") from None
        shown = value if len(value) <= 60 else value[:60] + "..."
        raise ValueError(f"{name} must be a UUID, got {shown!r}") from None


def check_uuid(value: UUID | str, name: str) -> str:
    """An id as the canonical string that goes into a URL path or a body."""
    if value.__class__ is str and _CANONICAL_UUID(value) is not None:
        return value  # already what str(UUID(value)) gives
    return str(parse_uuid(value, name))


def last_id_in_path(path: str) -> str | None:
    """The last id in a URL path the SDK built, as written there (canonical), or ``None``."""
    for part in reversed(path.split("/")):
        if _CANONICAL_UUID(part) is not None:
            return part
    return None


def _model_id(value: object, name: str, model: type, attribute: str = "id") -> str:
    if isinstance(value, str | UUID):
        return check_uuid(value, name)
    if isinstance(value, model):
        return str(getattr(value, attribute))
    article = "an" if model.__name__[0] in "AEIOU" else "a"
    raise TypeError(
        f"{name} must be a UUID, a UUID string or {article} {model.__name__}, "
        f"got {type(value).__name__}"
    )


def check_environment_id(value: EnvironmentRef, name: str = "environment_id") -> str:
    """An environment id, or an :class:`Environment` (its ``id``)."""
    return _model_id(value, name, Environment)


def check_project_id(value: ProjectRef, name: str = "project_id") -> str:
    """A project id, or a :class:`Project` (its ``id``)."""
    return _model_id(value, name, Project)


def check_server_id(value: ServerRef, name: str = "server_id") -> str:
    """A server id, or a :class:`Server` (its ``id``)."""
    return _model_id(value, name, Server)


def check_backup_id(value: BackupRef, name: str = "backup_id") -> str:
    """A backup id, or a :class:`Backup` (its ``id``)."""
    return _model_id(value, name, Backup)


def check_webhook_id(value: WebhookRef, name: str = "webhook_id") -> str:
    """A webhook id, or a :class:`Webhook` (its ``id``)."""
    return _model_id(value, name, Webhook)


def check_api_key_id(value: ApiKeyRef, name: str = "key_id") -> str:
    """An API key's id, or an :class:`ApiKey` (its ``id``)."""
    return _model_id(value, name, ApiKey)


def task_uuid(value: TaskRef, name: str = "task_id") -> UUID:
    """A task id as a UUID, from an id, an ActionResult, a Deployment or a LastDeploy."""
    if isinstance(value, str | UUID):
        return parse_uuid(value, name)
    if isinstance(value, ActionResult):
        return value.task_id
    if isinstance(value, Deployment | LastDeploy):
        return value.id
    raise TypeError(
        f"{name} must be a UUID, a UUID string, an ActionResult, a Deployment or a LastDeploy, "
        f"got {type(value).__name__}"
    )


def check_task_id(value: TaskRef, name: str = "task_id") -> str:
    """A task id as its canonical string (see :func:`task_uuid` for what is accepted)."""
    if isinstance(value, str | UUID):
        return check_uuid(value, name)
    return str(task_uuid(value, name))


# --- numbers, text, choices ------------------------------------------------------------


def check_int_range(value: int, name: str, low: int, high: int | None = None) -> int:
    """An int within ``low..high`` (inclusive; no upper bound when ``high`` is None).

    Raises:
        TypeError: not an int (bools are refused too).
        ValueError: out of range.
    """
    candidate: object = value
    if not isinstance(candidate, int) or isinstance(candidate, bool):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bounds = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be within {bounds}, got {value}")
    return value


def check_positive_number(value: float | None, name: str) -> float | None:
    """``None``, or a finite number of seconds > 0 (returned as a float).

    Raises:
        TypeError: not a number.
        ValueError: zero, negative, NaN or infinite.
    """
    if value is None:
        return None
    candidate: object = value
    if not isinstance(candidate, int | float) or isinstance(candidate, bool):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")
    return float(value)


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


def check_text(value: str, name: str, *, max_len: int, min_len: int = 1) -> str:
    """A string of ``min_len..max_len`` characters (not blank when ``min_len`` > 0)."""
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


def _has_control(value: str) -> bool:
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value)


def check_branch(value: str, name: str = "branch") -> str:
    """A Git branch name: 1..255 characters, no whitespace or control characters."""
    check_text(value, name, max_len=255)
    if _has_control(value) or any(c.isspace() for c in value):
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


def check_choice(value: E | str, name: str, choices: type[E], *, fold_case: bool = False) -> str:
    """One of the known values of the enum ``choices``, given as a member or its string.

    Raises:
        ValueError: an unknown value; the message lists the valid ones.
    """
    candidate: object = value
    if isinstance(candidate, choices):
        if candidate.is_known:
            return str(candidate.value)
    elif isinstance(candidate, str):
        wanted = candidate.lower() if fold_case else candidate
        if any(member.value == wanted for member in choices):
            return wanted
    known = ", ".join(member.value for member in choices)
    raise ValueError(f"{name} must be one of {known}; got {value!r}")


def check_confirm(confirm: bool, what: str) -> None:
    """Refuse a destructive call unless ``confirm`` is exactly ``True``."""
    if confirm is not True:
        raise ValueError(f"{what} cannot be undone: pass confirm=True to do it (nothing was sent)")


def check_module_names(modules: Iterable[str], name: str = "modules") -> list[str]:
    """1..50 Odoo module names matching ``^[a-z0-9_]{1,64}$``, as a list.

    Raises:
        TypeError: a plain string was given instead of a list of names.
        ValueError: empty, over 50 names, or a name breaking the rule.
    """
    if isinstance(modules, str):
        raise TypeError(f"{name} must be a list of module names, not a single string")
    names = list(modules)
    if not 1 <= len(names) <= 50:
        raise ValueError(f"{name} must hold 1..50 module names, got {len(names)}")
    for module in names:
        candidate: object = module
        if not isinstance(candidate, str) or not MODULE_NAME.match(candidate):
            raise ValueError(
                f"invalid module name {module!r} in {name}: must match ^[a-z0-9_]{{1,64}}$"
            )
    return names


def check_events(events: Iterable[WebhookEventType | str], name: str = "events") -> list[str]:
    """At least one known event name; duplicates are dropped, order kept.

    The docs cap a subscription at 10 events, the live API takes all 12: the server decides.
    """
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
    if not names:
        raise ValueError(f"{name} must hold at least one event")
    return names


# --- headers -----------------------------------------------------------------------------


def check_header_value(value: str, name: str) -> str:
    """A value for the HTTP header ``name``: a string without CR, LF, NUL or other controls.

    The message names the header and the position of the first bad character, never the value
    (it may be a secret).
    """
    candidate: object = value
    if not isinstance(candidate, str):
        raise TypeError(f"the {name} header value must be a string, got {type(value).__name__}")
    for index, char in enumerate(candidate):
        if ord(char) < 32 or ord(char) == 127:
            raise ValueError(
                f"the {name} header value must not contain control characters "
                f"(CR, LF, NUL...): found {_char_name(char)} at position {index}"
            )
    return candidate


def _char_name(char: str) -> str:
    return {"\r": "CR", "\n": "LF", "\0": "NUL", "\t": "TAB", "\x7f": "DEL"}.get(
        char, f"U+{ord(char):04X}"
    )


def check_idempotency_key(value: str | None, name: str = "idempotency_key") -> str | None:
    """``None`` (one is generated per call), or 1..255 printable ASCII characters.

    The same rule for every endpoint: actions (``Idempotency-Key``) and creates
    (``X-Idempotency-Key``).
    """
    if value is None:
        return None
    candidate: object = value
    if not isinstance(candidate, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if not 1 <= len(candidate) <= MAX_IDEMPOTENCY_KEY:
        raise ValueError(
            f"{name} must be 1..{MAX_IDEMPOTENCY_KEY} characters long, got {len(candidate)}"
        )
    check_header_value(candidate, "Idempotency-Key")
    if not candidate.isascii() or not candidate.isprintable():
        raise ValueError(f"{name} must be printable ASCII characters only")
    if candidate != candidate.strip():
        raise ValueError(f"{name} must not start or end with a space")
    return candidate


# --- hosts, URLs, the key ----------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name, an IP literal, ``[::1]``) is this machine's loopback."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_local_address(host: str) -> bool:
    """Whether ``host`` is loopback, a private or a link-local address (the API refuses them)."""
    if is_loopback(host):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_private or address.is_link_local


def check_webhook_url(url: str, *, allow_local: bool = False, name: str = "url") -> str:
    """An ``https://`` URL of at most 2048 characters, without credentials or a backslash.

    The API refuses plain http and private or loopback addresses. ``allow_local`` lifts both
    rules for loopback hosts only; the SDK sets it when the client itself talks to a server on
    loopback (a local fake), never for the real API.
    """
    check_text(url, name, max_len=2048)
    if any(c.isspace() for c in url) or "\\" in url or _has_control(url):
        raise ValueError(f"{name} must not contain whitespace, control characters or a backslash")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{name} must not contain a user name or password")
    if not host:
        raise ValueError(f"{name} must be an absolute https:// URL with a host, got {url!r}")
    loopback_ok = allow_local and is_loopback(host)
    if parts.scheme != "https" and not (loopback_ok and parts.scheme == "http"):
        raise ValueError(f"{name} must start with https:// (the API refuses plain http)")
    if is_local_address(host) and not loopback_ok:
        raise ValueError(
            f"{name} points at a private or loopback address ({host}); the API refuses those"
        )
    return url


def check_api_key(api_key: str | None) -> str:
    """The API key given, else ``OEC_API_KEY``; printable ASCII without spaces.

    Raises:
        ValueError: no key, an empty one, or one with spaces or control characters. The
            message never contains the key.
    """
    key = api_key if api_key is not None else os.environ.get("OEC_API_KEY")
    if key is None:
        raise ValueError("no API key: pass api_key=... or set OEC_API_KEY")
    if not isinstance(key, str):
        raise TypeError(f"api_key must be a string, got {type(key).__name__}")
    key = key.strip()
    if not key:
        raise ValueError("api_key is empty")
    if not key.isascii() or not key.isprintable() or " " in key:
        raise ValueError(
            "api_key must not contain whitespace or control characters (printable ASCII only)"
        )
    return key


def _redact(text: str, secret: str | None) -> str:
    if not secret:
        return text
    for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
        text = text.replace(form, "***")
    return text


def check_base_url(
    base_url: str, *, allow_insecure_http: bool = False, secret: str | None = None
) -> str:
    """The API base URL, without a trailing slash.

    Refused: anything but an absolute http(s) URL; credentials, a query or a fragment (a key
    passed there would be sent or logged); plain http to a host that is not loopback, unless
    ``allow_insecure_http``. Messages show the URL without its user info, query and fragment,
    and with ``secret`` (the API key) masked in every form.
    """
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a string, got {type(base_url).__name__}")
    text = base_url.strip()
    url = urlsplit(text)
    host = url.hostname or ""
    shown = _redact(f"{url.scheme}://{host}{_port(url)}{url.path}" if host else "", secret)
    if _has_control(text) or " " in text:
        raise ValueError("base_url must not contain spaces or control characters")
    if "@" in text:  # user info, wherever a "/" or ":" in it made the parser place it
        after = text.rsplit("@", 1)[1].split("/", 1)[0].split("?", 1)[0]
        shown = _redact(f"{url.scheme}://{after}" if url.scheme else after, secret)
    if "@" in text or url.query or url.fragment or text.endswith(("?", "#")):
        raise ValueError(
            "base_url must not carry credentials, a query or a fragment (pass the key as "
            f"api_key=), got {shown!r}"
        )
    if url.scheme not in ("http", "https") or not host:
        given = f"got {shown!r}" if host else "got a value without an http(s) scheme and host"
        raise ValueError(f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL!r}, {given}")
    if url.scheme == "http" and not allow_insecure_http and not is_loopback(host):
        raise ValueError(
            f"base_url {shown!r} is plain http to a non-loopback host: the API key would "
            "travel unencrypted. Use https, or pass allow_insecure_http=True if you must."
        )
    return text.rstrip("/")


def _port(url: SplitResult) -> str:
    try:
        port = url.port
    except ValueError:  # a port that is not a number
        return ":?"
    return f":{port}" if port is not None else ""
