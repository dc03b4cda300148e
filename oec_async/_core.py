"""Sans-I/O core: build a request, read an answer into data or the right exception.

Nothing here touches the network or an event loop, so every rule is tested with plain values.
The key is scrubbed in ONE place, :func:`redact`, from everything built here.
"""

from __future__ import annotations

import json
import math
import re
import traceback
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote, quote_plus, unquote_plus
from uuid import uuid4

from attrs import define, field, frozen

from ._exceptions import (
    APIStatusError,
    FieldError,
    ResponseValidationError,
    status_error_class,
)
from ._models import RateLimitSnapshot
from ._validation import check_header_value

__all__ = [
    "ErrorInfo",
    "Params",
    "RawResponse",
    "Request",
    "build_request",
    "build_status_error",
    "decode_json_body",
    "excerpt",
    "loads",
    "parse_error_body",
    "parse_field_error",
    "parse_rate_limit",
    "read_response",
    "redact",
    "reset_seconds",
    "safe_cause",
]

Params = Mapping[str, str | int | float | bool]
_READ_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH"})


# The per-call records (Request, RawResponse here; CallPolicy, Return in _retry) are @define,
# not @frozen: they are built on every request, and a frozen class sets each field through
# object.__setattr__ (a GET paid ~1.4 µs for it). Nothing assigns to them after building.
@define
class Request:
    """Everything needed to send one API request; built once per call, reused by its retries.

    Attributes:
        method: The HTTP method.
        url: The absolute URL.
        path: The path relative to the base URL (ids included), for errors and events.
        route: The path template (``/environments/{environment_id}/deploy``), for events.
        headers: Every header sent (auth included).
        params: Query parameters.
        body: The JSON body, encoded, or ``None``.
        bucket: The rate budget it counts against (``"read"`` or ``"write"``).
        idempotent: Whether repeating it cannot act twice (safe methods, or a POST carrying
            an idempotency key).
    """

    method: str
    url: str
    path: str
    route: str
    headers: Mapping[str, str] = field(repr=False)  # holds the key
    params: Params | None = None
    body: bytes | None = None
    bucket: str = "read"
    idempotent: bool = True


