"""Sans-I/O core: turn ``(status, headers, body)`` into data or the right exception.

Nothing here touches the network or an event loop, so every rule is tested with plain values.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, Final

from attrs import frozen

from ._exceptions import (
    APIStatusError,
    FieldError,
    ResponseValidationError,
    status_error_class,
)
from ._models import RateLimitSnapshot

__all__ = [
    "ErrorInfo",
    "build_status_error",
    "decode_json_body",
    "excerpt",
    "parse_error_body",
    "parse_field_error",
    "parse_rate_limit",
    "redact",
]

_EXCERPT_CHARS: Final = 200
_MESSAGE_CHARS: Final = 500
_CODE_CHARS: Final = 200
_EPOCH_THRESHOLD: Final = 1_000_000_000  # above this, X-RateLimit-Reset is a Unix time
_MAX_FIELD_ERRORS: Final = 50
_KEY_PATTERN: Final = re.compile(r"oec_live_r[ow]_[A-Za-z0-9_\-]+")


@frozen
class ErrorInfo:
    """What an error body says, whatever its shape."""

    code: str | None
    message: str
    field_errors: tuple[FieldError, ...] = ()
    details: Mapping[str, object] = {}


def redact(text: str, secret: str | None = None) -> str:
    """Remove API keys (the configured one, and anything shaped like a key) from ``text``."""
    if secret:
        text = text.replace(secret, "[redacted]")
    return _KEY_PATTERN.sub("oec_live_[redacted]", text)


def _redact_bytes(body: bytes, secret: str | None) -> bytes:
    if not secret:
        return body
    return body.replace(secret.encode("utf-8", errors="replace"), b"[redacted]")


def excerpt(body: bytes, limit: int = _EXCERPT_CHARS) -> str:
    """A short, printable excerpt of a body, for error messages."""
    text = body[: limit * 4].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def _shorten(text: str, limit: int = _MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def parse_field_error(item: object) -> FieldError:
    """Read one field error in either shape the API sends, without raising.

    The docs show ``{"field": "name", "message": ...}``; the live API (FastAPI) sends
    ``{"loc": ["body", "name"], "msg": ..., "type": ...}``. Mixtures of the two and a string
    ``loc`` are read too; anything else becomes a field-less error with the item as text.
    ``FieldError.name`` gives the field's own name whichever shape it came in.
    """
    if not isinstance(item, dict):
        return FieldError("", _shorten(str(item)))
    loc = item.get("loc", item.get("field"))
    if isinstance(loc, list | tuple):
        where = ".".join(str(part) for part in loc)
    else:
        where = "" if loc is None else str(loc)
    text = item.get("msg", item.get("message"))
    kind = item.get("type")
    return FieldError(
        where, _shorten("" if text is None else str(text)), kind if isinstance(kind, str) else None
    )


def _field_errors(items: list[Any]) -> tuple[FieldError, ...]:
    return tuple(parse_field_error(item) for item in items)


def _from_object(obj: Mapping[str, Any], fallback: str) -> ErrorInfo:
    code = obj.get("error", obj.get("reason"))
    message = obj.get("message")
    details = {k: v for k, v in obj.items() if k not in {"error", "message", "detail"}}
    nested_details = obj.get("details")
    if isinstance(nested_details, dict):
        # The top-level envelope nests its extras (task_id, retry_after...) one level down;
        # lift them so they read the same as in the other shapes.
        details = {**nested_details, **details}
    field_errors: tuple[FieldError, ...] = ()
    nested = obj.get("detail")
    if isinstance(nested, list):
        field_errors = _field_errors(nested)
    return ErrorInfo(
        code=code if isinstance(code, str) else None,
        message=_shorten(message) if isinstance(message, str) else fallback,
        field_errors=field_errors,
        details=details,
    )


def parse_error_body(body: bytes, fallback: str) -> ErrorInfo:
    """Read any of the API's five error shapes, or a non-JSON body, without raising.

    Shapes: ``{"detail": {"error", "message", ...}}``; ``{"detail": [{"loc", "msg", "type"}]}``;
    ``{"detail": "text"}``; ``{"detail": {"reason", ...}}`` (402); and top-level
    ``{"error", "message", "details"|"detail": [...]}``.

    Args:
        body: The raw body.
        fallback: The message to use when the body has none (the HTTP reason phrase).
    """
    try:
        data = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return ErrorInfo(None, f"{fallback} (non-JSON body: {excerpt(body)!r})")
    if isinstance(data, dict):
        detail = data.get("detail")
        if "error" in data or "message" in data:
            return _from_object(data, fallback)
        if isinstance(detail, dict):
            return _from_object(detail, fallback)
        if isinstance(detail, list):
            errors = _field_errors(detail)
            return ErrorInfo("validation_error", "request validation failed", errors)
        if isinstance(detail, str):
            return ErrorInfo(None, _shorten(detail))
    if data is None:
        return ErrorInfo(None, fallback)
    return ErrorInfo(None, f"{fallback} (unexpected body: {excerpt(body)!r})")


def build_status_error(
    *,
    method: str,
    path: str,
    status: int,
    reason: str,
    headers: Mapping[str, str],
    body: bytes,
    retry_after: float | None = None,
    secret: str | None = None,
) -> APIStatusError:
    """Build the exception for an error answer (the caller raises it)."""
    # Scrub the key from the raw body first: truncation of long messages and excerpts could
    # otherwise cut it in two, and a partial key would no longer match.
    info = parse_error_body(_redact_bytes(body, secret), reason or f"HTTP {status}")
    cls = status_error_class(status, info.code)
    return cls(
        redact(info.message, secret),
        method=method,
        path=path,
        status=status,
        # Everything the server sent that reaches a message is scrubbed and bounded: an echoed
        # key, or a megabyte "code", must not end up in a traceback or a log line.
        code=_scrub(info.code, secret, _CODE_CHARS),
        field_errors=tuple(
            FieldError(
                _scrub(f.field, secret, _CODE_CHARS) or "",
                redact(f.message, secret),
                _scrub(f.type, secret, _CODE_CHARS),
            )
            for f in info.field_errors[:_MAX_FIELD_ERRORS]
        ),
        details=info.details,
        request_id=_scrub(headers.get("X-Request-ID"), secret, _CODE_CHARS),
        retry_after=retry_after,
    )


def _scrub(text: str | None, secret: str | None, limit: int) -> str | None:
    if text is None:
        return None
    return redact(text if len(text) <= limit else text[:limit] + "...", secret)


def decode_json_body(
    body: bytes, *, method: str, path: str, status: int, secret: str | None = None
) -> Any:
    """Decode a success body as JSON; ``None`` for an empty body (204).

    Raises:
        ResponseValidationError: the body is not JSON (an HTML proxy page, truncated JSON).
    """
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        shown = redact(excerpt(_redact_bytes(body, secret)), secret)
        raise ResponseValidationError(
            f"{method} {path} -> {status}: expected a JSON body, got {shown!r} ({error})",
            method=method,
            path=path,
            status=status,
            excerpt=shown,
        ) from None


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = _float_header(headers, name)
    return None if value is None else int(value)


def _float_header(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    # "inf" would crash int() and an infinite window or reset would stall the governor forever.
    return number if math.isfinite(number) else None


def parse_rate_limit(
    headers: Mapping[str, str], bucket: str, *, now: float | None = None
) -> RateLimitSnapshot | None:
    """Read the ``X-RateLimit-*`` headers, or ``None`` when the response carries none.

    Args:
        headers: The response headers.
        bucket: ``"read"`` or ``"write"``.
        now: The current Unix time, to turn an ``X-RateLimit-Reset`` given as a Unix time into
            seconds from now (without it such a value is dropped rather than read as seconds).
    """
    limit = _int_header(headers, "X-RateLimit-Limit")
    remaining = _int_header(headers, "X-RateLimit-Remaining")
    if limit is None and remaining is None:
        return None
    return RateLimitSnapshot(
        limit=limit,
        remaining=remaining,
        window=_float_header(headers, "X-RateLimit-Window"),
        reset=_reset_seconds(_float_header(headers, "X-RateLimit-Reset"), now),
        bucket=bucket,
    )


def _reset_seconds(value: float | None, now: float | None) -> float | None:
    """``X-RateLimit-Reset`` as seconds from now: it comes as seconds or as a Unix time."""
    if value is None:
        return None
    if value > _EPOCH_THRESHOLD:
        # Read as seconds, a Unix time would block the bucket for decades.
        return None if now is None else max(0.0, value - now)
    return max(0.0, value)