@define
class RawResponse:
    """What came back for one attempt, as the adapter read it.

    Attributes:
        status: The HTTP status.
        headers: The response headers.
        body: The body, decompressed (at most ``max_response_size`` bytes).
        elapsed: Seconds from sending to the end of the body.
        reason: The HTTP reason phrase.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed: float
    reason: str = ""

    @property
    def request_id(self) -> str | None:
        """The ``X-Request-ID`` header, if the server sent one."""
        return self.headers.get("X-Request-ID")


def build_request(
    method: str,
    path: str,
    *,
    route: str,
    base_url: str,
    headers: Mapping[str, str],
    params: Params | None = None,
    json_body: object = None,
    extra_headers: Mapping[str, str] | None = None,
    idempotency_header: str | None = None,
    idempotency_key: str | None = None,
) -> Request:
    """Build the request for one call: URL, headers, idempotency header, encoded body.

    Args:
        method: The HTTP method.
        path: The path relative to ``base_url`` (ids included).
        route: The path template, for events.
        base_url: The API base URL (no trailing slash).
        headers: The client's headers (auth, Accept, User-Agent), already checked.
        params: Query parameters.
        json_body: A JSON-serialisable body; NaN and infinities are refused.
        extra_headers: Headers of this call (``X-Confirm-Delete``...).
        idempotency_header: The header carrying the idempotency key, if the route takes one; a
            key is generated when ``idempotency_key`` is ``None`` (every retry reuses it).
        idempotency_key: The caller's key (already checked).

    Raises:
        ValueError: a header value holds a control character, or the body is not valid JSON.
    """
    send_headers: Mapping[str, str] = headers
    body = None
    if extra_headers or idempotency_header or json_body is not None:
        merged = dict(headers)
        if extra_headers:
            for name, value in extra_headers.items():
                merged[name] = check_header_value(value, name)
        if idempotency_header:
            merged[idempotency_header] = check_header_value(
                idempotency_key or uuid4().hex, "idempotency_key"
            )
        if json_body is not None:
            body = json.dumps(json_body, separators=(",", ":"), allow_nan=False).encode()
            merged["Content-Type"] = "application/json"
        send_headers = merged
    return Request(
        method,
        base_url + path,
        path,
        route,
        send_headers,
        params,
        body,
        "read" if method in _READ_METHODS else "write",
        method in _IDEMPOTENT_METHODS or bool(idempotency_header),
    )


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


def _secret_forms(secret: str) -> tuple[str, ...]:
    # The key as typed, and as URL encoders would write it (a Location header, a query).
    return tuple(dict.fromkeys((secret, quote(secret, safe=""), quote_plus(secret))))


def redact(text: str, secret: str | None = None) -> str:
    """Remove API keys from ``text``: the configured one (raw, or percent-encoded however
    much, so also after ``Bearer``), and anything shaped like a key.

    The one place the SDK scrubs the key: every message, excerpt and event text passes here.
    """
    if secret:
        decoded = text
        for _ in range(3):  # %-encoded, or %-encoded twice (%25..), is still the key
            decoded = unquote_plus(decoded)
            if secret in decoded and secret not in text:
                # Encoded char by char (%6F%65%63...): only the decoded text can be scrubbed.
                text = decoded
                break
        for form in _secret_forms(secret):
            text = text.replace(form, "[redacted]")
    return _KEY_PATTERN.sub("oec_live_[redacted]", text)


def _redact_bytes(body: bytes, secret: str | None) -> bytes:
    if not secret:
        return body
    for form in _secret_forms(secret):
        body = body.replace(form.encode("utf-8", errors="replace"), b"[redacted]")
    return body


def safe_cause(error: BaseException, secret: str | None) -> BaseException | None:
    """``error`` if its formatted traceback (chained causes included) cannot show the key.

    For ``raise OurError(...) from safe_cause(error, key)``: a cause whose text quotes the key
    (a server that echoes it in its status line) is dropped rather than chained.
    """
    text = "".join(traceback.format_exception(error))
    return error if redact(text, secret) == text else None


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
        data = loads(body) if body else None
    except _DECODE_ERRORS:
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
    note: str = "",
) -> APIStatusError:
    """Build the exception for an error answer (the caller raises it).

    Args:
        method: The HTTP method.
        path: The path relative to the base URL.
        status: The HTTP status.
        reason: The reason phrase (the message when the body has none).
        headers: The answer's headers.
        body: The answer's body.
        retry_after: The wait the server asked for, if any.
        secret: The API key, scrubbed from everything the error shows.
        note: Appended to the message (why the SDK does not retry, for instance).
    """
    # Scrub the key from the raw body first: truncation of long messages and excerpts could
    # otherwise cut it in two, and a partial key would no longer match.
    info = parse_error_body(_redact_bytes(body, secret), reason or f"HTTP {status}")
    cls = status_error_class(status, info.code)
    return cls(
        redact(info.message, secret) + note,
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


class _RefusedNumberError(ValueError):
    """A JSON number the SDK refuses (``NaN``, ``Infinity``, or out of a float's range)."""


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400
        raise _RefusedNumberError(f"number out of range: {text[:40]}")
    return number


def _refuse_constant(name: str) -> float:
    raise _RefusedNumberError(f"{name} is not JSON")


# What decoding a hostile body can raise: bad JSON, bad UTF-8, nesting deeper than the
# interpreter's stack (RecursionError), numbers too large, and running out of memory.
_DECODE_ERRORS: Final = (ValueError, RecursionError, OverflowError, MemoryError)


# One decoder, built once: json.loads(..., parse_float=...) would build one per call.
_DECODER: Final = json.JSONDecoder(parse_float=_finite_float, parse_constant=_refuse_constant)


def loads(body: bytes | str) -> Any:
    """``json.loads`` that refuses ``NaN``, ``Infinity`` and out-of-range numbers (``1e400``).

    Raises:
        ValueError: not JSON (or not UTF-8), or a number the SDK refuses.
        RecursionError: nested deeper than the interpreter's stack allows.
    """
    text = body.decode("utf-8") if isinstance(body, bytes | bytearray) else body
    return _DECODER.decode(text)


def decode_json_body(
    body: bytes,
    *,
    method: str,
    path: str,
    status: int,
    secret: str | None = None,
    request_id: str | None = None,
) -> Any:
    """Decode a success body as JSON; ``None`` for an empty body (204).

    Raises:
        ResponseValidationError: the body is not JSON (an HTML proxy page, truncated JSON),
            nests too deep, or holds a number the SDK refuses.
    """
    if not body:
        return None
    try:
        return loads(body)
    except _DECODE_ERRORS as error:
        shown = redact(excerpt(_redact_bytes(body, secret)), secret)
        problem = "nested too deeply" if isinstance(error, RecursionError) else _first_line(error)
        raise ResponseValidationError(
            f"{method} {path} -> {status}: expected a JSON body, got {shown!r} ({problem})",
            method=method,
            path=path,
            status=status,
            excerpt=shown,
            request_id=request_id,
        ) from None


def read_response(response: RawResponse, request: Request, secret: str | None = None) -> Any:
    """The decoded JSON body of a success answer (``None`` when empty).

    Raises:
        ResponseValidationError: the body cannot be read; it carries the answer's real status
            and request id.
    """
    return decode_json_body(
        response.body,
        method=request.method,
        path=request.path,
        status=response.status,
        secret=secret,
        request_id=response.request_id,
    )


def _first_line(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]


def _header_number(value: str | None) -> float | None:
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
    get = headers.get  # read on every answer: one lookup per header
    limit = _header_number(get("X-RateLimit-Limit"))
    remaining = _header_number(get("X-RateLimit-Remaining"))
    if limit is None and remaining is None:
        return None
    return RateLimitSnapshot(
        limit=None if limit is None else int(limit),
        remaining=None if remaining is None else int(remaining),
        window=_header_number(get("X-RateLimit-Window")),
        reset=reset_seconds(_header_number(get("X-RateLimit-Reset")), now),
        bucket=bucket,
    )


def reset_seconds(value: float | None, now: float | None) -> float | None:
    """``X-RateLimit-Reset`` as seconds from now: it comes as seconds or as a Unix time."""
    if value is None:
        return None
    if value > _EPOCH_THRESHOLD:
        # Read as seconds, a Unix time would block the bucket for decades.
        return None if now is None else max(0.0, value - now)
    return max(0.0, value)
